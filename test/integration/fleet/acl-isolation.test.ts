import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Queue, Worker, type Job } from 'bullmq';
import { Redis } from 'ioredis';
import { AuditLog } from '../../../src/audit/audit-log.js';
import { createAgentUser, revokeAgentUser } from '../../../src/fleet/acl.js';
import { agentUserName, fleetCancelChannel, fleetNotifyChannel, fleetQueueName, roomPrefix } from '../../../src/fleet/names.js';
import type { RunRecord } from '../../../src/jobs/run-record.js';
import { RunStore } from '../../../src/jobs/run-store.js';
import { TargetLocks } from '../../../src/jobs/target-lock.js';
import { startPrivateRedis, type PrivateRedis } from '../../support/redis-server.js';
import { waitFor } from '../../support/wait-for.js';

// Its own redis-server: ACL users made here must not reach the shared Redis.
const P = `acl${randomBytes(3).toString('hex')}`;
const A = 'store-a';
const B = 'store-b';
const Q = `${P}:q`;
const ADMIN_PASSWORD = randomBytes(16).toString('hex');

interface Creds {
  user: string;
  password: string;
}

let server: PrivateRedis;
let port: number;
let admin: Redis;
const creds: Record<string, Creds> = {};
const opened: Redis[] = [];
const jobOf: Record<string, string> = {};

/** A connection as an agent; it does not reconnect, so a cut connection stays cut. */
function connectAs(c: Creds): Redis {
  const redis = new Redis({ port, host: '127.0.0.1', username: c.user, password: c.password, maxRetriesPerRequest: 0, retryStrategy: () => null, lazyConnect: true });
  redis.on('error', () => undefined);
  opened.push(redis);
  return redis;
}

/** Why connecting as `c` fails ('' when it does not). */
async function authError(c: Creds): Promise<string> {
  const redis = connectAs(c);
  const errors: string[] = [];
  redis.on('error', (err: Error) => errors.push(err.message));
  await redis.connect().catch((err: Error) => errors.push(err.message));
  return errors.join('; ');
}

function runRecord(id: string, cluster: string): RunRecord {
  return {
    id,
    runbook: 'restart-deployment',
    cluster,
    params: { namespace: 'shop', name: 'web' },
    dryRun: false,
    requester: { kind: 'cli', id: 'ops@laptop' },
    state: 'queued',
    concurrencyKey: 'deployment/shop/web',
    timeoutMs: 60_000,
    createdAt: new Date().toISOString(),
    attempts: 0,
  };
}

/** What the central Drover has for a cluster: a queued job, a run, its room's audit chain, a lock. */
async function seed(cluster: string): Promise<void> {
  const queue = new Queue(fleetQueueName(cluster), { connection: admin, prefix: Q });
  jobOf[cluster] = (await queue.add('run', { runId: `${cluster}.r1` })).id!;
  await queue.close();
  await new RunStore({ redis: admin, prefix: P }).createMany([{ record: runRecord(`${cluster}.r1`, cluster), secrets: {} }], 60_000);
  await admin.xadd(`${P}:run:${cluster}.r1:events`, '*', 'e', '{}');
  await new AuditLog({ redis: admin, prefix: roomPrefix(P, cluster) }).append({ type: 'run.cancel.requested', runId: `${cluster}.r1`, actor: { kind: 'cli', id: 'ops@laptop' } });
  await admin.set(`${P}:lock:${cluster}:x`, 'someone');
}

beforeAll(async () => {
  server = await startPrivateRedis();
  port = Number(new URL(server.url).port);
  // As in production: the default user has a password (a fresh Redis's has none, and every connection would be it).
  const boot = new Redis(server.url);
  await boot.call('ACL', 'SETUSER', 'default', `>${ADMIN_PASSWORD}`);
  boot.disconnect();
  admin = new Redis(server.url, { password: ADMIN_PASSWORD, maxRetriesPerRequest: null });
  creds[A] = await createAgentUser(admin, { prefix: P, cluster: A });
  creds[B] = await createAgentUser(admin, { prefix: P, cluster: B });
  for (const c of [A, B]) await seed(c);
  await admin.xadd(`${P}:audit`, '*', 'e', '{"type":"central"}');
  await admin.set(`${P}:approvals:binding-key`, 'k'.repeat(64));
  await admin.call('ACL', 'LOG', 'RESET');
});

