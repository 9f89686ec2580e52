/**
 * A compromised agent: its cluster's real ACL user, on a Redis of the test's
 * own (the default user has a password), against the real central code. It
 * writes what it may (its runs' records, its presence hash, its audit stream,
 * the notify channel) as hostilely as it can. The central Drover must not
 * crash for every cluster, be pointed at another run, page @channel, print
 * terminal escapes, believe a beat from the future, or let one agent's flood
 * crowd out the others' audit events.
 */
import { Redis } from 'ioredis';
import pino from 'pino';
import { createAgentUser } from '../../../src/fleet/acl.js';
import { AgentHeartbeat, FleetPresence } from '../../../src/fleet/agent-presence.js';
import { clusterRows, clusterTable } from '../../../src/fleet/cluster-text.js';
import { FleetRelay, MAX_AGENT_EVENT_CHARS } from '../../../src/fleet/relay.js';
import { AbsentAgentSweeper } from '../../../src/fleet/agent-absent.js';
import { historyMessage, runMessage, statusMessage } from '../../../src/chat/blocks/index.js';
import type { ChatSink } from '../../../src/chat/chat-sink.js';
import { RunNotifier } from '../../../src/chat/run-notifier.js';
import { Redactor } from '../../../src/redact/redactor.js';
import { describeEvent } from '../../../src/audit/filter.js';
import { startPrivateRedis, type PrivateRedis } from '../../support/redis-server.js';
import { buildTestDrover, type TestDrover } from '../../support/test-drover.js';
import { waitFor } from '../../support/wait-for.js';

const CLUSTER = 'store-evil';
const OTHER = 'store-good';
const cli = { kind: 'cli' as const, id: 'cli:alice', name: 'alice' };

let server: PrivateRedis;
let t: TestDrover;
let evil: Redis;
let beat: AgentHeartbeat;
let goodBeat: AgentHeartbeat;

const honest = (cluster: string, id: string) => () => ({ id, cluster, version: '1.0.0', host: 'h', pid: 1, capacity: 1, inFlight: 0, runbooks: 1, startedAt: new Date().toISOString() });

beforeAll(async () => {
  server = await startPrivateRedis();
  const admin = new Redis(server.url);
  await admin.config('SET', 'requirepass', 'admin-secret');
  admin.disconnect();
  t = await buildTestDrover({ redisUrl: server.url.replace('redis://', 'redis://:admin-secret@') });
  const made = await createAgentUser(t.redis, { prefix: t.prefix, cluster: CLUSTER });
  for (const name of [CLUSTER, OTHER]) await t.drover.fleet.registry.register({ name, labels: {}, createdAt: new Date().toISOString(), user: made.user });
  evil = new Redis(server.url, { username: made.user, password: made.password, maxRetriesPerRequest: 1 });
  expect(await evil.call('ACL', 'WHOAMI')).toBe(made.user);
  // Its runs are taken (queue.submit checks the agent is live): it beats like an honest agent.
  beat = new AgentHeartbeat(evil, t.prefix, CLUSTER, honest(CLUSTER, 'evil-1'), 1000);
  goodBeat = new AgentHeartbeat(t.redis, t.prefix, OTHER, honest(OTHER, 'good-1'), 1000);
  await beat.start();
  await goodBeat.start();
}, 30_000);

afterAll(async () => {
  await beat?.stop();
  await goodBeat?.stop();
  await evil?.quit().catch(() => undefined);
  await t?.close();
  await server?.stop();
}, 30_000);

/** A run the central Drover made for a cluster (so it is in the central index). */
async function runOn(cluster: string): Promise<string> {
  const run = await t.drover.queue.submit({ runbook: 'restart-deployment', cluster, params: { namespace: 'demo', deployment: 'web' }, requester: cli });
  return run.id;
}

