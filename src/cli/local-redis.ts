import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import type { Redis } from 'ioredis';
import { DroverError } from '../errors.js';
import { connectRedis } from './redis-connect.js';

function onPath(command: string, path: string | undefined): string | undefined {
  for (const dir of (path ?? '').split(delimiter)) {
    if (dir && existsSync(join(dir, command))) return join(dir, command);
  }
  return undefined;
}

const HOW_TO_GET_REDIS =
  'Install Redis and run it (Debian/Ubuntu: sudo apt-get install redis-server; macOS: brew install redis && brew services start redis), or point REDIS_URL at one.';

/**
 * For `npm start` on a developer's machine: use the local Redis if it answers,
 * otherwise start `redis-server` (in memory only) if it is installed, otherwise
 * say exactly how to get one.
 */
export async function ensureLocalRedis(url: string, pathEnv: string | undefined, log: (line: string) => void): Promise<{ redis: Redis; child?: ChildProcess }> {
  try {
    return { redis: await connectRedis(url, 1500) };
  } catch (first) {
    const u = new URL(url);
    const local = ['127.0.0.1', 'localhost', '::1', '[::1]'].includes(u.hostname);
    const binary = local ? onPath('redis-server', pathEnv) : undefined;
    if (!binary) {
      const message = first instanceof DroverError ? first.message : String(first);
      throw new DroverError('redis_unavailable', `${message}\n${HOW_TO_GET_REDIS}`, { cause: first });
    }
    log(`Redis is not answering at ${u.host}; starting ${binary} on port ${u.port || '6379'} (in memory, stopped with Drover).`);
    const child = spawn(binary, ['--port', u.port || '6379', '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
    const deadline = Date.now() + 10_000;
    for (;;) {
      try {
        return { redis: await connectRedis(url, 1000), child };
      } catch (err) {
        if (Date.now() > deadline || child.exitCode !== null) {
          child.kill();
          throw new DroverError('redis_unavailable', `Started redis-server but it does not answer at ${u.host}. ${HOW_TO_GET_REDIS}`, { cause: err });
        }
        await new Promise((r) => setTimeout(r, 200));
      }
    }
  }
}

/**
 * Stops a redis-server ensureLocalRedis started, and waits for it to exit (at
 * most `timeoutMs`, then SIGKILL): a process that exits first leaves it to be
 * reaped by an init that may never do so (a zombie in many containers).
 */
export async function stopLocalRedis(child: ChildProcess | undefined, timeoutMs = 5000): Promise<void> {
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<'late'>((resolve) => (timer = setTimeout(() => resolve('late'), timeoutMs)));
  if ((await Promise.race([exited, late])) === 'late') {
    child.kill('SIGKILL');
    await exited;
  }
  clearTimeout(timer);
}
