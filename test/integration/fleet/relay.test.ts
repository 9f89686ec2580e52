/**
 * The central relay of agents' audit events, on real Redis: what an agent
 * writes about another cluster's runs (or events an agent has no business
 * recording) is refused and recorded as refused, never appended as if true;
 * events a dead agent left in its outbox reach the chain from the central
 * side once settled; a relay dying between its two steps appends nothing twice.
 */
import pino from 'pino';
import { AuditLog } from '../../../src/audit/audit-log.js';
import { FleetRelay, refusal } from '../../../src/fleet/relay.js';
import { FleetRegistry } from '../../../src/fleet/registry.js';
import { deletePrefix, redisClient, uniquePrefix } from '../../support/redis.js';
import type { Redis } from 'ioredis';

let redis: Redis;
let prefix: string;
let audit: AuditLog;
let relay: FleetRelay;
let now = Date.now();

beforeEach(async () => {
  redis = redisClient();
  prefix = uniquePrefix('relay');
  audit = new AuditLog({ redis, prefix });
  const registry = new FleetRegistry(redis, prefix, 0);
  for (const name of ['store-a', 'store-b']) await registry.register({ name, labels: {}, createdAt: new Date().toISOString(), user: 'u' });
  now = Date.now();
  relay = new FleetRelay({ redis, prefix, audit, registry, logger: pino({ level: 'silent' }), settleMs: 60_000, now: () => new Date(now) });
});

afterEach(async () => {
  await relay.stop();
  await deletePrefix(redis, prefix);
  await redis.quit();
});

/** What an agent of `cluster` writes: its own chain's entries, in its stream. */
async function agentWrites(cluster: string, ...events: Array<Record<string, unknown>>): Promise<void> {
  const agentAudit = new AuditLog({ redis, prefix: `${prefix}:fleet:${cluster}` });
  await agentAudit.appendMany(events as never);
}

it('refusal: only its own cluster’s runs, only an agent’s kinds of events', () => {
  expect(refusal('store-a', { type: 'run.started', runId: 'store-a.r1', cluster: 'store-a' })).toBeUndefined();
  expect(refusal('store-a', { type: 'run.started', runId: 'store-b.r1', cluster: 'store-b' })).toMatch(/not a run of cluster store-a/);
  expect(refusal('store-a', { type: 'run.started', runId: 'store-a.r1', cluster: 'store-b' })).toMatch(/names cluster store-b/);
  expect(refusal('store-a', { type: 'approval.granted', runId: 'store-a.r1' })).toMatch(/may not record "approval.granted"/);
  expect(refusal('store-a', { type: 'run.queued', runId: 'store-a.r1' })).toMatch(/may not record/);
  expect(refusal('store-a', {})).toMatch(/untyped/);
});

it('moves an agent’s events into the chain, and records a forged one as refused instead', async () => {
  await agentWrites(
    'store-a',
    { type: 'run.started', runId: 'store-a.r1', runbook: 'x', cluster: 'store-a', attempt: 1, resumed: false },
    { type: 'run.started', runId: 'store-b.r9', runbook: 'x', cluster: 'store-b', attempt: 1, resumed: false },
    { type: 'approval.granted', runId: 'store-a.r1', actor: { kind: 'slack', id: 'U1' }, planHash: 'h', approvals: 1, needed: 1 },
  );
  // A raw entry that is not even JSON.
  await redis.xadd(`${prefix}:fleet:store-a:audit`, '*', 'e', 'not json');
  expect(await relay.relay('store-a')).toBe(4);
  const events = await audit.read();
  expect(events.map((e) => e.type)).toEqual(['run.started', 'fleet.event.refused', 'fleet.event.refused', 'fleet.event.refused']);
  expect(events[0]).toMatchObject({ runId: 'store-a.r1', cluster: 'store-a', seq: 1 });
  expect(events[1]).toMatchObject({ cluster: 'store-a', eventType: 'run.started' });
  expect((events[1] as unknown as { reason: string }).reason).toMatch(/store-b\.r9 is not a run of cluster store-a/);
  expect(events[2]).toMatchObject({ eventType: 'approval.granted' });
  expect(events[3]).toMatchObject({ eventType: 'untyped' });
  expect((await audit.verify()).ok).toBe(true);
  expect(await redis.xlen(`${prefix}:fleet:store-a:audit`)).toBe(0);
  expect(await redis.hlen(`${prefix}:audit:outbox`)).toBe(0);
});

it('a relay that died after moving a batch to the central outbox leaves it to the drain: appended once', async () => {
  await agentWrites('store-b', { type: 'run.finished', runId: 'store-b.r2', runbook: 'x', cluster: 'store-b', outcome: 'succeeded', durationMs: 1, dryRun: false });
  const appendMany = audit.appendMany.bind(audit);
  audit.appendMany = () => Promise.reject(new Error('process died'));
  await expect(relay.relay('store-b')).rejects.toThrow('process died');
  audit.appendMany = appendMany;
  expect(await redis.xlen(`${prefix}:fleet:store-b:audit`)).toBe(0);
  expect(await relay.relay('store-b')).toBe(0);
  expect(await audit.outbox.drain(new Date(Date.now() + 1000))).toBe(1);
  expect((await audit.read()).map((e) => e.type)).toEqual(['run.finished']);
});

it('appends, from the central side, what a dead agent left in its outbox once settled (never a young entry)', async () => {
  const outbox = `${prefix}:fleet:store-a:audit:outbox`;
  const event = { type: 'run.finished', runId: 'store-a.r3', runbook: 'x', cluster: 'store-a', outcome: 'failed', durationMs: 5, dryRun: false };
  await redis.hset(outbox, 'run.finished store-a.r3', JSON.stringify({ t: now - 10_000, e: event }));
  expect(await relay.drainOutbox('store-a')).toBe(0);
  now += 60_000;
  // Forged in the outbox too: refused like a forged stream entry.
  await redis.hset(outbox, 'x', JSON.stringify({ t: 0, e: { ...event, runId: 'store-b.r4', cluster: 'store-b' } }));
  expect(await relay.drainOutbox('store-a')).toBe(2);
  const events = await audit.read();
  expect(events.map((e) => e.type).sort()).toEqual(['fleet.event.refused', 'run.finished']);
  expect(await redis.hlen(outbox)).toBe(0);
  // The run's end woke whatever waits on it (ZADD XX: only a run already listed).
  await redis.zadd(`${prefix}:runs:wake`, 9e15, 'store-a.r5');
  await redis.hset(outbox, 'y', JSON.stringify({ t: 0, e: { ...event, runId: 'store-a.r5' } }));
  await relay.drainOutbox('store-a');
  expect(Number(await redis.zscore(`${prefix}:runs:wake`, 'store-a.r5'))).toBeLessThan(9e15);
});

it('a notification for a cluster that is not registered moves nothing', async () => {
  await agentWrites('store-z', { type: 'run.started', runId: 'store-z.r1', runbook: 'x', cluster: 'store-z', attempt: 1, resumed: false });
  await relay.start();
  await redis.publish(`${prefix}:fleet:notify`, 'store-z');
  await new Promise((r) => setTimeout(r, 300));
  expect(await audit.read()).toEqual([]);
});