afterAll(async () => {
  for (const r of opened) if (r.status !== 'end') r.disconnect();
  admin?.disconnect();
  await server?.stop();
});

/** Denials Redis logged for a user (ACL LOG). */
async function deniedFor(user: string): Promise<string[]> {
  const log = (await admin.call('ACL', 'LOG', '128')) as unknown[][];
  return log
    .map((entry) => Object.fromEntries(Array.from({ length: entry.length / 2 }, (_, i) => [String(entry[2 * i]), entry[2 * i + 1]])) as Record<string, unknown>)
    .filter((e) => e.username === user)
    .map((e) => `${String(e.context)} ${String(e.object)}`);
}

describe('an agent ACL user on its own cluster', () => {
  it('does its whole job: a BullMQ worker takes, retries, delays and completes jobs; its run, room audit, lock, channels and the binding key', async () => {
    const agent = connectAs(creds[A]!);
    await agent.connect();
    expect(await agent.call('ACL', 'WHOAMI')).toBe(agentUserName(P, A));

    // BullMQ: a job that fails once (retry with backoff: moveToFinished, moveToDelayed, promotion), a delayed one, and the seeded one,
    // with a lock shorter than the work (extendLock) and a quick stalled check; the agent's own Queue adds one too.
    const queue = new Queue(fleetQueueName(A), { connection: { port, host: '127.0.0.1', username: creds[A]!.user, password: creds[A]!.password }, prefix: Q });
    await queue.add('flaky', {}, { attempts: 2, backoff: { type: 'fixed', delay: 100 } });
    await queue.add('later', {}, { delay: 150 });
    const seen = new Set<string>();
    const errors: string[] = [];
    const worker = new Worker(
      fleetQueueName(A),
      async (job: Job) => {
        if (job.name === 'flaky' && job.attemptsMade === 0) throw new Error('first attempt fails');
        await new Promise((r) => setTimeout(r, 700));
        seen.add(job.name);
        return 'ok';
      },
      { connection: { port, host: '127.0.0.1', username: creds[A]!.user, password: creds[A]!.password }, prefix: Q, lockDuration: 400, stalledInterval: 300, concurrency: 3 },
    );
    worker.on('error', (err) => errors.push(err.message));
    await waitFor(async () => (await queue.getJobCounts('completed')).completed === 3, 'the agent worker to complete 3 jobs');
    await worker.close();
    await queue.close();
    expect([...seen].sort()).toEqual(['flaky', 'later', 'run']);
    expect(errors).toEqual([]);

    // Drover's run store with the room's outbox, wake set and cancel channel: start, an event, finish.
    const room = roomPrefix(P, A);
    const store = new RunStore({ redis: agent, prefix: P, room: { outboxKey: `${room}:audit:outbox`, wakeKey: `${room}:runs:wake`, cancelChannel: fleetCancelChannel(P, A) } });
    expect((await store.start(`${A}.r1`, ['queued'], { startedAt: new Date().toISOString() })).refused).toBeUndefined();
    await store.emit(`${A}.r1`, { type: 'report', text: 'working' });
    expect(await store.transition(`${A}.r1`, ['running'], 'succeeded', {}, undefined, 60_000)).toBeUndefined();
    expect((await store.get(`${A}.r1`))?.state).toBe('succeeded');
    await agent.hset(`${P}:run:${A}.r1`, 'note', 'x');
    await agent.xadd(`${P}:run:${A}.r1:events`, '*', 'e', '{}');

    // The room's own audit chain.
    const audit = new AuditLog({ redis: agent, prefix: room });
    await audit.append({ type: 'run.cancel.requested', runId: `${A}.r1`, actor: { kind: 'cli', id: 'ops@laptop' } });
    expect((await audit.verify()).ok).toBe(true);

    // Its target locks.
    const locks = new TargetLocks(agent, P);
    const held = await locks.acquire(A, 'deployment/shop/web', `${A}.r2`);
    expect('key' in held).toBe(true);
    if ('key' in held) await held.release();

    // Cancel channel in, notify channel out, the binding key read.
    const sub = connectAs(creds[A]!);
    const got = new Promise<string>((resolve) => sub.on('message', (_channel: string, message: string) => resolve(message)));
    await sub.subscribe(fleetCancelChannel(P, A));
    await admin.publish(fleetCancelChannel(P, A), `${A}.r1`);
    expect(await got).toBe(`${A}.r1`);
    await agent.publish(fleetNotifyChannel(P), A);
    expect(await agent.get(`${P}:approvals:binding-key`)).toBe('k'.repeat(64));

    // What ioredis sends for a URL with a database and a connection name.
    const named = new Redis({ port, host: '127.0.0.1', username: creds[A]!.user, password: creds[A]!.password, db: 1, connectionName: 'drover-agent-a', maxRetriesPerRequest: 0 });
    opened.push(named);
    expect(await named.call('CLIENT', 'GETNAME')).toBe('drover-agent-a');

    // Nothing along the way was refused.
    expect(await deniedFor(creds[A]!.user)).toEqual([]);
  });
});

