/**
 * Attacks on Drover's own receiver for Bolt (request-guard.ts, slack-receiver.ts),
 * over a real port: forged and malformed signatures and timestamps, replays,
 * bodies whose bytes and parsed form could differ, slow and oversized bodies,
 * unsigned approvals, and garbage traffic meant to starve the work after the acks.
 */
import { createHmac } from 'node:crypto';
import { pino } from 'pino';
import { connect, type Socket } from 'node:net';
import { appMentionEvent, blockActionBody, eventCallbackBody, signSlackRequest, slashCommandBody, urlVerificationBody } from '../../../src/testing/index.js';
import { parsePolicy } from '../../../src/policy/index.js';
import type { RunRecord } from '../../../src/jobs/run-record.js';
import { buildSlackTestDrover, SIGNING_SECRET, type SlackTestDrover } from '../../support/slack-drover.js';
import { startPrivateRedis, type PrivateRedis } from '../../support/redis-server.js';
import { waitFor } from '../../support/wait-for.js';

const FORM = 'application/x-www-form-urlencoded';
const JSON_TYPE = 'application/json';
const CHANNEL = 'C0OPS';
const ALICE = 'U0ALICE';
const BOB = 'U0BOB';

const nowSeconds = (): number => Math.floor(Date.now() / 1000);
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

function command(text: string, user = ALICE): string {
  return slashCommandBody({ text, userId: user, userName: user.toLowerCase(), channelId: CHANNEL, triggerId: `trig-${Math.random()}` });
}

function hmac(body: string, timestamp: string | number, secret = SIGNING_SECRET): string {
  return createHmac('sha256', secret).update(`v0:${timestamp}:${body}`).digest('hex');
}

function textOf(args: Record<string, unknown>): string {
  return JSON.stringify([args.text, args.blocks ?? args.view]);
}

interface RawAnswer {
  status: number;
  text: string;
}

/**
 * One request written byte by byte on a socket (duplicated header lines, a
 * body that never ends, chunked encoding), answered within `timeoutMs` or
 * rejected. The socket is always destroyed.
 */
function rawRequest(base: string, head: string[], body: string | Buffer | undefined, options: { timeoutMs?: number; hold?: (s: Socket) => void } = {}): Promise<RawAnswer> {
  const { port, hostname } = new URL(base);
  return new Promise<RawAnswer>((resolve, reject) => {
    const socket = connect(Number(port), hostname);
    const chunks: Buffer[] = [];
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`no answer within ${options.timeoutMs ?? 5000} ms`));
    }, options.timeoutMs ?? 5000);
    const done = (): void => {
      clearTimeout(timer);
      const text = Buffer.concat(chunks).toString('utf8');
      const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(text)?.[1] ?? NaN);
      socket.destroy();
      if (Number.isNaN(status)) reject(new Error(`no HTTP answer: ${JSON.stringify(text.slice(0, 200))}`));
      else resolve({ status, text: text.split('\r\n\r\n').slice(1).join('\r\n\r\n') });
    };
    socket.on('data', (c: Buffer) => chunks.push(c));
    socket.on('end', done);
    const closed = (): void => {
      if (chunks.length) return done();
      clearTimeout(timer);
      reject(new Error('connection closed without an answer'));
    };
    socket.on('error', closed);
    socket.on('close', closed);
    socket.on('connect', () => {
      socket.write(['POST /slack/events HTTP/1.1', `Host: ${hostname}:${port}`, 'Connection: close', ...head, '', ''].join('\r\n'));
      if (body !== undefined) socket.write(body);
      options.hold?.(socket);
    });
  });
}

function signedHead(body: string, contentType: string, timestamp = nowSeconds()): string[] {
  const signed = signSlackRequest(SIGNING_SECRET, body, timestamp);
  return [`Content-Type: ${contentType}`, `X-Slack-Signature: ${signed['X-Slack-Signature']}`, `X-Slack-Request-Timestamp: ${signed['X-Slack-Request-Timestamp']}`];
}

