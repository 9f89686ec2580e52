import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { freePort } from './free-port.js';
import { waitFor } from './wait-for.js';

/**
 * A Redis of the test's own (redis-server on a free port, appending every
 * write to its AOF), so that it can be killed and restarted with its data.
 */
export interface PrivateRedis {
  url: string;
  /** SIGKILL: the connection drops as in a crash. */
  kill(): Promise<void>;
  /** Starts it again on the same port and data directory; resolves once it answers. */
  restart(): Promise<void>;
  /** Stops it (bounded) and removes its data. */
  stop(): Promise<void>;
}

async function exited(child: ChildProcess, signal: NodeJS.Signals, timeoutMs = 5000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const done = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill(signal);
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  await done;
  clearTimeout(timer);
}

/** `args`: more redis-server options (an aclfile, a TLS port); `dir` is its data directory, made before it starts. */
export async function startPrivateRedis(args: (dir: string) => string[] = () => []): Promise<PrivateRedis> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'drover-redis-'));
  const url = `redis://127.0.0.1:${port}`;
  let child: ChildProcess;
  const start = async () => {
    child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '', '--appendonly', 'yes', '--appendfsync', 'always', ...args(dir)], { stdio: 'ignore' });
    await waitFor(async () => {
      const probe = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
      probe.on('error', () => undefined);
      try {
        await probe.connect();
        return (await probe.ping()) === 'PONG';
      } catch {
        return false;
      } finally {
        probe.disconnect();
      }
    }, `redis-server on port ${port}`, 10_000);
  };
  await start();
  return {
    url,
    kill: () => exited(child, 'SIGKILL'),
    restart: start,
    async stop() {
      await exited(child, 'SIGTERM');
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
