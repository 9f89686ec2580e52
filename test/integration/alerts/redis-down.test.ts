import { slashCommandBody } from '../../../src/testing/index.js';
import { buildSlackTestDrover, type SlackTestDrover } from '../../support/slack-drover.js';
import { WEBHOOK_TOKEN, crashLooping, webhookPayload } from '../../support/alerts.js';
import { startPrivateRedis, type PrivateRedis } from '../../support/redis-server.js';
import { waitFor } from '../../support/wait-for.js';

/** A request with a deadline: a hang shows as "no answer", not as a test timeout. */
async function timed(url: string, init: RequestInit = {}): Promise<{ status: number | 'no answer'; ms: number; retryAfter: string | null }> {
  const started = Date.now();
  const deadline = new AbortController();
  const timer = setTimeout(() => deadline.abort(), 3000);
  try {
    const res = await fetch(url, { ...init, signal: deadline.signal });
    await res.text();
    return { status: res.status, ms: Date.now() - started, retryAfter: res.headers.get('retry-after') };
  } catch {
    return { status: 'no answer', ms: Date.now() - started, retryAfter: null };
  } finally {
    clearTimeout(timer);
  }
}

describe('while Redis is down', () => {
  let redis: PrivateRedis;
  let t: SlackTestDrover;

  beforeAll(async () => {
    redis = await startPrivateRedis();
    t = await buildSlackTestDrover({ redisUrl: redis.url, configure: (c) => (c.alerts.webhookToken = WEBHOOK_TOKEN) });
    t.redis.on('error', () => undefined);
  });

  afterAll(async () => {
    await t?.close();
    await redis?.stop();
  }, 30_000);

  it('the webhook, the Slack endpoint and /readyz answer 503 at once; the same delivery is accepted once Redis is back', async () => {
    const pod = t.fake.list('pods', 'demo', { labelSelector: 'app=web' })[0]!.metadata.name as string;
    const alert = crashLooping(pod);
    const delivery = JSON.stringify(webhookPayload([alert]));
    const post = () => timed(`${t.base}/webhooks/alertmanager`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${WEBHOOK_TOKEN}` }, body: delivery });
    expect((await timed(`${t.base}/readyz`)).status).toBe(200);

    await redis.kill();
    await waitFor(() => t.redis.status !== 'ready', 'the connection to notice');

    const refused = await post();
    expect(refused).toMatchObject({ status: 503, retryAfter: '5' });
    expect(refused.ms).toBeLessThan(1000);
    const ready = await timed(`${t.base}/readyz`);
    expect(ready.status).toBe(503);
    expect(ready.ms).toBeLessThan(1000);
    const slack = await t.send(slashCommandBody({ text: 'help', userId: 'U0ALICE', userName: 'alice', channelId: 'C0OPS', triggerId: 'trig-down' }), 'application/x-www-form-urlencoded');
    expect(slack.status).toBe(503);
    expect(slack.ms).toBeLessThan(1000);

    await redis.restart();
    await waitFor(() => t.redis.status === 'ready', 'the connection to come back', 15_000);
    // Nothing half-done: the refused delivery left no trace.
    expect((await t.drover.audit.read()).filter((e) => e.type === 'alert.received')).toEqual([]);
    expect(await t.drover.store.recent(100)).toEqual([]);

    const retried = await timed(`${t.base}/webhooks/alertmanager`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${WEBHOOK_TOKEN}` }, body: delivery });
    expect(retried.status).toBe(200);
    expect((await t.drover.audit.read()).filter((e) => e.type === 'alert.received')).toHaveLength(1);
    expect(await t.drover.store.recent(100)).toHaveLength(1);
    expect((await timed(`${t.base}/readyz`)).status).toBe(200);
  }, 40_000);
});
