/**
 * The central operator's mistakes with `drover agent token create`: a name
 * central workers already serve (a kubeconfig context), names at and past the
 * limits (50 characters, upper case, unicode, globs), on a Redis of the
 * test's own with real ACL users.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { FleetRegistry } from '../../../src/fleet/registry.js';
import { Presence } from '../../../src/jobs/presence.js';
import { drover } from '../../support/cli.js';
import { startPrivateRedis, type PrivateRedis } from '../../support/redis-server.js';

const P = 'opmistakes';
let server: PrivateRedis;
let admin: Redis;
let cwd: string;

function token(args: string[]): Promise<{ code: number; out: string; err: string }> {
  return drover(undefined, ['agent', 'token', ...args], { REDIS_URL: server.url, DROVER_REDIS_PREFIX: P }, cwd);
}

beforeAll(async () => {
  server = await startPrivateRedis();
  admin = new Redis(server.url);
  cwd = mkdtempSync(join(tmpdir(), 'drover-opmistakes-'));
  // A central worker serves the kubeconfig context "prod".
  const presence = new Presence(admin, P);
  await presence.announce({ id: 'w1', clusters: ['prod', 'staging'], defaultCluster: 'prod' } as never, 60_000);
  await presence.withdraw('w1');
});

afterAll(async () => {
  admin?.disconnect();
  await server?.stop();
  rmSync(cwd, { recursive: true, force: true });
});

it('refuses a name central workers serve, unless --take-over: the agent would take its runs and its target locks', async () => {
  const r = await token(['create', 'prod']);
  expect(r.code).toBe(2);
  expect(r.err).toMatch(/Cluster prod is served by central workers .* --take-over/);
  expect(await new FleetRegistry(admin, P).has('prod')).toBe(false);
  expect((await admin.call('ACL', 'LIST')) as string[]).not.toEqual(expect.arrayContaining([expect.stringContaining(`drover-agent:${P}:prod`) as unknown]));
  const taken = await token(['create', 'staging', '--take-over']);
  expect(taken.code).toBe(0);
  expect(await new FleetRegistry(admin, P).has('staging')).toBe(true);
  // Rotating the token of a cluster already taken over needs no flag again.
  expect((await token(['create', 'staging'])).code).toBe(0);
});

it('names: 50 characters work end to end under the ACL; 51, upper case, unicode, globs and separators are refused before Redis is asked', async () => {
  const longest = `s${'x'.repeat(48)}9`;
  expect(longest).toHaveLength(50);
  const made = await token(['create', longest, '--out', join(cwd, 'longest.url')]);
  expect(made.code).toBe(0);
  const { readFileSync } = await import('node:fs');
  const agent = new Redis(readFileSync(join(cwd, 'longest.url'), 'utf8').trim(), { maxRetriesPerRequest: 0 });
  try {
    await agent.hset(`${P}:run:${longest}.r1`, 'state', 'queued');
    await expect(agent.hset(`${P}:run:${longest.slice(0, -1)}.r1`, 'state', 'queued')).rejects.toThrow(/NOPERM/);
  } finally {
    agent.disconnect();
  }
  for (const bad of [`${longest}0`, 'Store-A', 'störe', 'store-*', 'store.a', 'store:a', '-store', 'store-', '']) {
    const r = await token(['create', '--', bad]);
    expect({ bad, code: r.code }).toEqual({ bad, code: 2 });
  }
  const users = (await admin.call('ACL', 'USERS')) as string[];
  expect(users.filter((u) => u.startsWith('drover-agent:')).sort()).toEqual([`drover-agent:${P}:${longest}`, `drover-agent:${P}:staging`].sort());
});