describe('Slack receiver under attack: signatures, timestamps, headers', () => {
  let t: SlackTestDrover;
  const posted = () => t.slack.calls().filter((c) => c.method !== 'auth.test');

  beforeAll(async () => {
    t = await buildSlackTestDrover();
  });

  afterAll(async () => {
    await t.close();
  });

  beforeEach(() => {
    t.slack.clear();
  });

  /** A `help` command sent with these signature headers instead of Slack's. */
  async function helpWith(headers: (body: string, ts: number) => Record<string, string>): Promise<number> {
    const body = command('help');
    const ts = nowSeconds();
    const res = await fetch(`${t.base}/slack/events`, { method: 'POST', headers: { 'content-type': FORM, ...headers(body, ts) }, body });
    await res.text();
    return res.status;
  }

  it.each<[string, (body: string, ts: number) => Record<string, string>]>([
    ['no signature', (_b, ts) => ({ 'x-slack-request-timestamp': String(ts) })],
    ['no timestamp', (b, ts) => ({ 'x-slack-signature': `v0=${hmac(b, ts)}` })],
    ['neither', () => ({})],
    ['the hex without its v0= prefix', (b, ts) => ({ 'x-slack-request-timestamp': String(ts), 'x-slack-signature': hmac(b, ts) })],
    ['a v1= prefix', (b, ts) => ({ 'x-slack-request-timestamp': String(ts), 'x-slack-signature': `v1=${hmac(b, ts)}` })],
    ['a truncated signature', (b, ts) => ({ 'x-slack-request-timestamp': String(ts), 'x-slack-signature': `v0=${hmac(b, ts).slice(0, 63)}` })],
    ['a signature one byte too long', (b, ts) => ({ 'x-slack-request-timestamp': String(ts), 'x-slack-signature': `v0=${hmac(b, ts)}0` })],
    ['an empty v0=', (_b, ts) => ({ 'x-slack-request-timestamp': String(ts), 'x-slack-signature': 'v0=' })],
    ['non-hex of the right length', (_b, ts) => ({ 'x-slack-request-timestamp': String(ts), 'x-slack-signature': `v0=${'z'.repeat(64)}` })],
    ['the right digest in upper-case hex', (b, ts) => ({ 'x-slack-request-timestamp': String(ts), 'x-slack-signature': `v0=${hmac(b, ts).toUpperCase()}` })],
    // Bolt's verifier splits on '=' and ignores what follows a second one; Slack never sends it.
    ['the right digest followed by =junk', (b, ts) => ({ 'x-slack-request-timestamp': String(ts), 'x-slack-signature': `v0=${hmac(b, ts)}=junk` })],
    ['a second v0= value after a wrong one', (b, ts) => ({ 'x-slack-request-timestamp': String(ts), 'x-slack-signature': `v0=${'0'.repeat(64)},v0=${hmac(b, ts)}` })],
    ['a signature under another secret', (b, ts) => ({ 'x-slack-request-timestamp': String(ts), 'x-slack-signature': `v0=${hmac(b, ts, 'not-the-secret')}` })],
    ['a signature of another body', (_b, ts) => ({ 'x-slack-request-timestamp': String(ts), 'x-slack-signature': `v0=${hmac(command('help'), ts)}` })],
    ['a signature made for another timestamp', (b, ts) => ({ 'x-slack-request-timestamp': String(ts), 'x-slack-signature': `v0=${hmac(b, ts - 1)}` })],
    ['a non-numeric timestamp', (b) => ({ 'x-slack-request-timestamp': 'now', 'x-slack-signature': `v0=${hmac(b, 'now')}` })],
    ['a float timestamp', (b, ts) => ({ 'x-slack-request-timestamp': `${ts}.5`, 'x-slack-signature': `v0=${hmac(b, `${ts}.5`)}` })],
    ['a negative timestamp', (b, ts) => ({ 'x-slack-request-timestamp': `-${ts}`, 'x-slack-signature': `v0=${hmac(b, `-${ts}`)}` })],
    ['a zero timestamp', (b) => ({ 'x-slack-request-timestamp': '0', 'x-slack-signature': `v0=${hmac(b, 0)}` })],
    ['a timestamp in exponent form', (b, ts) => ({ 'x-slack-request-timestamp': `${ts / 10}e1`, 'x-slack-signature': `v0=${hmac(b, `${ts / 10}e1`)}` })],
    ['a hex timestamp', (b, ts) => ({ 'x-slack-request-timestamp': `0x${ts.toString(16)}`, 'x-slack-signature': `v0=${hmac(b, `0x${ts.toString(16)}`)}` })],
    ['a timestamp 20 years ahead', (b, ts) => ({ 'x-slack-request-timestamp': String(ts + 20 * 365 * 86400), 'x-slack-signature': `v0=${hmac(b, ts + 20 * 365 * 86400)}` })],
    ['a timestamp 301 s old', (b, ts) => ({ 'x-slack-request-timestamp': String(ts - 301), 'x-slack-signature': `v0=${hmac(b, ts - 301)}` })],
    ['a timestamp 302 s ahead', (b, ts) => ({ 'x-slack-request-timestamp': String(ts + 302), 'x-slack-signature': `v0=${hmac(b, ts + 302)}` })],
  ])('%s: 401, nothing done', async (_name, headers) => {
    expect(await helpWith(headers)).toBe(401);
    await sleep(150);
    expect(posted()).toEqual([]);
  });

  it('header names in any case are the same headers (HTTP): a correctly signed request with odd-cased names is taken', async () => {
    const status = await helpWith((b, ts) => ({ 'X-SLACK-Request-TIMESTAMP': String(ts), 'x-Slack-SIGNATURE': `v0=${hmac(b, ts)}` }));
    expect(status).toBe(200);
    await t.slack.waitForCall('chat.postEphemeral');
  });

  it('a duplicated X-Slack-Signature line (a wrong one and the right one, either order): 401, nothing done', async () => {
    const body = command('help');
    const ts = nowSeconds();
    for (const order of [
      [`v0=${'0'.repeat(64)}`, `v0=${hmac(body, ts)}`],
      [`v0=${hmac(body, ts)}`, `v0=${'0'.repeat(64)}`],
      [`v0=${hmac(body, ts)}`, `v0=${hmac(body, ts)}`],
    ]) {
      const head = [`Content-Type: ${FORM}`, `Content-Length: ${Buffer.byteLength(body)}`, `X-Slack-Request-Timestamp: ${ts}`, ...order.map((s) => `X-Slack-Signature: ${s}`)];
      expect((await rawRequest(t.base, head, body)).status).toBe(401);
    }
    await sleep(150);
    expect(posted()).toEqual([]);
  });

  it('a duplicated X-Slack-Request-Timestamp line (a stale one beside the signed one): 401, nothing done', async () => {
    const body = command('help');
    const ts = nowSeconds();
    const head = [`Content-Type: ${FORM}`, `Content-Length: ${Buffer.byteLength(body)}`, `X-Slack-Request-Timestamp: ${ts}`, `X-Slack-Request-Timestamp: ${ts - 3600}`, `X-Slack-Signature: v0=${hmac(body, ts)}`];
    expect((await rawRequest(t.base, head, body)).status).toBe(401);
    await sleep(150);
    expect(posted()).toEqual([]);
  });

  it('the URL verification: the challenge only when signed (unsigned, forged or stale: 401 and no challenge)', async () => {
    const body = urlVerificationBody('c-attack');
    const unsigned = await fetch(`${t.base}/slack/events`, { method: 'POST', headers: { 'content-type': JSON_TYPE }, body });
    expect(unsigned.status).toBe(401);
    expect(await unsigned.text()).not.toContain('c-attack');
    const forged = await t.send(body, JSON_TYPE, { secret: 'guess' });
    expect(forged.status).toBe(401);
    expect(forged.text).not.toContain('c-attack');
    const stale = await t.send(body, JSON_TYPE, { timestampSeconds: nowSeconds() - 400 });
    expect(stale.status).toBe(401);
    const signed = await t.send(body, `${JSON_TYPE}; charset=utf-8`);
    expect(signed.status).toBe(200);
    expect(JSON.parse(signed.text)).toEqual({ challenge: 'c-attack' });
  });

  it('other methods are refused (405) and nothing is read as a request', async () => {
    for (const method of ['GET', 'PUT', 'DELETE']) {
      const res = await fetch(`${t.base}/slack/events?ssl_check=1`, { method, ...(method === 'GET' ? {} : { body: command('help'), headers: { 'content-type': FORM } }) });
      expect(res.status).toBe(405);
    }
    await sleep(150);
    expect(posted()).toEqual([]);
  });

  it('a signed command that is not /drover is not acked at once: Bolt\'s own answer for an unhandled request (404 after 3 s), nothing done', async () => {
    const body = slashCommandBody({ text: 'help', userId: ALICE, userName: 'alice', channelId: CHANNEL, command: '/other' });
    const res = await t.send(body, FORM);
    expect(res.status).toBe(404);
    expect(res.ms).toBeGreaterThan(2900);
    expect(posted()).toEqual([]);
  });

  it('the unsigned SSL check: an empty 200 as Bolt answers it, only for a form; as JSON it is an unsigned request (401)', async () => {
    const form = await fetch(`${t.base}/slack/events`, { method: 'POST', headers: { 'content-type': FORM }, body: 'ssl_check=1&token=x' });
    expect(form.status).toBe(200);
    expect(await form.text()).toBe('');
    const json = await fetch(`${t.base}/slack/events`, { method: 'POST', headers: { 'content-type': JSON_TYPE }, body: '{"ssl_check":"1","type":"url_verification","challenge":"c"}' });
    expect(json.status).toBe(401);
    expect(await json.text()).not.toContain('"c"');
    // An SSL check carrying an interaction: nothing of it is read.
    const smuggled = `ssl_check=1&payload=${encodeURIComponent(JSON.stringify({ type: 'block_actions', user: { id: BOB }, actions: [{ action_id: 'drover_approve', value: 'x' }] }))}`;
    const res = await fetch(`${t.base}/slack/events`, { method: 'POST', headers: { 'content-type': FORM }, body: smuggled });
    expect(res.status).toBe(200);
    await sleep(200);
    expect(posted()).toEqual([]);
  });
});