type Probe = [name: string, run: (a: Redis) => Promise<unknown>];

const eB = (k: string) => `${P}:run:${B}.r1${k}`;
/** What agent A must not do: other clusters' keys, central keys, anything that lists, wipes or watches. */
const probes: Probe[] = [
  ['HGETALL B run', (a) => a.hgetall(eB(''))],
  ['HSET B run', (a) => a.hset(eB(''), 'state', 'failed')],
  ['DEL B run', (a) => a.del(eB(''))],
  ['XRANGE B run events', (a) => a.xrange(eB(':events'), '-', '+')],
  ['LRANGE B waiting jobs', (a) => a.lrange(`${Q}:${fleetQueueName(B)}:wait`, 0, -1)],
  ['HGETALL B job', (a) => a.hgetall(`${Q}:${fleetQueueName(B)}:${jobOf[B]!}`)],
  ['DEL B job', (a) => a.del(`${Q}:${fleetQueueName(B)}:${jobOf[B]!}`)],
  ['RPOPLPUSH B job into A', (a) => a.rpoplpush(`${Q}:${fleetQueueName(B)}:wait`, `${Q}:${fleetQueueName(A)}:wait`)],
  ['XRANGE central audit', (a) => a.xrange(`${P}:audit`, '-', '+')],
  ['XADD central audit', (a) => a.xadd(`${P}:audit`, '*', 'e', '{}')],
  ['XDEL central audit', (a) => a.xdel(`${P}:audit`, '0-1')],
  ['XTRIM central audit', (a) => a.xtrim(`${P}:audit`, 'MAXLEN', 0)],
  ['XRANGE B room audit', (a) => a.xrange(`${roomPrefix(P, B)}:audit`, '-', '+')],
  ['XADD B room audit', (a) => a.xadd(`${roomPrefix(P, B)}:audit`, '*', 'e', '{}')],
  ['XDEL B room audit', (a) => a.xdel(`${roomPrefix(P, B)}:audit`, '0-1')],
  ['XTRIM B room audit', (a) => a.xtrim(`${roomPrefix(P, B)}:audit`, 'MAXLEN', 0)],
  ['GET B lock', (a) => a.get(`${P}:lock:${B}:x`)],
  ['HGETALL fleet registry', (a) => a.hgetall(`${P}:fleet:clusters`)],
  ['SET binding key', (a) => a.set(`${P}:approvals:binding-key`, 'mine')],
  ['RENAME own key onto binding key', (a) => a.rename(`${P}:lock:${A}:x`, `${P}:approvals:binding-key`)],
  ['EVAL reading B run (declared)', (a) => a.eval("return redis.call('HGETALL', KEYS[1])", 1, eB(''))],
  ['EVAL deleting B run (undeclared)', (a) => a.eval(`return redis.call('DEL', '${eB('')}')`, 0)],
  ['EVAL KEYS', (a) => a.eval("return redis.call('KEYS', '*')", 0)],
  ['KEYS', (a) => a.keys('*')],
  ['SCAN', (a) => a.scan('0')],
  ['RANDOMKEY', (a) => a.randomkey()],
  ['DBSIZE', (a) => a.dbsize()],
  ['FLUSHALL', (a) => a.flushall()],
  ['FLUSHDB', (a) => a.flushdb()],
  ['SWAPDB', (a) => a.swapdb(0, 1)],
  ['MOVE', (a) => a.move(`${P}:lock:${A}:x`, 1)],
  ['SORT BY', (a) => a.sort(`${Q}:${fleetQueueName(A)}:wait`, 'BY', `${P}:run:*`)],
  ['CONFIG GET', (a) => a.config('GET', '*')],
  ['CONFIG SET', (a) => a.call('CONFIG', 'SET', 'appendonly', 'no')],
  ['CLIENT LIST', (a) => a.call('CLIENT', 'LIST')],
  ['CLIENT KILL', (a) => a.call('CLIENT', 'KILL', 'USER', creds[B]!.user)],
  ['CLIENT TRACKING', (a) => a.call('CLIENT', 'TRACKING', 'on', 'BCAST')],
  ['PUBSUB CHANNELS', (a) => a.call('PUBSUB', 'CHANNELS')],
  ['PUBLISH B cancel', (a) => a.publish(fleetCancelChannel(P, B), `${B}.r1`)],
  ['FUNCTION LIST', (a) => a.call('FUNCTION', 'LIST')],
  ['SCRIPT FLUSH', (a) => a.call('SCRIPT', 'FLUSH')],
  ['SCRIPT KILL', (a) => a.call('SCRIPT', 'KILL')],
  ['ACL LIST', (a) => a.call('ACL', 'LIST')],
  ['ACL SETUSER', (a) => a.call('ACL', 'SETUSER', creds[A]!.user, '~*')],
  ['SHUTDOWN', (a) => a.call('SHUTDOWN', 'NOSAVE')],
  ['MIGRATE', (a) => a.call('MIGRATE', '127.0.0.1', '1', eB(''), '0', '1000')],
  ['MONITOR', (a) => a.call('MONITOR')],
];