it('a record of its own that does not parse, names another run or a state Drover does not know: history and status still answer', async () => {
  const good = await runOn(OTHER);
  const id = await runOn(CLUSTER);
  await evil.hset(`${t.prefix}:run:${id}`, {
    id: `${OTHER}.rvictim`,
    params: '{not json',
    requester: 'null',
    state: 'pwned',
    error: '{"code":1,"message":{"x":1}}',
    approval: JSON.stringify({ needed: 1, reason: 'x', approvers: [{ kind: 'slack', id: 'UCEO', name: 'ceo' }, 'junk', null] }),
    pack: '{"name":1}',
    timeoutMs: 'forever',
  });
  const runs = await t.drover.store.recent(20);
  expect(runs.map((r) => r.id).sort()).toEqual([good, id].sort());
  const forged = (await t.drover.store.get(id))!;
  // The id is the key's, not the one written into the hash: nothing central is pointed at store-good's run.
  expect(forged).toMatchObject({ id, state: 'failed', params: {}, requester: { kind: 'system', id: 'unknown' }, timeoutMs: 0 });
  expect(forged.error).toEqual({ code: 'unknown', message: 'unreadable error' });
  expect(forged.approval?.approvers).toEqual([{ kind: 'slack', id: 'UCEO', name: 'ceo' }]);
  expect(forged.pack).toBeUndefined();
  expect(() => historyMessage(runs)).not.toThrow();
  expect(() => statusMessage(forged, [])).not.toThrow();
  expect(() => runMessage(forged, { cancellable: true })).not.toThrow();
  // Unreadable but present: noted as such.
  await evil.hset(`${t.prefix}:run:${id}`, { error: 'garbage' });
  expect((await t.drover.store.get(id))?.error).toMatchObject({ code: 'record_unreadable' });
});

it('mentions and links in its own run reach Slack escaped: no @channel, no link (a spoofed Slack requester is shown as its claim)', async () => {
  const id = await runOn(CLUSTER);
  await evil.hset(`${t.prefix}:run:${id}`, {
    runbook: '<!channel> restart',
    state: 'failed',
    params: JSON.stringify({ namespace: '<!here>', deployment: '<https://evil.example|click me>' }),
    requester: JSON.stringify({ kind: 'slack', id: 'U0CEO', name: '<!everyone> ceo' }),
    error: JSON.stringify({ code: 'x', message: 'see <https://evil.example|the fix> <@U0CEO> <!subteam^S1>' }),
  });
  const run = (await t.drover.store.get(id))!;
  for (const message of [runMessage(run, { cancellable: false }), statusMessage(run, []), historyMessage([run])]) {
    const json = JSON.stringify(message);
    expect(json).not.toMatch(/<!(channel|here|everyone|subteam)/);
    expect(json).not.toMatch(/<https?:/);
    // The mention in its error text is escaped; its requester is its claim (accepted: the
    // central chain's run.queued keeps who really asked, and an agent owns its runs anyway).
    expect((json.match(/<@U0CEO>/g) ?? []).length).toBeLessThanOrEqual(1);
  }
});

it('a heartbeat written without the beat script (lying, hostile, from the future) is reduced or not believed', async () => {
  const key = `${t.prefix}:fleet:${CLUSTER}:agents`;
  const presence = new FleetPresence(t.redis, t.prefix, t.drover.fleet.registry, 30_000);
  await evil.hset(key, {
    liar: JSON.stringify({
      id: 'liar\u001b[2J',
      cluster: OTHER,
      version: { x: 1 },
      host: '\u001b]8;;http://evil.example\u0007click\u001b]8;;\u0007'.padEnd(5000, 'x'),
      pid: 'x',
      capacity: 1e300,
      inFlight: -5,
      seenAt: Date.now(),
      kubernetesVersion: '\u202eevil',
      runbooks: 'many',
    }),
    future: JSON.stringify({ id: 'future', cluster: CLUSTER, version: '9', host: 'h', seenAt: 9e15 }),
  });
  const [status] = (await presence.status()).filter((s) => s.name === CLUSTER);
  const liar = status!.agents.find((a) => a.id.startsWith('liar'))!;
  expect(liar).toMatchObject({ id: 'liar[2J', cluster: CLUSTER, version: 'unknown', pid: 0, capacity: 100_000, inFlight: 0, kubernetesVersion: 'evil', runbooks: 0 });
  expect(liar.host.length).toBeLessThanOrEqual(253);
  expect(status!.agents.map((a) => a.id)).not.toContain('future');
  expect(status!.lastSeen).toBeLessThan(Date.now() + 60_000);
  const table = clusterTable(clusterRows([], { names: [] }, [status!]), Date.now()).join('\n');
  // eslint-disable-next-line no-control-regex -- what must not be there
  expect(table).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202e]/);
  // The central record of its newest beat is not from the future either.
  const seen = JSON.parse((await t.redis.hget(`${t.prefix}:fleet:seen`, CLUSTER))!) as { seenAt: number };
  expect(seen.seenAt).toBeLessThan(Date.now() + 60_000);
  await evil.hdel(key, 'liar', 'future');
});

