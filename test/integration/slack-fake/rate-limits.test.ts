/**
 * HTTP 429 + Retry-After as Slack sends it, against WebClient's real retry
 * handling: it waits Retry-After seconds (pausing every call of that
 * client), then p-retry adds its own backoff before the next attempt.
 */
import { ErrorCode, WebClientEvent } from '@slack/web-api';
import { startSlackFake, type SlackFake } from '../../../src/testing/index.js';
import { clientFor } from './helpers.js';

let fake: SlackFake;

beforeEach(async () => {
  fake = await startSlackFake({ channels: [{ id: 'C0OPS', name: 'ops' }] });
});

afterEach(async () => {
  await fake.stop();
});

/** Milliseconds between the 429 and the retry that succeeded, as the fake saw them arrive. */
function retryGap(): number {
  const [limited, retried, ...rest] = fake.calls('chat.postMessage');
  expect(rest).toEqual([]);
  expect(limited?.status).toBe(429);
  expect(limited?.response).toEqual({ ok: false, error: 'ratelimited' });
  expect(retried?.status).toBe(200);
  return retried!.at - limited!.at;
}

test('the 429 is exactly what Slack sends: status, Retry-After header, body', async () => {
  fake.rateLimitNext('chat.postMessage', { retryAfterSeconds: 7 });
  const res = await fetch(`${fake.url}chat.postMessage`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${fake.botToken}`, 'Content-Type': 'application/x-www-form-urlencoded' },
    body: 'channel=C0OPS&text=hi',
  });
  expect(res.status).toBe(429);
  expect(res.headers.get('retry-after')).toBe('7');
  expect(await res.json()).toEqual({ ok: false, error: 'ratelimited' });
});

test('with a fast retry policy the retry comes Retry-After (1 s) later and the message lands once', async () => {
  const client = clientFor(fake, { retryConfig: { retries: 2, minTimeout: 0, maxTimeout: 0 } });
  const limitedFor: number[] = [];
  client.on(WebClientEvent.RATE_LIMITED, (seconds: number) => limitedFor.push(seconds));
  fake.rateLimitNext('chat.postMessage', { retryAfterSeconds: 1 });

  const res = await client.chat.postMessage({ channel: 'C0OPS', text: 'deploying' });

  expect(res.ok).toBe(true);
  expect(limitedFor).toEqual([1]);
  const gap = retryGap();
  expect(gap).toBeGreaterThanOrEqual(990);
  expect(gap).toBeLessThan(1500);
  expect(fake.messages('C0OPS').map((m) => m.text)).toEqual(['deploying']);
});

test('with the default policy p-retry adds 1–2 s of backoff after the Retry-After wait', async () => {
  const client = clientFor(fake);
  fake.rateLimitNext('chat.postMessage', { retryAfterSeconds: 1 });

  await client.chat.postMessage({ channel: 'C0OPS', text: 'deploying' });

  const gap = retryGap();
  expect(gap).toBeGreaterThanOrEqual(1990);
  expect(gap).toBeLessThan(3500);
  expect(fake.messages('C0OPS')).toHaveLength(1);
});

test('while it waits, the client holds back its other calls too', async () => {
  const client = clientFor(fake, { retryConfig: { retries: 1, minTimeout: 0, maxTimeout: 0 } });
  fake.rateLimitNext('chat.postMessage', { retryAfterSeconds: 1 });
  const limited = new Promise<void>((resolve) => client.once(WebClientEvent.RATE_LIMITED, () => resolve()));

  const posting = client.chat.postMessage({ channel: 'C0OPS', text: 'a' });
  await limited;
  await client.auth.test();
  await posting;

  const [first] = fake.calls('chat.postMessage');
  const [auth] = fake.calls('auth.test');
  expect(auth!.at - first!.at).toBeGreaterThanOrEqual(990);
});

test('rejectRateLimitedCalls: the caller gets a rate-limited error at once, nothing is retried', async () => {
  const client = clientFor(fake, { rejectRateLimitedCalls: true });
  fake.rateLimitNext('chat.postMessage', { retryAfterSeconds: 30 });
  const started = Date.now();

  await expect(client.chat.postMessage({ channel: 'C0OPS', text: 'x' })).rejects.toMatchObject({
    code: ErrorCode.RateLimitedError,
    retryAfter: 30,
  });
  expect(Date.now() - started).toBeLessThan(1000);
  expect(fake.calls('chat.postMessage')).toHaveLength(1);
  expect(fake.messages('C0OPS')).toEqual([]);
});

test('when retries run out, the rate limit arrives as a request error, not a platform error', async () => {
  const client = clientFor(fake, { retryConfig: { retries: 0 } });
  fake.rateLimitNext('chat.postMessage', { retryAfterSeconds: 1 });

  await expect(client.chat.postMessage({ channel: 'C0OPS', text: 'x' })).rejects.toMatchObject({
    code: ErrorCode.RequestError,
    original: { message: expect.stringContaining('A rate limit was exceeded') as unknown },
  });
  expect(fake.calls('chat.postMessage')).toHaveLength(1);
});