/** Server commands checked with ACL DRYRUN rather than run (DEBUG is refused before ACLs are, SAVE would write, WAIT would block). */
const adminOnly: string[][] = [
  ['DEBUG', 'SLEEP', '0'],
  ['SAVE'],
  ['BGSAVE'],
  ['BGREWRITEAOF'],
  ['REPLICAOF', '127.0.0.1', '1'],
  ['SLAVEOF', 'NO', 'ONE'],
  ['SYNC'],
  ['MODULE', 'LIST'],
  ['LATENCY', 'LATEST'],
  ['SLOWLOG', 'GET'],
  ['CLIENT', 'PAUSE', '10'],
  ['CLIENT', 'UNBLOCK', '1'],
  ['CLIENT', 'NO-EVICT', 'on'],
  ['FUNCTION', 'LOAD', '#!lua name=x\nredis.register_function("x", function() return 1 end)'],
  ['FUNCTION', 'FLUSH'],
  ['FCALL', 'x', '0'],
  ['SCRIPT', 'DEBUG', 'YES'],
  ['MEMORY', 'DOCTOR'],
  ['OBJECT', 'FREQ', `${P}:lock:store-a:x`],
  ['DUMP', `${P}:lock:store-a:x`],
  ['RESTORE', `${P}:lock:store-a:y`, '0', 'x'],
  ['COPY', `${P}:lock:store-a:x`, `${P}:lock:store-a:y`, 'DB', '1'],
  ['LASTSAVE'],
  ['ROLE'],
  ['WAIT', '1', '0'],
  ['ACL', 'LOG'],
  ['ACL', 'GETUSER', 'default'],
  ['ACL', 'DELUSER', 'default'],
  ['ACL', 'SAVE'],
  ['PSUBSCRIBE', '*'],
  ['SSUBSCRIBE', 'x'],
  ['SHUTDOWN'],
  ['FAILOVER'],
  ['CLUSTER', 'INFO'],
];