it('a beat from the future does not keep a dead cluster up (nor its absent-agent alert quiet)', async () => {
  await beat.stop();
  const presence = new FleetPresence(t.redis, t.prefix, t.drover.fleet.registry, 30_000);
  await evil.hset(`${t.prefix}:fleet:${CLUSTER}:agents`, 'ghost', JSON.stringify({ id: 'ghost', cluster: CLUSTER, version: '1', host: 'h', seenAt: Date.now() + 3_600_000 }));
  expect(await presence.isLive(CLUSTER)).toBe(false);
  await evil.hdel(`${t.prefix}:fleet:${CLUSTER}:agents`, 'ghost');
  await beat.start();
});

describe('the relay', () => {
  let relay: FleetRelay;
  const stream = (cluster: string) => `${t.prefix}:fleet:${cluster}:audit`;
  const event = (cluster: string, n: number) => JSON.stringify({ type: 'run.started', runId: `${cluster}.r${n}`, runbook: 'x', cluster, attempt: 1, resumed: false });

  beforeEach(() => {
    relay = new FleetRelay({ redis: t.redis, prefix: t.prefix, audit: t.drover.audit, registry: t.drover.fleet.registry, logger: pino({ level: 'silent' }), batch: 50, sweepMs: 60_000 });
  });
  afterEach(async () => {
    await relay.stop();
  });

  it('refuses an oversized event (recorded as refused, not appended), so one agent cannot grow the central log by megabytes', async () => {
    const huge = JSON.stringify({ type: 'run.started', runId: `${CLUSTER}.r1`, runbook: 'x'.repeat(MAX_AGENT_EVENT_CHARS), cluster: CLUSTER, attempt: 1, resumed: false });
    await evil.xadd(stream(CLUSTER), '*', 'e', huge);
    expect(await relay.relay(CLUSTER)).toBe(1);
    const last = (await t.drover.audit.read()).at(-1) as unknown as Record<string, unknown>;
    expect(last).toMatchObject({ type: 'fleet.event.refused', cluster: CLUSTER, reason: expect.stringMatching(/more than 65536 characters/) as unknown });
    expect(JSON.stringify(last).length).toBeLessThan(2000);
  });

  it('refuses events of its kinds without the fields readers use: the chain keeps them for good, and drover audit must still read it', async () => {
    const base = { runId: `${CLUSTER}.r2`, runbook: 'x', cluster: CLUSTER };
    for (const e of [
      { ...base, type: 'approval.requested', actor: cli, needed: 1, reason: 'r', params: {} },
      { ...base, type: 'approval.voided', approvedHash: 7, currentHash: null },
      { ...base, type: 'run.finished', outcome: { x: 1 } },
    ]) await evil.xadd(stream(CLUSTER), '*', 'e', JSON.stringify(e));
    expect(await relay.relay(CLUSTER)).toBe(3);
    const last = (await t.drover.audit.read()).slice(-3) as unknown as Array<Record<string, unknown>>;
    expect(last.map((e) => [e.type, e.eventType])).toEqual([
      ['fleet.event.refused', 'approval.requested'],
      ['fleet.event.refused', 'approval.voided'],
      ['fleet.event.refused', 'run.finished'],
    ]);
    for (const e of await t.drover.audit.read()) expect(() => describeEvent(e)).not.toThrow();
  });

  it('a flood of garbage is recorded as a few refusals a batch, not one each (they would push everyone’s history out of the bounded log), in the stream and the outbox alike', async () => {
    const before = (await t.drover.audit.read()).length;
    const pipeline = evil.pipeline();
    for (let i = 0; i < 200; i++) pipeline.xadd(stream(CLUSTER), '*', 'e', 'garbage');
    await pipeline.exec();
    expect(await relay.relay(CLUSTER)).toBe(200);
    const fields: string[] = [];
    for (let i = 0; i < 20_000; i++) fields.push(`g${i}`, 'garbage');
    await evil.hset(`${t.prefix}:fleet:${CLUSTER}:audit:outbox`, ...fields);
    const started = Date.now();
    expect(await relay.drainOutbox(CLUSTER)).toBe(50);
    expect(Date.now() - started).toBeLessThan(5000);
    const added = (await t.drover.audit.read()).slice(before) as unknown as Array<Record<string, unknown>>;
    // 4 stream batches of 50 and one outbox batch: at most 10 records each.
    expect(added.length).toBeLessThanOrEqual(50);
    expect(added.every((e) => e.type === 'fleet.event.refused')).toBe(true);
    expect(added.some((e) => /40 more of its events refused in this batch/.test(String(e.reason)))).toBe(true);
    await evil.del(`${t.prefix}:fleet:${CLUSTER}:audit:outbox`);
    expect((await t.drover.audit.verify()).ok).toBe(true);
  }, 30_000);

  it('well-formed events about its own runs are appended at most eventsPerMinute a minute; the rest waits in its stream', async () => {
    let at = Date.parse('2030-01-01T00:00:00Z');
    const limited = new FleetRelay({ redis: t.redis, prefix: t.prefix, audit: t.drover.audit, registry: t.drover.fleet.registry, logger: pino({ level: 'silent' }), batch: 50, eventsPerMinute: 120, now: () => new Date(at) });
    const pipeline = evil.pipeline();
    for (let i = 0; i < 300; i++) pipeline.xadd(stream(CLUSTER), '*', 'e', event(CLUSTER, i));
    await pipeline.exec();
    expect(await limited.relay(CLUSTER)).toBe(120);
    expect(await limited.relay(CLUSTER)).toBe(0);
    expect(await t.redis.xlen(stream(CLUSTER))).toBe(180);
    at += 60_000;
    expect(await limited.relay(CLUSTER)).toBe(120);
    at += 60_000;
    expect(await limited.relay(CLUSTER)).toBe(60);
    expect(await t.redis.xlen(stream(CLUSTER))).toBe(0);
    await limited.stop();
  });

  it('one agent’s flood takes turns with the others: a relay turn is bounded, and the rest follows', async () => {
    const pipeline = evil.pipeline();
    for (let i = 0; i < 1200; i++) pipeline.xadd(stream(CLUSTER), '*', 'e', event(CLUSTER, i));
    await pipeline.exec();
    await t.redis.xadd(stream(OTHER), '*', 'e', event(OTHER, 1));
    // One turn: 10 batches of 50, not the whole stream.
    expect(await relay.relay(CLUSTER)).toBe(500);
    expect(await t.redis.xlen(stream(CLUSTER))).toBe(700);
    await relay.start();
    // Garbage on the notify channel (the agent may publish there): ignored.
    for (const junk of ['', 'x'.repeat(100_000), 'STORE-GOOD', '../etc', 'not-registered', '\u0000']) await evil.publish(`${t.prefix}:fleet:notify`, junk);
    await evil.publish(`${t.prefix}:fleet:notify`, CLUSTER);
    await evil.publish(`${t.prefix}:fleet:notify`, OTHER);
    await waitFor(async () => (await t.redis.xlen(stream(OTHER))) === 0 && (await t.redis.xlen(stream(CLUSTER))) === 0, 'both streams relayed', 20_000);
    expect((await t.drover.audit.verify()).ok).toBe(true);
  }, 30_000);
});

