import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { isTerminal } from '../../../src/jobs/run-record.js';
import type { AuditEvent } from '../../../src/audit/events.js';
import { startAlertmanager, type AlertmanagerHandle } from '../../support/alertmanager.js';
import { buildSlackTestDrover, type SlackTestDrover } from '../../support/slack-drover.js';
import { WEBHOOK_TOKEN } from '../../support/alerts.js';
import { freePort } from '../../support/free-port.js';
import { waitFor } from '../../support/wait-for.js';

type Remediation = Extract<AuditEvent, { type: 'alert.remediation' }>;

// Alertmanager sends no resolved notifications here: whether a remediation worked can only be
// learnt from Alertmanager's API, asked with the alert's labels as filters.
describe('did it work? asking a real Alertmanager', () => {
  let t: SlackTestDrover;
  let am: AlertmanagerHandle;
  // Drover reaches Alertmanager's API through a pass-through that notes what it asked for.
  let tap: Server;
  let asked: URL[];

  beforeEach(async () => {
    const port = await freePort();
    am = await startAlertmanager({ webhookUrl: `http://127.0.0.1:${port}/webhooks/alertmanager`, bearerToken: WEBHOOK_TOKEN, groupWait: '0s', sendResolved: false });
    asked = [];
    tap = createServer((req, res) => {
      const url = new URL(req.url ?? '/', am.url);
      asked.push(url);
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const body = req.method === 'GET' || req.method === 'DELETE' ? undefined : Buffer.concat(chunks);
        void fetch(url, { method: req.method ?? 'GET', headers: { 'content-type': req.headers['content-type'] ?? 'application/json' }, ...(body ? { body } : {}) }).then(
          async (answer) => res.writeHead(answer.status, { 'content-type': answer.headers.get('content-type') ?? 'application/json' }).end(Buffer.from(await answer.arrayBuffer())),
          () => res.writeHead(502).end(),
        );
      });
    });
    await new Promise<void>((r) => tap.listen(0, '127.0.0.1', r));
    t = await buildSlackTestDrover({
      port,
      configure: (c) => {
        c.alerts.webhookToken = WEBHOOK_TOKEN;
        c.alerts.alertmanagerUrl = `http://127.0.0.1:${(tap.address() as AddressInfo).port}`;
        c.alerts.watchFor = 200;
      },
    });
  });

  afterEach(async () => {
    await am.stop();
    await t.close();
    await new Promise((r) => tap.close(r));
  });

  /** The filters of Drover's queries of Alertmanager's alerts. */
  const alertQueries = () => asked.filter((u) => u.pathname === '/api/v2/alerts').map((u) => u.searchParams.getAll('filter'));

  // Labels with characters Alertmanager's filter syntax must have quoted.
  const crashLooping = (pod: string) => ({
    labels: { alertname: 'KubePodCrashLooping', namespace: 'demo', pod, container: 'web', severity: 'warning', summary: 'say "hi", \\ then {go}' },
  });

  async function remediate(pod: string): Promise<string> {
    await am.pushAlerts([crashLooping(pod)]);
    const runId = await waitFor(async () => {
      const run = (await t.drover.store.recent(20)).find((r) => r.runbook === 'delete-pod' && r.params.pod === pod);
      return run && isTerminal(run.state) ? run.id : undefined;
    }, `the run for ${pod}`);
    expect((await t.drover.store.get(runId))?.state).toBe('succeeded');
    return runId;
  }

  const remediation = async (runId: string): Promise<Remediation | undefined> => {
    await new Promise((r) => setTimeout(r, 250)); // past watchFor
    await t.drover.alerts.watch.sweep();
    return (await t.drover.audit.read()).find((e): e is Remediation => e.type === 'alert.remediation' && e.runId === runId);
  };

  it('an alert still firing in Alertmanager after the watch is "not cleared"', async () => {
    const [pod] = t.fake.list('pods', 'demo', { labelSelector: 'app=web' }).map((p) => p.metadata.name as string);
    const runId = await remediate(pod!);
    expect(await remediation(runId)).toMatchObject({ result: 'not-cleared', alertname: 'KubePodCrashLooping' });
    // It asked about this alert only, not for every alert Alertmanager holds.
    expect(alertQueries()).toEqual([expect.arrayContaining([`pod="${pod}"`, 'alertname="KubePodCrashLooping"', 'summary="say \\"hi\\", \\\\ then {go}"'])]);
  }, 20_000);

  it('an alert Alertmanager no longer lists is "remediated", with no resolved notification', async () => {
    const [, pod] = t.fake.list('pods', 'demo', { labelSelector: 'app=web' }).map((p) => p.metadata.name as string);
    const runId = await remediate(pod!);
    await am.resolveAlerts([crashLooping(pod!)]);
    await waitFor(async () => (await am.alerts()).every((a) => a.labels.pod !== pod), 'Alertmanager to drop the resolved alert');
    expect(await remediation(runId)).toMatchObject({ result: 'remediated' });
    expect((await t.drover.audit.read()).some((e) => e.type === 'alert.received' && e.status === 'resolved')).toBe(false);
  }, 20_000);
});
