import { isTerminal, type RunRecord } from '../../../src/jobs/run-record.js';
import { seedSandbox } from '../../../src/testing/index.js';
import { buildTestDrover, type TestDrover } from '../../support/test-drover.js';
import { waitFor } from '../../support/wait-for.js';
import { parseWebhookPayload } from '../../../src/alertmanager/webhook-payload.js';
import { webhookPayload } from '../../support/alerts.js';

const cli = { kind: 'cli' as const, id: 'oncall@laptop' };
const reviewer = { kind: 'slack' as const, id: 'U0REVIEWER', name: 'reviewer' };

describe('runbooks for the kube-prometheus alerts, on the sandbox cluster', () => {
  let t: TestDrover;

  beforeAll(async () => {
    t = await buildTestDrover();
    seedSandbox(t.fake);
    await t.drover.startWorker({ concurrency: 4 });
  });

  afterAll(async () => {
    await t.close();
  });

  /**
   * Through the gate, as people run them: a runbook that needs approval is planned, held, and
   * approved by a second person (the worker refuses a run that skipped its approval).
   */
  async function run(runbook: string, params: Record<string, unknown>): Promise<{ run: RunRecord; reports: string[] }> {
    const submitted = await t.drover.gate.submit({ runbook, params, requester: cli });
    const settled = await waitFor(async () => {
      const r = await t.drover.store.get(submitted.id);
      return r && (isTerminal(r.state) || r.state === 'awaiting_approval') ? r : undefined;
    }, `${runbook} to be planned or finish`);
    if (settled.state === 'awaiting_approval') {
      const outcome = await t.drover.approvals.approve(settled.id, reviewer, settled.approval?.hash ?? '');
      expect(outcome.kind).toBe('approved');
    }
    const done = await waitFor(async () => {
      const r = await t.drover.store.get(submitted.id);
      return r && isTerminal(r.state) ? r : undefined;
    }, `${runbook} to finish`);
    const reports = (await t.drover.store.events(submitted.id)).flatMap((e) => (e.type === 'report' ? [e.text] : []));
    return { run: done, reports };
  }

  const get = <T>(resource: string, ns: string | undefined, name: string) => t.fake.get(resource, ns, name) as unknown as T;

  it('diagnose-restart-deployment reports the deployment\'s state, then restarts it', async () => {
    const { run: r, reports } = await run('diagnose-restart-deployment', { namespace: 'demo', deployment: 'web' });
    expect(r.state).toBe('succeeded');
    expect(reports[0]).toMatch(/^demo\/web: \d+\/\d+ replicas available, \d+ pods\./);
    const web = get<{ spec: { template: { metadata: { annotations?: Record<string, string> } } } }>('deployments', 'demo', 'web');
    expect(web.spec.template.metadata.annotations?.['kubectl.kubernetes.io/restartedAt']).toBeDefined();
  });

  it('raise-hpa-max raises maxReplicas by the factor, and refuses at the ceiling', async () => {
    const { run: r } = await run('raise-hpa-max', { namespace: 'shop', hpa: 'web' });
    expect(r.state).toBe('succeeded');
    expect(get<{ spec: { maxReplicas: number } }>('horizontalpodautoscalers', 'shop', 'web').spec.maxReplicas).toBe(9);
    const { run: refused } = await run('raise-hpa-max', { namespace: 'shop', hpa: 'web', ceiling: 9 });
    expect(refused).toMatchObject({ state: 'failed', error: { code: 'runbook_refused' } });
  });

  it('expand-pvc grows an expandable claim and refuses one whose class cannot expand', async () => {
    const { run: grown } = await run('expand-pvc', { namespace: 'demo', pvc: 'data' });
    expect(grown.state).toBe('succeeded');
    expect(get<{ spec: { resources: { requests: { storage: string } } } }>('persistentvolumeclaims', 'demo', 'data').spec.resources.requests.storage).toBe('15Gi');
    const { run: fixed } = await run('expand-pvc', { namespace: 'demo', pvc: 'logs' });
    expect(fixed).toMatchObject({ state: 'failed', error: { code: 'runbook_refused' } });
    expect(fixed.error?.message).toMatch(/StorageClass fixed does not allow volume expansion/);
    const { run: capped } = await run('expand-pvc', { namespace: 'demo', pvc: 'data', maxSize: '16Gi' });
    expect(capped.error?.message).toMatch(/would exceed maxSize 16Gi/);
  });

  it('cordon-node marks the node unschedulable, once', async () => {
    const { run: r } = await run('cordon-node', { node: 'node-b' });
    expect(r.state).toBe('succeeded');
    expect(get<{ spec: { unschedulable?: boolean } }>('nodes', undefined, 'node-b').spec.unschedulable).toBe(true);
    const { reports } = await run('cordon-node', { node: 'node-b' });
    expect(reports.join('\n')).toMatch(/already cordoned/);
  });

  it('job-failure-report posts the failed pods\' logs and warnings', async () => {
    const { run: r, reports } = await run('job-failure-report', { namespace: 'demo', job: 'nightly-report' });
    expect(r.state).toBe('succeeded');
    const text = reports.join('\n');
    expect(text).toMatch(/Pod nightly-report-\S+: last 40 log lines/);
    expect(text).toMatch(/```/);
    expect(t.fake.requests.some((q) => q.method === 'GET' && /\/pods\/nightly-report-[^/]+\/log$/.test(q.path) && q.query.tailLines === '40')).toBe(true);
  });

  const receive = (labels: Record<string, string>) => {
    const parsed = parseWebhookPayload(webhookPayload([{ labels }]));
    if (!('payload' in parsed)) throw new Error(parsed.error);
    return t.drover.alerts.intake.receive(parsed.payload);
  };

  it('the alerts map their real labels: KubeJobFailed runs the report at once', async () => {
    const outcomes = await receive({ alertname: 'KubeJobFailed', namespace: 'demo', job_name: 'nightly-report', severity: 'warning' });
    expect(outcomes.enqueued).toBe(1);
    const job = await waitFor(async () => (await t.drover.store.recent(50)).find((r) => r.runbook === 'job-failure-report' && r.requester.kind === 'alert'), 'the run');
    expect(job.params).toEqual({ namespace: 'demo', job: 'nightly-report' });
  });

  it('runbooks that need approval are proposed by an alert, planned, and run only once someone approves', async () => {
    const cases: Array<Record<string, string>> = [
      { alertname: 'KubeNodeNotReady', node: 'node-a', severity: 'warning' },
      { alertname: 'KubeHpaMaxedOut', namespace: 'shop', horizontalpodautoscaler: 'web', severity: 'warning' },
      { alertname: 'KubePersistentVolumeFillingUp', namespace: 'demo', persistentvolumeclaim: 'data', severity: 'critical' },
    ];
    for (const labels of cases) {
      expect(await receive(labels)).toMatchObject({ approval_required: 1, enqueued: 0 });
    }
    const held = await waitFor(async () => {
      const runs = (await t.drover.store.recent(50)).filter((r) => r.requester.kind === 'alert' && ['cordon-node', 'raise-hpa-max', 'expand-pvc'].includes(r.runbook));
      return runs.length === 3 && runs.every((r) => r.state === 'awaiting_approval') ? runs : undefined;
    }, 'the three proposals to be planned');
    // Planned by dry runs only: nothing changed.
    expect(get<{ spec: { unschedulable?: boolean } }>('nodes', undefined, 'node-a').spec.unschedulable).toBeFalsy();
    const cordon = held.find((r) => r.runbook === 'cordon-node')!;
    expect((await t.drover.store.plan(cordon.id)).map((c) => c.summary).join('\n')).toMatch(/node-a/);

    // The on-call approves from the announcement; the alert is not a person who could approve its own run.
    const outcome = await t.drover.approvals.approve(cordon.id, { kind: 'slack', id: 'U0ONCALL' }, cordon.approval?.hash ?? '');
    expect(outcome.kind).toBe('approved');
    await waitFor(async () => (await t.drover.store.get(cordon.id))?.state === 'succeeded', 'the approved cordon');
    expect(get<{ spec: { unschedulable?: boolean } }>('nodes', undefined, 'node-a').spec.unschedulable).toBe(true);
    const received = (await t.drover.audit.read()).filter((e) => e.type === 'alert.received' && e.outcome === 'approval_required');
    expect(received.map((e) => ('alertname' in e ? e.alertname : ''))).toEqual(expect.arrayContaining(['KubeNodeNotReady', 'KubeHpaMaxedOut', 'KubePersistentVolumeFillingUp']));
  });

  it('KubeDeploymentReplicasMismatch, KubePodCrashLooping and KubePodNotReady run their runbooks', async () => {
    expect(await receive({ alertname: 'KubeDeploymentReplicasMismatch', namespace: 'demo', deployment: 'api', severity: 'warning' })).toMatchObject({ enqueued: 1 });
    const pod = t.fake.list('pods', 'demo', { labelSelector: 'app=api' })[0]!.metadata.name as string;
    expect(await receive({ alertname: 'KubePodCrashLooping', namespace: 'demo', pod, container: 'api', severity: 'warning' })).toMatchObject({ enqueued: 1 });
    // One runbook answers a crash loop (delete-pod); capture-diagnostics answers KubePodNotReady.
    expect(await receive({ alertname: 'KubePodNotReady', namespace: 'demo', pod, severity: 'warning' })).toMatchObject({ enqueued: 1 });
    const runs = await waitFor(async () => {
      const found = (await t.drover.store.recent(50)).filter((r) => r.requester.kind === 'alert' && r.params.pod === pod);
      return found.length === 2 ? found : undefined;
    }, 'the runs of the crash loop and the not-ready pod');
    expect(runs.map((r) => r.runbook).sort()).toEqual(['capture-diagnostics', 'delete-pod']);
  });
});