describe('an agent ACL user against another cluster, the central keys and the whole keyspace', () => {
  let a: Redis;
  beforeAll(async () => {
    a = connectAs(creds[A]!);
    await a.connect();
  });

  it(`refuses all ${probes.length} probes with NOPERM and leaves B's data as it was`, async () => {
    const outcomes: Array<[string, string]> = [];
    for (const [name, run] of probes) {
      const outcome = await run(a).then(
        () => 'allowed',
        // Inside a script Redis words the same refusal differently.
        (err: Error) => (/NOPERM|The user executing the script can't/.test(err.message) ? 'NOPERM' : err.message),
      );
      outcomes.push([name, outcome]);
    }
    expect(outcomes).toEqual(probes.map(([name]) => [name, 'NOPERM']));
    expect(await admin.hget(`${P}:run:${B}.r1`, 'state')).toBe('queued');
    expect(await admin.xlen(`${P}:audit`)).toBe(1);
    expect(await admin.xlen(`${roomPrefix(P, B)}:audit`)).toBe(1);
    expect(await admin.get(`${P}:approvals:binding-key`)).toBe('k'.repeat(64));
    expect(await admin.get(`${P}:lock:${B}:x`)).toBe('someone');
    expect(await admin.dbsize()).toBeGreaterThan(10);
    // ACL LOG records refusals (so an empty one for the whole-job test means none happened).
    expect((await deniedFor(creds[A]!.user)).length).toBeGreaterThan(10);
  });

  it(`has none of ${adminOnly.length} more server commands (ACL DRYRUN: some are refused earlier by the server's own settings)`, async () => {
    const answers = await Promise.all(adminOnly.map(async (cmd) => [cmd.join(' '), String(await admin.call('ACL', 'DRYRUN', creds[A]!.user, ...cmd))]));
    expect(answers.filter(([, answer]) => !/no permissions/.test(answer!))).toEqual([]);
  });

  it('RESET, which no ACL can refuse, leaves it unauthenticated rather than the default user', async () => {
    const r = connectAs(creds[A]!);
    expect(await r.call('RESET')).toBe('RESET');
    await expect(r.call('ACL', 'WHOAMI')).rejects.toThrow(/NOAUTH/);
    await expect(r.hgetall(`${P}:run:${B}.r1`)).rejects.toThrow(/NOAUTH/);
  });

  it("cannot subscribe to B's cancel channel or to a pattern", async () => {
    const sub = connectAs(creds[A]!);
    await expect(sub.subscribe(fleetCancelChannel(P, B))).rejects.toThrow(/NOPERM/);
    await expect(connectAs(creds[A]!).psubscribe('*')).rejects.toThrow(/NOPERM/);
    await expect(connectAs(creds[A]!).psubscribe(`${P}:cancel:*`)).rejects.toThrow(/NOPERM/);
    await expect(connectAs(creds[A]!).subscribe('__keyevent@0__:del')).rejects.toThrow(/NOPERM/);
  });

  it("takes none of B's jobs with a BullMQ worker, and cannot remove them through a BullMQ queue", async () => {
    const connection = { port, host: '127.0.0.1', username: creds[A]!.user, password: creds[A]!.password };
    const errors: string[] = [];
    let taken = 0;
    const worker = new Worker(
      fleetQueueName(B),
      () => {
        taken++;
        return Promise.resolve();
      },
      { connection, prefix: Q, autorun: false },
    );
    worker.on('error', (err) => errors.push(err.message));
    void worker.run().catch((err: Error) => errors.push(err.message));
    await waitFor(() => errors.some((m) => /NOPERM/.test(m)), 'the worker on B to be refused');
    await worker.close(true);
    expect(taken).toBe(0);

    const queue = new Queue(fleetQueueName(B), { connection, prefix: Q });
    await expect(queue.remove(jobOf[B]!)).rejects.toThrow(/NOPERM/);
    await expect(queue.getJob(jobOf[B]!)).rejects.toThrow(/NOPERM/);
    await expect(queue.add('smuggled', {})).rejects.toThrow(/NOPERM/);
    await queue.close();

    const central = new Queue(fleetQueueName(B), { connection: admin, prefix: Q });
    expect(await central.getJobState(jobOf[B]!)).toBe('waiting');
    expect(await central.getJobCounts('waiting')).toEqual({ waiting: 1 });
    await central.close();
  });
});

describe('revoking and rotating agent users', () => {
  it("revoking A cuts its live connections (commands and subscriptions) and its password no longer authenticates", async () => {
    const live = connectAs(creds[A]!);
    await live.ping();
    const sub = connectAs(creds[A]!);
    await sub.subscribe(fleetCancelChannel(P, A));
    const ended = Promise.all([live, sub].map((r) => new Promise<void>((resolve) => r.once('end', () => resolve()))));

    const revoked = await revokeAgentUser(admin, P, A);
    expect(revoked).toMatchObject({ existed: true, persisted: false });
    expect(revoked.disconnected).toBeGreaterThanOrEqual(2);
    await ended;
    await expect(live.ping()).rejects.toThrow();
    expect(await authError(creds[A]!)).toMatch(/WRONGPASS/);
    expect(await admin.call('ACL', 'GETUSER', creds[A]!.user)).toBeNull();
    expect(await revokeAgentUser(admin, P, A)).toMatchObject({ existed: false, disconnected: 0 });
  });

  it('creating B again rotates its password: the old connections are cut, the old password fails, the new one works', async () => {
    const old = creds[B]!;
    const live = connectAs(old);
    await live.ping();
    const ended = new Promise<void>((resolve) => live.once('end', () => resolve()));

    const rotated = await createAgentUser(admin, { prefix: P, cluster: B });
    expect(rotated).toMatchObject({ user: old.user, rotated: true, persisted: false });
    expect(rotated.password).not.toBe(old.password);
    expect(rotated.password).toMatch(/^[0-9a-f]{64}$/);
    expect(rotated.disconnected).toBeGreaterThanOrEqual(1);
    await ended;
    expect(await authError(old)).toMatch(/WRONGPASS/);
    const fresh = connectAs(rotated);
    expect(await fresh.hget(`${P}:run:${B}.r1`, 'state')).toBe('queued');
    await expect(fresh.hgetall(`${P}:run:${A}.r1`)).rejects.toThrow(/NOPERM/);
  });
});

describe('agent users with an aclfile', () => {
  let withFile: PrivateRedis;
  afterAll(async () => {
    await withFile?.stop();
  });

  it('are saved to it (ACL SAVE), so they survive a restart', async () => {
    withFile = await startPrivateRedis((dir) => {
      if (!existsSync(join(dir, 'users.acl'))) writeFileSync(join(dir, 'users.acl'), '');
      return ['--aclfile', join(dir, 'users.acl')];
    });
    const r = new Redis(withFile.url, { maxRetriesPerRequest: 0 });
    opened.push(r);
    const made = await createAgentUser(r, { prefix: P, cluster: A });
    expect(made.persisted).toBe(true);
    const [, dir] = (await r.config('GET', 'dir')) as [string, string];
    expect(readFileSync(join(dir, 'users.acl'), 'utf8')).toContain(`user ${made.user} on`);
    r.disconnect();
    await withFile.kill();
    await withFile.restart();
    const agent = new Redis(withFile.url, { username: made.user, password: made.password, maxRetriesPerRequest: 0, retryStrategy: () => null });
    agent.on('error', () => undefined);
    opened.push(agent);
    expect(await agent.call('ACL', 'WHOAMI')).toBe(made.user);
  });
});
