import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Redis } from 'ioredis';
import { auditKey } from '../../../src/audit/audit-key.js';
import { seal } from '../../../src/audit/seal.js';
import { EXIT } from '../../../src/cli/output.js';
import { WEBHOOK_TOKEN, deliver } from '../../support/alerts.js';
import { drover } from '../../support/cli.js';
import { deletePrefix, redisClient, uniquePrefix } from '../../support/redis.js';
import { ALLOW_ALL_POLICY, ROOT } from '../../support/test-drover.js';

const MAIN = join(ROOT, 'src', 'main.ts');
const KEY = 'audit-key-for-the-process-test-0123456789';

/** `drover <args>` as its own process; resolves once a line of its output matches `ready` (with that line). */
function start(args: string[], env: Record<string, string>, ready: RegExp): { child: ChildProcess; ready: Promise<string>; output: () => string } {
  const child = spawn(process.execPath, ['--import', 'tsx', MAIN, ...args], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const readyLine = new Promise<string>((resolve, reject) => {
    const seen = (d: Buffer) => {
      output += d.toString();
      const line = output.split('\n').find((l) => ready.test(l));
      if (line) resolve(line);
    };
    child.stdout.on('data', seen);
    child.stderr.on('data', seen);
    child.once('exit', (code) => reject(new Error(`drover ${args.join(' ')} exited (${code}) before it was ready:\n${output}`)));
  });
  return { child, ready: readyLine, output: () => output };
}

async function stop(child: ChildProcess): Promise<number | null> {
  if (child.exitCode !== null) return child.exitCode;
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  child.kill('SIGTERM');
  return exited;
}

// The chart's layout: `serve --no-worker`, a separate worker, and people running the CLI,
// each appending to the audit stream; the one audit file must still get every event once, in order.
describe('the audit file with serve --no-worker, a worker and the CLI as separate processes', () => {
  let redis: Redis;
  let prefix: string;
  let dir: string;
  const children: ChildProcess[] = [];

  beforeAll(() => {
    redis = redisClient();
    prefix = uniquePrefix('files');
    dir = mkdtempSync(join(tmpdir(), 'drover-audit-procs-'));
  });

  afterAll(async () => {
    for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
    await deletePrefix(redis, prefix);
    await redis.quit();
    rmSync(dir, { recursive: true, force: true });
  });

  it('every event reaches the file exactly once, and the file and Redis verify against its checkpoints', async () => {
    const file = join(dir, 'audit.jsonl');
    const env = {
      HOME: dir,
      DROVER_REDIS_PREFIX: prefix,
      DROVER_AUDIT_FILE: file,
      DROVER_AUDIT_KEY: KEY,
      DROVER_AUDIT_CHECKPOINT_INTERVAL: '1s',
      DROVER_POLICY: ALLOW_ALL_POLICY,
      PORT: '0',
      LOG_LEVEL: 'info',
    };
    const serve = start(['serve', '--no-worker'], { ...env, ALERTMANAGER_WEBHOOK_TOKEN: WEBHOOK_TOKEN }, /HTTP server listening/);
    const worker = start(['worker'], { ...env, DROVER_SANDBOX: 'on' }, /worker started/);
    children.push(serve.child, worker.child);
    const port = (JSON.parse(await serve.ready) as { port: number }).port;
    await worker.ready;

    // The serving process writes alert events; the CLI (in this process) queues runs; the worker runs them.
    const alerts = Array.from({ length: 20 }, (_, i) => ({ labels: { alertname: 'NoRunbookForThis', instance: `i${i}` } }));
    expect((await deliver(`http://127.0.0.1:${port}`, alerts)).status).toBe(200);
    const cliEnv = { DROVER_REDIS_PREFIX: prefix, DROVER_AUDIT_KEY: KEY, HOME: dir };
    for (const replicas of [2, 3, 4]) {
      const r = await drover(undefined, ['run', 'scale-deployment', 'namespace=demo', 'deployment=web', `replicas=${replicas}`, '--wait'], cliEnv);
      expect(r.code).toBe(EXIT.ok);
    }
    // A CLI of its own, as another process.
    const cli = start(['run', 'restart-deployment', 'namespace=demo', 'deployment=web', '--wait'], { ...env, PORT: '' }, /succeeded/);
    children.push(cli.child);
    await cli.ready;
    expect(await new Promise((resolve) => cli.child.once('exit', resolve))).toBe(0);

    // The worker stops first (its last turn copies what it appended), then the server.
    expect(await stop(worker.child)).toBe(0);
    expect(await stop(serve.child)).toBe(0);

    const head = JSON.parse((await redis.get(`${prefix}:audit:head`))!) as { seq: number };
    const length = await redis.xlen(`${prefix}:audit`);
    const lines = readFileSync(file, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { audit: true | 'checkpoint'; seq: number; type?: string });
    const events = lines.filter((l) => l.audit === true);
    expect(length).toBe(head.seq);
    expect(events).toHaveLength(head.seq);
    expect(events.map((e) => e.seq)).toEqual(Array.from({ length: head.seq }, (_, i) => i + 1));
    // Events from each process made it: alerts (serve), runs queued (CLI), runs executed (worker).
    const count = (type: string) => events.filter((e) => e.type === type).length;
    expect(count('alert.received')).toBe(20);
    expect(count('run.queued')).toBe(4);
    expect(count('run.finished')).toBe(4);
    expect(lines.at(-1)).toMatchObject({ audit: 'checkpoint', seq: head.seq, first: 1 });

    const fileCheck = await drover(undefined, ['audit', 'verify', '--file', file], cliEnv);
    expect(fileCheck).toMatchObject({ code: EXIT.ok });
    expect(fileCheck.out).toContain(`Audit file intact: ${head.seq} events, #1 to #${head.seq}.`);
    const redisCheck = await drover(undefined, ['audit', 'verify'], { ...cliEnv, DROVER_AUDIT_FILE: file });
    expect(redisCheck).toMatchObject({ code: EXIT.ok });
    expect(redisCheck.out).toMatch(new RegExp(`Matches the checkpoint of \\S+ \\(#1–#${head.seq}, signed with key [0-9a-f]{16}\\) from ${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`));

    // The newest five events deleted in Redis and the head set back to a genuine earlier one (replayed): the file's checkpoint tells.
    const newest = await redis.xrevrange(`${prefix}:audit`, '+', '-', 'COUNT', 6);
    await redis.xdel(`${prefix}:audit`, ...newest.slice(0, 5).map(([id]) => id));
    const kept = JSON.parse(newest[5]![1][1]!) as { seq: number; hash: string };
    await redis.set(`${prefix}:audit:head`, JSON.stringify(seal('head', { seq: kept.seq, hash: kept.hash }, auditKey(KEY))));
    const truncated = await drover(undefined, ['audit', 'verify'], { ...cliEnv, DROVER_AUDIT_FILE: file });
    expect(truncated.code).toBe(EXIT.failed);
    expect(truncated.err).toMatch(new RegExp(`the log ends at #${head.seq - 5} but the checkpoint of \\S+ covers up to #${head.seq}`));
  });
});
