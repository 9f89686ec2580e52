/**
 * The suite's own redis-server on a free loopback port, persisting with AOF
 * `everysec` as a production Redis would, so it can be SIGKILLed and
 * restarted on its data.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { freePort } from '../../support/free-port.js';
import { waitFor } from '../../support/wait-for.js';
import { stopChild } from './processes.js';

export interface ChaosRedis {
  url: string;
  /** A client of the runner's own, for counting what Redis holds. */
  client(): Redis;
  kill(): Promise<void>;
  restart(): Promise<void>;
  stop(): Promise<void>;
}

async function answers(url: string): Promise<boolean> {
  const probe = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
  probe.on('error', () => undefined);
  try {
    await probe.connect();
    // Loading the AOF answers LOADING; wait for real answers.
    return (await probe.ping()) === 'PONG';
  } catch {
    return false;
  } finally {
    probe.disconnect();
  }
}

export async function startChaosRedis(fsync: 'everysec' | 'always' = 'everysec'): Promise<ChaosRedis> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'drover-chaos-redis-'));
  const url = `redis://127.0.0.1:${port}`;
  let child: ChildProcess;
  const clients: Redis[] = [];
  const start = async (): Promise<void> => {
    child = spawn('/usr/bin/redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '', '--appendonly', 'yes', '--appendfsync', fsync], { stdio: 'ignore' });
    await waitFor(() => answers(url), `redis-server on port ${port}`, 20_000);
  };
  await start();
  return {
    url,
    client() {
      const c = new Redis(url, { maxRetriesPerRequest: 3, retryStrategy: (n) => Math.min(n * 100, 1000) });
      c.on('error', () => undefined);
      clients.push(c);
      return c;
    },
    kill: () => stopChild(child, 'SIGKILL'),
    restart: start,
    async stop() {
      for (const c of clients) c.disconnect();
      await stopChild(child, 'SIGTERM', 5000);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