describe('Slack receiver under attack: bodies', () => {
  let t: SlackTestDrover;
  const posted = () => t.slack.calls().filter((c) => c.method !== 'auth.test');

  beforeAll(async () => {
    t = await buildSlackTestDrover();
  });

  afterAll(async () => {
    await t.close();
  });

  beforeEach(() => {
    t.slack.clear();
  });

  it('a signature holds for the raw bytes only: the same form written with %20 instead of + (same parsed fields) is 401', async () => {
    const signedBody = command('list scale');
    expect(signedBody).toContain('text=list+scale');
    const ts = nowSeconds();
    const sent = signedBody.replace('text=list+scale', 'text=list%20scale');
    const res = await fetch(`${t.base}/slack/events`, { method: 'POST', headers: { 'content-type': FORM, 'x-slack-request-timestamp': String(ts), 'x-slack-signature': `v0=${hmac(signedBody, ts)}` }, body: sent });
    expect(res.status).toBe(401);
    await sleep(150);
    expect(posted()).toEqual([]);
  });

  it('percent-encoded and +-encoded fields, signed as sent, are read as Slack meant them', async () => {
    const body = command('help').replace(/text=help/, 'text=%6c%69%73%74+scale');
    expect((await t.send(body, FORM)).status).toBe(200);
    const list = await t.slack.waitForCall('chat.postEphemeral');
    expect(textOf(list.args)).toMatch(/scale-deployment/);
  });

  it.each([
    ['a repeated user_id (as Bolt would dispatch it: a list)', `${command('help')}&user_id=${BOB}`],
    ['a repeated channel_id', `${command('help')}&channel_id=C0OTHER`],
    ['a repeated command', `${command('help')}&command=%2Fdrover`],
    ['a repeated payload', `payload=${encodeURIComponent('{"type":"block_actions","user":{"id":"U0BOB"}}')}&payload=${encodeURIComponent('{"type":"block_actions","user":{"id":"U0ALICE"}}')}`],
    ['a user_id that is not a Slack user id', command('help').replace(`user_id=${ALICE}`, 'user_id=cli%3Aroot')],
    ['an empty form', ''],
  ])('signed form with %s: 400, nothing done', async (_name, body) => {
    expect((await t.send(body, FORM)).status).toBe(400);
    await sleep(150);
    expect(posted()).toEqual([]);
  });

  it.each([
    ['an empty body', ''],
    ['a BOM before the JSON', `\uFEFF${urlVerificationBody('c-bom')}`],
    ['JSON with a UTF-16 encoding', Buffer.from(urlVerificationBody('c-16'), 'utf16le').toString('latin1')],
  ])('signed JSON with %s: 400', async (_name, body) => {
    const res = await t.send(body, JSON_TYPE);
    expect(res.status).toBe(400);
    expect(res.text).not.toContain('c-');
  });

  it('JSON with duplicate keys is checked and dispatched as the same object (the last value wins in both)', async () => {
    // The first `type` would make it an event; the last makes it a URL verification: only the challenge comes back.
    const body = `{"type":"event_callback","event":{"type":"app_mention","user":"${ALICE}","channel":"${CHANNEL}","text":"<@U0DROVERBOT> help","ts":"1.000001"},"event_id":"EvDUP","challenge":"c-dup","type":"url_verification"}`;
    const res = await t.send(body, JSON_TYPE);
    expect(res.status).toBe(200);
    expect(JSON.parse(res.text)).toEqual({ challenge: 'c-dup' });
    await sleep(300);
    expect(posted()).toEqual([]);
  });

  it('a form under a charset parameter, a command sent as JSON and an event sent as a form: 400 (Bolt reads a form only under the exact type)', async () => {
    expect((await t.send(command('help'), `${FORM}; charset=utf-8`)).status).toBe(400);
    expect((await t.send(JSON.stringify(Object.fromEntries(new URLSearchParams(command('help')))), JSON_TYPE)).status).toBe(400);
    const event = eventCallbackBody({ eventId: 'EvFORM', event: appMentionEvent({ text: '<@U0DROVERBOT> help', user: ALICE, channel: CHANNEL }) });
    expect((await t.send(event, FORM)).status).toBe(400);
    await sleep(200);
    expect(posted()).toEqual([]);
  });

  it('a declared body beyond 4 MB: 413 before it is read, and the server lives on', async () => {
    const head = [`Content-Type: ${FORM}`, `Content-Length: ${5 * 1024 * 1024}`, 'X-Slack-Request-Timestamp: 1', 'X-Slack-Signature: v0=00'];
    expect((await rawRequest(t.base, head, 'a=b')).status).toBe(413);
    expect((await t.send(command('help'), FORM)).status).toBe(200);
    await t.slack.waitForCall('chat.postEphemeral');
  });

  it('a chunked body growing beyond 4 MB: 413, and the server lives on', async () => {
    const head = [`Content-Type: ${FORM}`, 'Transfer-Encoding: chunked', 'X-Slack-Request-Timestamp: 1', 'X-Slack-Signature: v0=00'];
    const chunk = Buffer.alloc(256 * 1024, 'a');
    const answer = await rawRequest(t.base, head, undefined, {
      timeoutMs: 10_000,
      hold: (s) => {
        for (let i = 0; i < 20 && !s.destroyed; i++) s.write(Buffer.concat([Buffer.from(`${chunk.length.toString(16)}\r\n`), chunk, Buffer.from('\r\n')]));
      },
    });
    expect(answer.status).toBe(413);
    expect((await t.send(command('help'), FORM)).status).toBe(200);
    await t.slack.waitForCall('chat.postEphemeral');
  });

  it('a request carrying both Content-Length and Transfer-Encoding (smuggling a second request) is refused whole, nothing handled', async () => {
    const body = command('help');
    const inner = `0\r\n\r\nPOST /slack/events HTTP/1.1\r\nHost: x\r\n${signedHead(body, FORM).join('\r\n')}\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`;
    const head = [...signedHead('', FORM), `Content-Length: ${Buffer.byteLength(inner)}`, 'Transfer-Encoding: chunked'];
    expect((await rawRequest(t.base, head, inner)).status).toBe(400);
    await sleep(300);
    expect(posted()).toEqual([]);
  });

  it('a signed command sent in chunks is read whole and handled', async () => {
    const body = command('help');
    const head = [...signedHead(body, FORM), 'Transfer-Encoding: chunked'];
    const parts = [body.slice(0, 10), body.slice(10, 40), body.slice(40)];
    const wire = `${parts.map((p) => `${Buffer.byteLength(p).toString(16)}\r\n${p}\r\n`).join('')}0\r\n\r\n`;
    expect((await rawRequest(t.base, head, wire)).status).toBe(200);
    await t.slack.waitForCall('chat.postEphemeral');
  });

  it('a body that never ends is cut off within 10 s (408 or a closed connection), not held for Node\'s 5 minutes', async () => {
    const body = command('help');
    const head = [...signedHead(body, FORM), `Content-Length: ${Buffer.byteLength(body) + 100}`];
    const started = Date.now();
    const answer = await rawRequest(t.base, head, body, { timeoutMs: 12_000 }).catch((err: Error) => err);
    const ms = Date.now() - started;
    if (answer instanceof Error) {
      // A closed connection without an answer is fine; a timeout of ours is not.
      expect(answer.message).not.toMatch(/no answer within/);
    } else {
      expect(answer.status).toBe(408);
    }
    expect(ms).toBeLessThan(10_000);
    expect(posted()).toEqual([]);
    // A byte every second (an idle timeout would never fire) is cut off too.
    const drip = await rawRequest(t.base, head, body.slice(0, 10), {
      timeoutMs: 12_000,
      hold: (s) => {
        let sent = 10;
        const tick = setInterval(() => (s.destroyed || sent >= body.length ? clearInterval(tick) : s.write(body[sent++] ?? '')), 1000);
        s.once('close', () => clearInterval(tick));
      },
    }).catch((err: Error) => err);
    if (drip instanceof Error) expect(drip.message).not.toMatch(/no answer within/);
    else expect(drip.status).toBe(408);
  }, 30_000);
});

