// The benchmark's own redis-server on a free loopback port, so that INFO
// commandstats and INFO cpu count the benchmark's commands alone.
import { Redis } from 'ioredis';
import type { Children, Child } from './children.js';
import { freePort } from './free-port.js';
import { waitFor } from './stats.js';

export interface BenchRedis {
  url: string;
  port: number;
  /** A client for the benchmark's own reads (INFO, counts); its commands are few and counted. */
  client: Redis;
  child: Child;
  stop(): Promise<void>;
}

export async function startRedis(children: Children, dir: string): Promise<BenchRedis> {
  const port = await freePort();
  const child = children.start('redis-server', 'redis-server', [
    '--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir, '--daemonize', 'no',
    // BullMQ's advice for a queue: never evict job keys.
    '--maxmemory-policy', 'noeviction',
    // The fleet part connects thousands of agents (four connections each); Redis lowers this to what its file limit allows.
    '--maxclients', '40000',
  ]);
  const url = `redis://127.0.0.1:${port}`;
  const client = new Redis(url, { maxRetriesPerRequest: null, lazyConnect: true, retryStrategy: () => 200 });
  // Refused connections while it starts, and once it has shut down, are expected.
  client.on('error', () => undefined);
  const up = await waitFor(async () => {
    if (child.hasExited()) throw new Error(`redis-server exited: ${child.logTail()}`);
    try {
      if (client.status !== 'ready') await client.connect();
      return (await client.ping()) === 'PONG';
    } catch {
      return false;
    }
  }, 10_000, 50);
  if (!up) throw new Error(`redis-server did not answer on port ${port} within 10 s: ${child.logTail()}`);
  return {
    url,
    port,
    client,
    child,
    async stop() {
      // SHUTDOWN NOSAVE closes the connection as it answers; the child's stop() is the bounded fallback.
      await Promise.race([client.call('SHUTDOWN', 'NOSAVE').catch(() => undefined), new Promise((r) => setTimeout(r, 2000).unref())]);
      client.disconnect();
      await child.stop(3000);
    },
  };
}
