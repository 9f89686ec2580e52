import { defineRunbook, z } from 'drover';
import { runbookHarness, type RunbookHarness } from 'drover/testing';
import { redisClient } from '../../support/redis.js';
import { webhookPayload } from '../../support/alerts.js';

/** Waits, as a runbook should, until the run is cancelled. */
const waits = defineRunbook({
  id: 'waits',
  summary: 'Waits until cancelled',
  params: z.object({}),
  run: (ctx) => ctx.step('wait', ({ signal }) => new Promise((_, reject) => signal.addEventListener('abort', () => reject(new Error('stopped'))))),
});

const twoPeople = defineRunbook({
  id: 'two-people',
  summary: 'Scales demo/web, with two approvals',
  params: z.object({ replicas: z.coerce.number().int() }),
  triggers: { alerts: [{ alertname: 'WebTooSmall', params: { replicas: 'label:replicas' } }] },
  approval: { required: 'always', approvers: 2 },
  async run(ctx, { replicas }) {
    await ctx.step('scale', () => ctx.k8s.scaleDeployment('demo', 'web', replicas));
  },
});

describe('runbookHarness', () => {
  let h: RunbookHarness | undefined;
  afterEach(async () => {
    await h?.close();
    h = undefined;
  });

  it('says how to get Redis when there is none', async () => {
    await expect(runbookHarness({ runbooks: [waits], redisUrl: 'redis://127.0.0.1:1' })).rejects.toMatchObject({
      code: 'redis_unavailable',
      message: expect.stringMatching(/Redis is not answering at redis:\/\/127\.0\.0\.1:1[\s\S]*docker run -d -p 6379:6379 redis:7/) as unknown,
    });
  });

  it('bounds every wait: a run that does not finish is reported where it stood, and cancelled', async () => {
    h = await runbookHarness({ runbooks: [waits], timeoutMs: 1500 });
    const started = Date.now();
    await expect(h.run('waits', {})).rejects.toMatchObject({
      code: 'harness_timeout',
      message: expect.stringMatching(/^waits run \S+ is still running; last step: "wait" started \(waited 2 s/) as unknown,
    });
    expect(Date.now() - started).toBeLessThan(5000);
    const [run] = await h.drover.store.recent(1);
    await expect(waitForState(h, run!.id, 'cancelled')).resolves.toBe('cancelled');
  });

  it('asks as many approvers as the runbook needs; with too few the run stays held', async () => {
    h = await runbookHarness({ runbooks: [twoPeople] });
    const held = await h.run('two-people', { replicas: 4 }, { approveAs: 'U_ONE' });
    expect(held).toMatchObject({ status: 'awaiting_approval', approvers: ['U_ONE'] });
    const done = await h.approve(held.id, 'U_TWO');
    expect(done).toMatchObject({ status: 'succeeded', approvers: ['U_ONE', 'U_TWO'] });
    const both = await h.run('two-people', { replicas: 5 }, { approveAs: ['U_ONE', 'U_TWO'] });
    expect(both.status).toBe('succeeded');
    expect(h.get<{ spec: { replicas: number } }>('deployments', 'demo', 'web')?.spec.replicas).toBe(5);
  });

  it('replays alerts through the webhook with basic auth when that is what is configured', async () => {
    h = await runbookHarness({
      runbooks: [twoPeople],
      configure: (c) => {
        delete c.alerts.webhookToken;
        c.alerts.webhookUsername = 'alertmanager';
        c.alerts.webhookPassword = 'a-long-password';
      },
    });
    const replay = await h.alert(webhookPayload([{ labels: { alertname: 'WebTooSmall', replicas: '6' } }, { labels: { alertname: 'Unrelated' } }]), {
      approveAs: ['U_ONE', 'U_TWO'],
    });
    expect(replay.outcomes).toEqual({ approval_required: 1, unmatched: 1 });
    expect(replay.runs.map((r) => [r.params, r.status])).toEqual([[{ replicas: 6 }, 'succeeded']]);
    expect(replay.received.map((e) => e.alertname).sort()).toEqual(['Unrelated', 'WebTooSmall']);
    // Alertmanager's repeat of the same firing starts nothing; an alert of a cluster this Drover does not serve is refused.
    const again = await h.alert(webhookPayload([{ labels: { alertname: 'WebTooSmall', replicas: '6' } }]));
    expect([again.outcomes, again.runs]).toEqual([{ deduplicated: 1 }, []]);
    const elsewhere = await h.alert(webhookPayload([{ labels: { alertname: 'WebTooSmall', replicas: '7', cluster: 'prod-eu' } }]));
    expect([elsewhere.outcomes, elsewhere.runs]).toEqual([{ rejected: 1 }, []]);
  });

  it('says why Drover did not take a payload', async () => {
    h = await runbookHarness({ runbooks: [twoPeople] });
    await expect(h.alert({ version: '3', alerts: [] })).rejects.toMatchObject({
      code: 'harness_alert_rejected',
      message: expect.stringMatching(/^Drover's webhook answered 400 to the payload: Invalid Alertmanager webhook payload: version/) as unknown,
    });
  });

  it('seeds the author\'s own objects instead of the sandbox, and leaves nothing in Redis once closed', async () => {
    h = await runbookHarness({
      runbooks: [twoPeople],
      seed: [{ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'payments' } }],
    });
    expect(h.get('namespaces', undefined, 'payments')).toBeDefined();
    expect(h.get('deployments', 'demo', 'web')).toBeUndefined();
    const prefix = h.drover.config.redis.prefix;
    await h.close();
    h = undefined;
    const redis = redisClient();
    try {
      const [, keys] = await redis.scan('0', 'MATCH', `${prefix}:*`, 'COUNT', 1000);
      expect(keys).toEqual([]);
    } finally {
      await redis.quit();
    }
  });
});

async function waitForState(h: RunbookHarness, id: string, state: string): Promise<string> {
  const deadline = Date.now() + 5000;
  for (;;) {
    const run = await h.drover.store.get(id);
    if (run?.state === state || Date.now() > deadline) return run?.state ?? 'missing';
    await new Promise((r) => setTimeout(r, 50));
  }
}
