/**
 * The bundled Redis as the real Helm renders it: a maxmemory that Redis can
 * read, that sits below the container's memory limit (else the kernel kills
 * Redis before it refuses a write) and that holds the audit log Drover keeps
 * there (else Redis fills and refuses every write), and a password that never appears
 * on Redis's command line. The rendered start-up script is run for real
 * (this machine's sh and redis-server, which reads `-` as Valkey does).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { freePort } from '../../support/free-port.js';
import { helmBinary } from '../../support/helm.js';
import { waitFor } from '../../support/wait-for.js';
import { one, render, type Container, type Workload } from './objects.js';

const redisContainer = async (...values: object[]): Promise<Container> =>
  one<Workload>(await render(...values), 'StatefulSet', 'ops-drover-redis').spec.template.spec.containers[0]!;

const redisArgs = async (...values: object[]) => {
  const c = await redisContainer(...values);
  return [...(c.command ?? []), ...(c.args ?? [])].join(' ');
};

describe('Helm chart helm/drover: the bundled Redis', () => {
  beforeAll(() => helmBinary(), 300_000);

  it('refuses a maxmemory at or above the memory limit, in any of the units Redis reads', async () => {
    // A small Redis, with an audit log that fits it.
    const small = { redis: { resources: { limits: { memory: '512Mi' } } }, config: { audit: { maxLength: 100000 } } };
    for (const maxmemory of ['2gb', '512mb', '1G', 536870912, '536870912']) {
      await expect(render(small, { redis: { maxmemory } })).rejects.toThrow(
        `redis.maxmemory ${maxmemory} is not below redis.resources.limits.memory 512Mi: the container would be OOM-killed before Redis refuses writes`,
      );
    }
    // 0 is "no limit" to Redis; a word is a Redis that does not start.
    await expect(render({ redis: { maxmemory: 0 } })).rejects.toThrow("at '/redis/maxmemory': minimum: got 0, want 1");
    await expect(render({ redis: { maxmemory: 'lots' } })).rejects.toThrow("at '/redis/maxmemory'");
    expect(await redisArgs(small, { redis: { maxmemory: '400MB' } })).toContain('--maxmemory 400MB');
  });

  it('refuses a Redis too small for the audit log it keeps (config.audit.maxLength events, about 0.5 KB each)', async () => {
    // Drover keeps 1,000,000 audit events by default (about 430 MB measured): they must fit in 60% of maxmemory.
    expect(await redisArgs()).toContain(`--maxmemory ${Math.floor(1024 * 1024 * 1024 * 0.8)}`);
    await expect(render({ redis: { resources: { limits: { memory: '512Mi' } } } })).rejects.toThrow(
      "The bundled Redis's maxmemory (429 MB) cannot hold the audit log: config.audit.maxLength 1000000 events take about 500 MB",
    );
    await expect(render({ config: { audit: { maxLength: 2000000 } } })).rejects.toThrow('config.audit.maxLength 2000000 events take about 1000 MB');
    await expect(render({ redis: { maxmemory: '300mb' } })).rejects.toThrow("maxmemory (314 MB) cannot hold the audit log");
    // Either way out: fewer events, or more memory.
    await expect(render({ redis: { resources: { limits: { memory: '512Mi' } } }, config: { audit: { maxLength: 200000 } } })).resolves.toBeDefined();
    await expect(render({ redis: { resources: { limits: { memory: '4Gi' } } }, config: { audit: { maxLength: 2000000 } } })).resolves.toBeDefined();
    // An external Redis is yours to size.
    await expect(render({ redis: { external: { url: 'redis://redis.example.com:6379' }, resources: { limits: { memory: '64Mi' } } } })).resolves.toBeDefined();
  });

  it('writes a maxmemory given as a number as Redis reads it, not in exponent form', async () => {
    // Helm reads numbers in values files as floats: 300000000 once rendered as 3e+08, which Redis refuses.
    expect(await redisArgs({ redis: { maxmemory: 900000000 } })).toContain('--maxmemory 900000000');
    expect(await redisArgs({ redis: { resources: { limits: { memory: 2147483648 } } } })).toContain(`--maxmemory ${Math.floor(2147483648 * 0.8)}`);
  });

  it('passes the password on standard input: not in the pod spec, not on the command line, and Redis requires it', async () => {
    const container = await redisContainer({ redis: { maxmemory: '64mb' }, config: { audit: { maxLength: 10000 } } });
    expect(container.command).toEqual(['/bin/sh', '-c']);
    const script = container.args?.[0] ?? '';
    expect(JSON.stringify(container)).not.toContain('$(REDIS_PASSWORD)');
    expect(script).toContain('exec valkey-server - ');
    // This machine has Redis, not Valkey: the same script, on a free port and a scratch directory.
    const port = await freePort();
    const dir = await mkdtemp(join(tmpdir(), 'drover-chart-redis-'));
    const local = script.replace('exec valkey-server - ', `exec redis-server - --port ${port} --bind 127.0.0.1 --dir ${dir} `);
    expect(local).not.toBe(script);
    const password = 'chart-test-password-0123456789';
    const child: ChildProcess = spawn('/bin/sh', ['-c', local], { env: { PATH: '/usr/local/bin:/usr/bin:/bin', REDIS_PASSWORD: password }, stdio: 'ignore' });
    const client = new Redis({ host: '127.0.0.1', port, password, lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
    client.on('error', () => undefined);
    try {
      await waitFor(async () => client.connect().then(() => true, () => false), `redis-server from the chart's script on port ${port}`, 10_000);
      expect(await client.ping()).toBe('PONG');
      expect(await client.config('GET', 'maxmemory')).toEqual(['maxmemory', String(64 * 1024 * 1024)]);
      expect(await client.config('GET', 'appendonly')).toEqual(['appendonly', 'yes']);
      // exec: the shell became Redis (PID 1 in the pod, so it gets SIGTERM), and its arguments hold no password.
      const cmdline = (await readFile(`/proc/${child.pid}/cmdline`, 'utf8')).replaceAll('\0', ' ');
      expect(cmdline).toMatch(/^redis-server /);
      expect(cmdline).not.toContain(password);
      const anonymous = new Redis({ host: '127.0.0.1', port, lazyConnect: true, enableReadyCheck: false, maxRetriesPerRequest: 0, retryStrategy: () => null });
      anonymous.on('error', () => undefined);
      await anonymous.connect();
      await expect(anonymous.ping()).rejects.toThrow(/NOAUTH/);
      anonymous.disconnect();
    } finally {
      client.disconnect();
      const exited = new Promise<void>((resolve) => (child.exitCode !== null ? resolve() : child.once('exit', () => resolve())));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
      await rm(dir, { recursive: true, force: true });
    }
  }, 30_000);
});