it('an agent cluster named like a central key under <prefix>:fleet: (relay-lock) cannot hold the relay’s locks of the other clusters', async () => {
  const made = await createAgentUser(t.redis, { prefix: t.prefix, cluster: 'relay-lock' });
  const squatter = new Redis(server.url, { username: made.user, password: made.password, maxRetriesPerRequest: 1 });
  try {
    // What its ACL user owns by its name...
    expect(await squatter.set(`${t.prefix}:fleet:relay-lock:${OTHER}`, 'mine', 'PX', 3_600_000)).toBe('OK');
    // ...is not where the relay locks a cluster any more.
    await expect(squatter.set(`${t.prefix}:fleet-relay-lock:${OTHER}`, 'mine')).rejects.toThrow(/NOPERM/);
    await t.redis.xadd(`${t.prefix}:fleet:${OTHER}:audit`, '*', 'e', JSON.stringify({ type: 'run.started', runId: `${OTHER}.rlock`, runbook: 'x', cluster: OTHER, attempt: 1, resumed: false }));
    const relay = new FleetRelay({ redis: t.redis, prefix: t.prefix, audit: t.drover.audit, registry: t.drover.fleet.registry, logger: pino({ level: 'silent' }) });
    expect(await relay.relay(OTHER)).toBe(1);
  } finally {
    await squatter.quit();
  }
});