describe('Slack receiver under attack: replays, retries and garbage traffic', () => {
  let t: SlackTestDrover;

  beforeAll(async () => {
    t = await buildSlackTestDrover();
  });

  afterAll(async () => {
    await t.close();
  });

  beforeEach(() => {
    t.slack.clear();
  });

  it('an event re-delivered by Slack (new timestamp and signature, X-Slack-Retry-Num) is handled once', async () => {
    const body = eventCallbackBody({ eventId: 'EvRETRY1', event: appMentionEvent({ text: '<@U0DROVERBOT> help', user: ALICE, channel: CHANNEL }) });
    expect((await t.send(body, JSON_TYPE)).status).toBe(200);
    await t.slack.waitForCall('chat.postEphemeral');
    for (const n of [1, 2]) {
      const retry = await t.send(body, JSON_TYPE, { timestampSeconds: nowSeconds() - n, headers: { 'X-Slack-Retry-Num': String(n), 'X-Slack-Retry-Reason': 'http_timeout' } });
      expect(retry.status).toBe(200);
    }
    await sleep(600);
    expect(t.slack.calls('chat.postEphemeral')).toHaveLength(1);
  });

  it('a replayed event (same signature) is answered 200 and not handled again, even with a different X-Slack-Retry-Num', async () => {
    const body = eventCallbackBody({ eventId: 'EvREPLAY', event: appMentionEvent({ text: '<@U0DROVERBOT> help', user: ALICE, channel: CHANNEL }) });
    const ts = nowSeconds();
    expect((await t.send(body, JSON_TYPE, { timestampSeconds: ts })).status).toBe(200);
    await t.slack.waitForCall('chat.postEphemeral');
    const replay = await t.send(body, JSON_TYPE, { timestampSeconds: ts, headers: { 'X-Slack-Retry-Num': '1' } });
    expect(replay.status).toBe(200);
    expect(replay.text).toBe('');
    await sleep(600);
    expect(t.slack.calls('chat.postEphemeral')).toHaveLength(1);
  });

  it('the same signed command sent 5 times at once (a replay racing the original): all answered 200, one run, one message', async () => {
    const body = command('run scale-deployment namespace=demo deployment=web replicas=2');
    const timestampSeconds = nowSeconds();
    const before = (await t.drover.store.recent(100)).length;
    const answers = await Promise.all(Array.from({ length: 5 }, () => t.send(body, FORM, { timestampSeconds })));
    expect(answers.map((a) => a.status)).toEqual([200, 200, 200, 200, 200]);
    await t.slack.waitForCall('chat.postMessage', (c) => c.args.thread_ts === undefined);
    await waitFor(async () => (await t.drover.store.recent(100)).length > before, 'the run');
    await sleep(800);
    expect((await t.drover.store.recent(100)).length).toBe(before + 1);
    expect(t.slack.calls('chat.postMessage').filter((c) => c.args.thread_ts === undefined)).toHaveLength(1);
  });

  it('garbage requests and bodies that never end cannot starve the work after the acks: a valid command is handled within 2 s', async () => {
    const sockets: Socket[] = [];
    const { port, hostname } = new URL(t.base);
    // 20 connections each sending a body that never ends: the receiver counts them as requests in flight.
    for (let i = 0; i < 20; i++) {
      const s = connect(Number(port), hostname);
      s.on('error', () => undefined);
      s.write(['POST /slack/events HTTP/1.1', `Host: ${hostname}`, `Content-Type: ${FORM}`, 'Content-Length: 100000', 'X-Slack-Request-Timestamp: 1', 'X-Slack-Signature: v0=00', '', 'a='].join('\r\n'));
      sockets.push(s);
    }
    // And a steady stream of unsigned garbage (bounded: at most 4 s).
    let flooding = true;
    const flood = (async () => {
      const until = Date.now() + 4000;
      while (flooding && Date.now() < until) {
        await Promise.all(Array.from({ length: 5 }, () => fetch(`${t.base}/slack/events`, { method: 'POST', headers: { 'content-type': FORM }, body: 'garbage=1' }).then((r) => r.text())));
      }
    })();
    try {
      await sleep(100);
      const started = Date.now();
      expect((await t.send(command('help'), FORM)).status).toBe(200);
      await t.slack.waitForCall('chat.postEphemeral', undefined, 2000);
      expect(Date.now() - started).toBeLessThan(2000);
    } finally {
      flooding = false;
      await flood;
      for (const s of sockets) s.destroy();
    }
  });
});

