import { spawn, type ChildProcess } from 'node:child_process';
import { pino } from 'pino';
import type { Redis } from 'ioredis';
import { createDrover, type Drover } from '../../../src/app.js';
import { connectRedis } from '../../../src/cli/redis-connect.js';
import { loadConfig } from '../../../src/config/load-config.js';
import { RunbookRegistry } from '../../../src/runbook/registry.js';
import { freePort } from '../../support/free-port.js';
import { waitFor } from '../../support/wait-for.js';
import { scrape, sample, serveOn } from './scrape.js';

/** A redis-server of this test's own, to freeze (SIGSTOP), thaw and kill. */
async function startRedis(port: number): Promise<ChildProcess> {
  const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
  await waitFor(async () => {
    try {
      const probe = await connectRedis(`redis://127.0.0.1:${port}`, 500);
      probe.disconnect();
      return true;
    } catch {
      return false;
    }
  }, `redis-server on ${port}`);
  return child;
}

async function timed<T>(work: () => Promise<T>): Promise<{ value: T; ms: number }> {
  const started = Date.now();
  const value = await work();
  return { value, ms: Date.now() - started };
}

describe('a scrape while Redis does not answer', () => {
  let port: number;
  let server: ChildProcess;
  let redis: Redis;
  let drover: Drover;
  let http: { base: string; close: () => Promise<void> };

  beforeAll(async () => {
    port = await freePort();
    server = await startRedis(port);
    // As `drover serve` connects: commands wait for a reconnect rather than fail.
    redis = await connectRedis(`redis://127.0.0.1:${port}`);
    drover = createDrover({ config: loadConfig({ env: { DROVER_REDIS_PREFIX: 'metrics-down' } }), redis, logger: pino({ level: 'silent' }), runbooks: new RunbookRegistry() });
    http = await serveOn(drover.router.listener);
  });

  afterAll(async () => {
    await http.close();
    if (server.exitCode === null && server.signalCode === null) server.kill('SIGCONT');
    await drover.close();
    redis.disconnect();
    if (server.exitCode === null && server.signalCode === null) {
      const exited = new Promise((r) => server.once('exit', r));
      server.kill('SIGKILL');
      await exited;
    }
  });

  it('answers at once with drover_redis_up 0 and no stale Redis readings, whether Redis hangs or is gone', async () => {
    const up = await scrape(http.base);
    expect(sample(up, 'drover_redis_up')).toBe(1);
    expect(sample(up, 'drover_workers')).toBe(0);
    expect(sample(up, 'drover_queue_depth', { state: 'waiting' })).toBe(0);

    // Frozen: the connection stays open and every command waits.
    server.kill('SIGSTOP');
    const frozen = await timed(() => scrape(http.base));
    expect(frozen.ms).toBeLessThan(3000);
    expect(sample(frozen.value, 'drover_redis_up')).toBe(0);
    expect(sample(frozen.value, 'drover_workers')).toBeUndefined();
    expect(sample(frozen.value, 'drover_approvals_pending')).toBeUndefined();
    expect(sample(frozen.value, 'drover_queue_depth')).toBeUndefined();
    expect(frozen.value).toMatch(/^drover_build_info\{version="[^"]+"\} 1$/m);

    server.kill('SIGCONT');
    await waitFor(async () => sample(await scrape(http.base), 'drover_redis_up') === 1, 'Redis answering again');

    // Gone: the connection drops and ioredis reconnects in the background.
    server.kill('SIGKILL');
    await waitFor(() => redis.status !== 'ready', 'the connection to drop');
    const gone = await timed(() => scrape(http.base));
    expect(gone.ms).toBeLessThan(3000);
    expect(sample(gone.value, 'drover_redis_up')).toBe(0);
    expect(sample(gone.value, 'drover_workers')).toBeUndefined();

    server = await startRedis(port);
    await waitFor(async () => sample(await scrape(http.base), 'drover_redis_up') === 1, 'Redis back');
  });
});