it('garbage and huge events in its own run’s stream do not stop the chat threads of the other runs', async () => {
  const writes: string[] = [];
  const sink: ChatSink = {
    name: 'attack',
    post: (_channel, message) => Promise.resolve(void writes.push(message.text)).then(() => '1.000002'),
    update: () => Promise.resolve(),
  };
  const notifier = new RunNotifier({ redis: t.redis, prefix: t.prefix, store: t.drover.store, sink, redactor: new Redactor([]), logger: pino({ level: 'silent' }), minIntervalMs: 0, blockMs: 50 });
  const mine = await runOn(CLUSTER);
  const theirs = await runOn(OTHER);
  notifier.start();
  try {
    await notifier.follow(mine, 'C0OPS', '1.000001', 'queued');
    await notifier.follow(theirs, 'C0OPS', '1.000003', 'queued');
    const events = `${t.prefix}:run:${mine}:events`;
    await evil.xadd(events, '*', 'e', 'not json');
    await evil.xadd(events, '*', 'e', JSON.stringify({ type: 'report', text: 'x'.repeat(1_000_000) }));
    await evil.xadd(events, '*', 'e', JSON.stringify({ type: 'step', phase: 'failed', step: { not: 'a string' } }));
    await evil.xadd(events, '*', 'e', JSON.stringify({ type: 'report', text: 'mine after the garbage <!channel>' }));
    await t.drover.store.emit(theirs, { type: 'report', text: 'theirs goes on' });
    await waitFor(() => writes.some((w) => w.includes('theirs goes on')), 'the other run’s thread', 5000);
    await waitFor(() => writes.some((w) => w.includes('mine after the garbage')), 'its own later event', 5000);
    // Its events key made into another type: its thread is given up, the other goes on.
    await evil.del(events);
    await evil.set(events, 'not a stream');
    // Past the read that was already blocked when the key changed: the next ones meet the wrong type.
    await new Promise((r) => setTimeout(r, 400));
    await t.drover.store.emit(theirs, { type: 'report', text: 'theirs still goes on' });
    await waitFor(() => writes.some((w) => w.includes('theirs still goes on')), 'the other run’s thread after WRONGTYPE', 5000);
    expect(writes.join('\n')).not.toMatch(/<!channel>/);
    expect(Math.max(...writes.map((w) => w.length))).toBeLessThan(10_000);
  } finally {
    await notifier.stop();
  }
}, 20_000);

it('a record of its own whose id field names no cluster (so it would not read as an agent run) naming the central worker’s cluster: never approved, never run centrally', async () => {
  const approver = { kind: 'slack' as const, id: 'UBOB', name: 'bob' };
  const id = `${CLUSTER}.rforgedid`;
  const forged = {
    id: 'rplain',
    runbook: 'delete-pod',
    cluster: 'test',
    params: JSON.stringify({ namespace: 'demo', pod: 'web-1' }),
    dryRun: 'false',
    requester: JSON.stringify(cli),
    state: 'awaiting_approval',
    concurrencyKey: 'pod/demo/web-1',
    timeoutMs: '60000',
    createdAt: new Date().toISOString(),
    attempts: '0',
    approval: JSON.stringify({ needed: 1, reason: 'x', timeoutMs: 60_000, approvers: [], hash: 'h', expiresAt: new Date(Date.now() + 60_000).toISOString() }),
  };
  await evil.hset(`${t.prefix}:run:${id}`, forged);
  await expect(t.drover.approvals.approve(id, approver, 'h')).rejects.toThrow(/belongs to agent cluster store-evil but names cluster test/);
  // Released anyway (as a central process would): the shared queue, whose central worker refuses it too.
  expect((await t.drover.store.get(id))!.id).toBe(id);
  await evil.hset(`${t.prefix}:run:${id}`, { state: 'queued' });
  await t.drover.queue.release((await t.drover.store.get(id))!);
  await t.drover.startWorker({ concurrency: 1 });
  const failed = await waitFor(async () => {
    const run = await t.drover.store.get(id);
    return run?.state === 'failed' ? run : undefined;
  }, 'the central worker to refuse it', 15_000);
  expect(failed.error?.message).toMatch(/belongs to agent cluster store-evil but names cluster test/);
  expect(t.fake.requests.filter((r) => r.method === 'DELETE')).toEqual([]);
}, 30_000);

it('a presence hash flooded with beats is read at most 1,000 entries a cluster: one agent does not slow every scrape and sweep', async () => {
  const key = `${t.prefix}:fleet:${CLUSTER}:agents`;
  const now = Date.now();
  const fields: string[] = [];
  for (let i = 0; i < 20_000; i++) fields.push(`f${i}`, JSON.stringify({ id: `f${i}`, cluster: CLUSTER, version: '1', host: 'h', seenAt: now }));
  await evil.hset(key, ...fields);
  const presence = new FleetPresence(t.redis, t.prefix, t.drover.fleet.registry, 30_000);
  const [status] = (await presence.status()).filter((s) => s.name === CLUSTER);
  expect(status!.agents.length).toBeLessThanOrEqual(1000);
  expect(status!.state).toBe('up');
  await evil.del(key);
  await beat.stop();
  await beat.start();
});