const POLICY = `
groups:
  sre: [${ALICE}, ${BOB}]
  leads: [${BOB}]
rules:
  - groups: [sre]
    runbooks: ['*']
    clusters: ['*']
approvals:
  - runbooks: [restart-deployment]
    require: { approvals: 1, from: leads, within: 15m }
`;

function findValue(blocks: unknown[], actionId: string): string {
  for (const block of blocks as Array<{ elements?: Array<{ action_id?: string; value?: string }> }>) {
    const found = block.elements?.find((e) => e.action_id === actionId);
    if (found?.value) return found.value;
  }
  throw new Error(`no ${actionId} button`);
}

describe('Slack receiver under attack: approvals', () => {
  let t: SlackTestDrover;

  beforeAll(async () => {
    t = await buildSlackTestDrover({ policy: { document: parsePolicy(POLICY, 'attack policy') } });
  });

  afterAll(async () => {
    await t.close();
  });

  async function propose(): Promise<{ run: RunRecord; ts: string; value: string; message: { text: string; blocks?: unknown[] } }> {
    const before = new Set((await t.drover.store.recent(200)).map((r) => r.id));
    expect((await t.send(command('run restart-deployment namespace=demo deployment=web', ALICE), FORM)).status).toBe(200);
    const run = await waitFor(async () => (await t.drover.store.recent(200)).find((r) => !before.has(r.id)), 'the proposal');
    const parent = await t.slack.waitForCall('chat.postMessage', (c) => c.args.thread_ts === undefined && textOf(c.args).includes(run.id));
    const ts = parent.response?.ts as string;
    await waitFor(async () => (await t.drover.store.get(run.id))?.state === 'awaiting_approval', 'the plan');
    const message = await waitFor(() => {
      const m = t.slack.message(CHANNEL, ts);
      return m && JSON.stringify(m.blocks ?? []).includes('drover_approve') ? m : undefined;
    }, 'the approve button');
    return { run, ts, value: findValue(message.blocks ?? [], 'drover_approve'), message };
  }

  const state = async (id: string) => (await t.drover.store.get(id))?.state;

  it('an approval counts only from a signed, fresh, first-seen request, and the approver is the signed payload\'s user', async () => {
    const { run, ts, value, message } = await propose();
    const click = (user: string) => blockActionBody({ actionId: 'drover_approve', value, userId: user, channelId: CHANNEL, messageTs: ts, message });
    t.slack.clear();

    // Unsigned, forged, stale: 401, still awaiting.
    const bob = click(BOB);
    const unsigned = await fetch(`${t.base}/slack/events`, { method: 'POST', headers: { 'content-type': FORM }, body: bob });
    expect(unsigned.status).toBe(401);
    expect((await t.send(bob, FORM, { secret: 'guess' })).status).toBe(401);
    expect((await t.send(bob, FORM, { timestampSeconds: nowSeconds() - 301 })).status).toBe(401);
    // Bob's click with Alice's signature headers (Alice's body signed): 401.
    const alice = click(ALICE);
    const aliceTs = nowSeconds();
    const swapped = await fetch(`${t.base}/slack/events`, { method: 'POST', headers: { 'content-type': FORM, 'x-slack-request-timestamp': String(aliceTs), 'x-slack-signature': `v0=${hmac(alice, aliceTs)}` }, body: bob });
    expect(swapped.status).toBe(401);

    // Alice's signed click with a user_id form field naming Bob: the payload's user (Alice, the requester) decides.
    expect((await t.send(`${alice}&user_id=${BOB}`, FORM)).status).toBe(200);
    await t.slack.waitForCall('chat.postEphemeral', (c) => c.args.user === ALICE && /someone else must approve/.test(textOf(c.args)));
    // A payload naming Bob first and Alice last: the same object is checked and dispatched (Alice).
    const payload = decodeURIComponent(alice.replace(/^payload=/, '').replace(/\+/g, ' '));
    const twoUsers = `payload=${encodeURIComponent(payload.replace(/^\{/, `{"user":{"id":"${BOB}","name":"bob"},`))}`;
    expect((await t.send(twoUsers, FORM)).status).toBe(200);
    await waitFor(() => t.slack.calls('chat.postEphemeral').filter((c) => c.args.user === ALICE).length >= 2, 'the second refusal');
    expect(t.slack.calls('chat.postEphemeral').some((c) => c.args.user === BOB)).toBe(false);
    await sleep(300);
    expect(await state(run.id)).toBe('awaiting_approval');

    // Bob's signed click approves; its replay (same signature) is answered 200 and counted nowhere.
    const bobTs = nowSeconds();
    expect((await t.send(bob, FORM, { timestampSeconds: bobTs })).status).toBe(200);
    await t.slack.waitForCall('chat.postEphemeral', (c) => c.args.user === BOB && /Approved|recorded/i.test(textOf(c.args)));
    const replay = await t.send(bob, FORM, { timestampSeconds: bobTs });
    expect(replay.status).toBe(200);
    expect(replay.text).toBe('');
    await sleep(600);
    expect(t.slack.calls('chat.postEphemeral').filter((c) => c.args.user === BOB)).toHaveLength(1);
    await waitFor(async () => (await state(run.id)) !== 'awaiting_approval', 'the approved run to go on');
  });
});

describe('Slack receiver under attack: Redis lost between the ack and the work', () => {
  let redis: PrivateRedis;
  let t: SlackTestDrover;

  beforeAll(async () => {
    redis = await startPrivateRedis();
    t = await buildSlackTestDrover({ redisUrl: redis.url });
    t.redis.on('error', () => undefined);
  });

  // Each test starts Redis again before it ends.
  afterAll(async () => {
    await t?.close();
    await redis?.stop();
  }, 30_000);

  it('a command acked just before Redis dies is done once Redis is back: one run, one message, the user hears of it', async () => {
    const { port, hostname } = new URL(t.base);
    // A body that never ends keeps the work after the ack held (at most 500 ms), so Redis dies before the work starts.
    const holder = connect(Number(port), hostname);
    holder.on('error', () => undefined);
    holder.write(['POST /slack/events HTTP/1.1', `Host: ${hostname}`, `Content-Type: ${FORM}`, 'Content-Length: 1000', 'X-Slack-Request-Timestamp: 1', 'X-Slack-Signature: v0=00', '', 'a='].join('\r\n'));
    try {
      await sleep(50);
      const before = (await t.drover.store.recent(100)).length;
      t.slack.clear();
      expect((await t.send(command('run scale-deployment namespace=demo deployment=web replicas=2'), FORM)).status).toBe(200);
      await redis.kill();
      await sleep(1000);
      expect(t.slack.calls('chat.postMessage')).toEqual([]);
      await redis.restart();
      const message = await t.slack.waitForCall('chat.postMessage', (c) => c.args.thread_ts === undefined, 15_000);
      expect(textOf(message.args)).toContain('scale-deployment');
      await waitFor(async () => (await t.drover.store.recent(100)).length > before, 'the run', 15_000);
      await sleep(500);
      expect((await t.drover.store.recent(100)).length).toBe(before + 1);
      expect(t.slack.calls('chat.postMessage').filter((c) => c.args.thread_ts === undefined)).toHaveLength(1);
    } finally {
      holder.destroy();
    }
  }, 40_000);

  it('while Redis is down a request is answered 503 at once (Slack shows the failure), not acked and dropped', async () => {
    await redis.kill();
    try {
      t.slack.clear();
      const res = await t.send(command('help'), FORM);
      expect(res.status).toBe(503);
      expect(res.ms).toBeLessThan(2000);
    } finally {
      await redis.restart();
    }
    expect((await t.send(command('help'), FORM)).status).toBe(200);
    await t.slack.waitForCall('chat.postEphemeral', undefined, 10_000);
  }, 30_000);
});

describe('Slack receiver under attack: requests abandoned mid-body', () => {
  let t: SlackTestDrover;
  const logged: Array<{ level: number; msg: string }> = [];

  beforeAll(async () => {
    const logger = pino({ level: 'warn' }, { write: (line: string) => logged.push(JSON.parse(line) as { level: number; msg: string }) });
    t = await buildSlackTestDrover({ logger });
  });

  afterAll(async () => {
    await t.close();
  });

  // An attacker's aborted uploads are no failure of Drover's: an error log line each (what pages someone) would be theirs to write.
  it('connections dropped halfway through a body log no error, and the server lives on', async () => {
    const { port, hostname } = new URL(t.base);
    for (let i = 0; i < 5; i++) {
      await new Promise<void>((resolve) => {
        const s = connect(Number(port), hostname, () => {
          s.write(['POST /slack/events HTTP/1.1', `Host: ${hostname}`, `Content-Type: ${FORM}`, 'Content-Length: 1000', 'X-Slack-Request-Timestamp: 1', 'X-Slack-Signature: v0=00', '', 'a=b'].join('\r\n'));
          setTimeout(() => s.destroy(), 50);
        });
        s.on('error', () => undefined);
        s.on('close', () => resolve());
      });
    }
    await sleep(200);
    expect(logged.filter((l) => l.level >= 50)).toEqual([]);
    t.slack.clear();
    expect((await t.send(command('help'), FORM)).status).toBe(200);
    await t.slack.waitForCall('chat.postEphemeral');
  });
});
