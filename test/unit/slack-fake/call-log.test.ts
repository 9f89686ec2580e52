/** Recording calls and waiting for one: matches already recorded count, timeouts say what was seen. */
import { CallLog } from '../../../src/testing/slack-fake/call-log.js';
import type { RecordedCall } from '../../../src/testing/slack-fake/types.js';

function call(method: string, args: Record<string, unknown>, response: Record<string, unknown> = { ok: true }, status = 200): RecordedCall {
  return { method, path: `/api/${method}`, args, headers: {}, at: Date.now(), status, response };
}

test('waitFor resolves with a call recorded before it was asked', async () => {
  const log = new CallLog();
  log.record(call('chat.postMessage', { channel: 'C1', text: 'a' }));
  await expect(log.waitFor('chat.postMessage', (c) => c.args.text === 'a', 10)).resolves.toMatchObject({ args: { text: 'a' } });
});

test('waitFor resolves with the first later call to that method that matches', async () => {
  const log = new CallLog();
  const waiting = log.waitFor('chat.update', (c) => c.args.text === 'done', 1000);
  log.record(call('chat.postMessage', { text: 'done' }));
  log.record(call('chat.update', { text: 'running' }));
  log.record(call('chat.update', { text: 'done', ts: '2' }));
  await expect(waiting).resolves.toMatchObject({ args: { ts: '2' } });
});

test('a timeout lists every call with its outcome', async () => {
  const log = new CallLog();
  log.record(call('chat.postMessage', { channel: 'C1', text: 'x'.repeat(50) }, { ok: false, error: 'ratelimited' }, 429));
  log.record(call('auth.test', {}));
  await expect(log.waitFor('views.open', undefined, 20)).rejects.toThrow(
    `slack fake: no matching views.open call within 20 ms; calls so far:\n  chat.postMessage channel=C1 text="${'x'.repeat(40)}…" -> HTTP 429 ratelimited\n  auth.test -> ok`,
  );
});

test('abandon rejects pending waits at once; only the newest calls are kept', async () => {
  const log = new CallLog(2);
  const waiting = log.waitFor('auth.test', undefined, 10_000);
  log.abandon('stopped');
  await expect(waiting).rejects.toThrow('slack fake: stopped');
  for (const text of ['a', 'b', 'c']) log.record(call('chat.postMessage', { text }));
  expect(log.calls().map((c) => c.args.text)).toEqual(['b', 'c']);
});
