import { blockActionBody } from '../../../src/testing/index.js';
import { parsePolicy } from '../../../src/policy/index.js';
import { buildSlackTestDrover, type SlackTestDrover } from '../../support/slack-drover.js';
import { WEBHOOK_TOKEN, deliver } from '../../support/alerts.js';
import { waitFor } from '../../support/wait-for.js';

const FORM = 'application/x-www-form-urlencoded';
const ALERTS = 'C0ALERTS';
const ONCALL = 'U0ONCALL';

const POLICY = `
groups:
  automation: [alertmanager]
  oncall: [${ONCALL}]
rules:
  - groups: [automation, oncall]
    runbooks: [cordon-node, job-failure-report]
    clusters: ['*']
approvals:
  - runbooks: [cordon-node]
    require: { approvals: 1, from: oncall }
`;

function textOf(args: Record<string, unknown>): string {
  return JSON.stringify([args.text, args.blocks]);
}

describe('alert-triggered runs under the policy', () => {
  let t: SlackTestDrover;

  beforeAll(async () => {
    t = await buildSlackTestDrover({
      policy: { document: parsePolicy(POLICY, 'test policy') },
      configure: (c) => {
        c.alerts.webhookToken = WEBHOOK_TOKEN;
        c.alerts.channel = ALERTS;
      },
    });
    for (const name of ['node-a', 'node-b']) t.fake.seed({ apiVersion: 'v1', kind: 'Node', metadata: { name, labels: { 'kubernetes.io/hostname': name } }, spec: {} });
  });

  afterAll(async () => {
    await t.close();
  });

  async function fire(labels: Record<string, string>, status: 'firing' | 'resolved' = 'firing'): Promise<void> {
    expect((await deliver(t.base, [{ labels }], status)).status).toBe(200);
  }

  it('the on-call approves from the alert announcement, which shows the alert and the plan; then the run happens', async () => {
    await fire({ alertname: 'KubeNodeNotReady', node: 'node-a', severity: 'warning' });
    // The announcement: the alert's facts, the plan, Approve and Reject.
    const announced = await t.slack.waitForCall('chat.update', (c) => c.args.channel === ALERTS && textOf(c.args).includes('drover_approve'));
    const body = textOf(announced.args);
    expect(body).toContain('KubeNodeNotReady node-a');
    expect(body).toContain('needs approval');
    expect(body).toMatch(/unschedulable: true/);
    const ts = announced.args.ts as string;
    const run = (await t.drover.store.recent(20)).find((r) => r.runbook === 'cordon-node')!;
    expect(run).toMatchObject({ state: 'awaiting_approval', requester: { kind: 'alert' } });
    expect((t.fake.get('nodes', undefined, 'node-a') as unknown as { spec: { unschedulable?: boolean } }).spec.unschedulable).toBeFalsy();

    const message = t.slack.message(ALERTS, ts)!;
    const value = JSON.stringify({ run: run.id, hash: run.approval?.hash });
    await t.send(blockActionBody({ actionId: 'drover_approve', value, userId: ONCALL, channelId: ALERTS, messageTs: ts, message }), FORM);
    await waitFor(async () => (await t.drover.store.get(run.id))?.state === 'succeeded', 'the approved run');
    expect((t.fake.get('nodes', undefined, 'node-a') as unknown as { spec: { unschedulable?: boolean } }).spec.unschedulable).toBe(true);
    // The alert's facts stay at the top of the message as it is updated.
    await t.slack.waitForCall('chat.update', (c) => c.args.ts === ts && /succeeded/.test(textOf(c.args)) && textOf(c.args).includes('KubeNodeNotReady node-a'));
  });

  it('an alert that resolves while its run waits for approval withdraws the proposal', async () => {
    const labels = { alertname: 'KubeNodeNotReady', node: 'node-b', severity: 'warning' };
    await fire(labels);
    const run = await waitFor(async () => {
      const r = (await t.drover.store.recent(20)).find((x) => x.runbook === 'cordon-node' && x.params.node === 'node-b');
      return r?.state === 'awaiting_approval' ? r : undefined;
    }, 'the proposal');
    await fire(labels, 'resolved');
    await waitFor(async () => (await t.drover.store.get(run.id))?.state === 'cancelled', 'the proposal to be withdrawn');
    await expect(t.drover.approvals.approve(run.id, { kind: 'slack', id: ONCALL }, run.approval?.hash ?? '')).rejects.toThrow(/cancelled/);
    expect((t.fake.get('nodes', undefined, 'node-b') as unknown as { spec: { unschedulable?: boolean } }).spec.unschedulable).toBeFalsy();
  });

  it('a runbook the policy does not let automation run is escalated as denied, not run', async () => {
    const before = (await t.drover.store.recent(50)).length;
    await fire({ alertname: 'KubeHpaMaxedOut', namespace: 'shop', horizontalpodautoscaler: 'web', severity: 'warning' });
    await t.slack.waitForCall('chat.postMessage', (c) => c.args.channel === ALERTS && /the policy does not let automation fix it/.test(textOf(c.args)));
    expect((await t.drover.store.recent(50)).length).toBe(before);
    const received = (await t.drover.audit.read()).filter((e) => e.type === 'alert.received');
    expect(received.at(-1)).toMatchObject({ alertname: 'KubeHpaMaxedOut', outcome: 'denied' });
    const metrics = await t.drover.metrics.registry.getSingleMetricAsString('drover_alerts_total');
    expect(metrics).toMatch(/drover_alerts_total\{outcome="denied"\} 1/);
    // Counted by the same gate as people's requests.
    const decisions = await t.drover.metrics.registry.getSingleMetricAsString('drover_policy_decisions_total');
    expect(decisions).toMatch(/drover_policy_decisions_total\{runbook="raise-hpa-max",decision="denied"\} 1/);
  });
});