it('its presence hash or queue list made into another type leaves its cluster out of presence and the absent-agent sweep, not every cluster', async () => {
  const presenceKey = `${t.prefix}:fleet:${CLUSTER}:agents`;
  const waitKey = `${t.prefix}:q:cluster.${CLUSTER}:wait`;
  const waiting = await runOn(OTHER);
  await beat.stop();
  await goodBeat.stop();
  await evil.del(presenceKey);
  await evil.set(presenceKey, 'not a hash');
  await evil.del(waitKey);
  await evil.set(waitKey, 'not a list');
  try {
    const presence = new FleetPresence(t.redis, t.prefix, t.drover.fleet.registry, 1);
    const status = await presence.status();
    expect(status.find((s) => s.name === CLUSTER)?.agents).toEqual([]);
    expect(status.find((s) => s.name === OTHER)).toBeDefined();
    await new Promise((r) => setTimeout(r, 5));
    const sweeper = new AbsentAgentSweeper({ redis: t.redis, connection: t.redis, prefix: t.prefix, presence, store: t.drover.store, audit: t.drover.audit, waitMs: 0, retentionMs: 60_000 });
    expect(await sweeper.sweep()).toContain(waiting);
    expect((await t.drover.store.get(waiting))?.error?.code).toBe('cluster_unreachable');
  } finally {
    await evil.del(presenceKey, waitKey);
    await beat.start();
    await goodBeat.start();
  }
});

it('its run key made into another type reads as a missing run: history still lists the others', async () => {
  const good = await runOn(OTHER);
  const mine = await runOn(CLUSTER);
  await evil.del(`${t.prefix}:run:${mine}`);
  await evil.set(`${t.prefix}:run:${mine}`, 'not a hash');
  const ids = (await t.drover.store.recent(50)).map((r) => r.id);
  expect(ids).toContain(good);
  expect(ids).not.toContain(mine);
});

it('held proposals of its own with an approval that is not one (or no expiry) do not stop the expiry of every cluster’s proposals', async () => {
  const relay = new FleetRelay({ redis: t.redis, prefix: t.prefix, audit: t.drover.audit, registry: t.drover.fleet.registry, logger: pino({ level: 'silent' }) });
  const past = Date.now() - 60_000;
  const record = (approval: string) => ({ runbook: 'delete-pod', cluster: CLUSTER, params: '{}', requester: JSON.stringify(cli), state: 'awaiting_approval', createdAt: new Date().toISOString(), approval });
  const poisons = { [`${CLUSTER}.rp1`]: '{garbage', [`${CLUSTER}.rp2`]: '5', [`${CLUSTER}.rp3`]: JSON.stringify({ needed: 1, approvers: [], expiresAtMs: 'soon' }) };
  const honest = `${CLUSTER}.rp4`;
  for (const [id, approval] of Object.entries(poisons)) await evil.hset(`${t.prefix}:run:${id}`, record(approval));
  await evil.hset(`${t.prefix}:run:${honest}`, record(JSON.stringify({ needed: 1, reason: 'r', timeoutMs: 1000, approvers: [], hash: 'h', expiresAt: new Date(past).toISOString(), expiresAtMs: past })));
  // Their expiries reach the central set through the relay (approval.requested), the poisons first.
  for (const [i, id] of [...Object.keys(poisons), honest].entries()) {
    const e = { type: 'approval.requested', runId: id, runbook: 'delete-pod', cluster: CLUSTER, params: {}, actor: cli, planHash: 'h', needed: 1, reason: 'r', expiresAt: new Date(past - 1000 + i).toISOString(), changes: [] };
    await evil.xadd(`${t.prefix}:fleet:${CLUSTER}:audit`, '*', 'e', JSON.stringify(e));
  }
  await relay.relay(CLUSTER);
  expect(await t.redis.zcard(`${t.prefix}:approvals:expiry`)).toBeGreaterThanOrEqual(4);
  await t.drover.approvals.sweep();
  expect((await t.drover.store.get(honest))?.state).toBe('expired');
  for (const id of Object.keys(poisons)) expect((await t.drover.store.get(id))?.state).toBe('expired');
  expect(await t.redis.zscore(`${t.prefix}:approvals:expiry`, `${t.prefix}:run:${honest}`)).toBeNull();
});
