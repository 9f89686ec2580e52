import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { createAgentUser } from '../../../src/fleet/acl.js';
import { FleetRegistry } from '../../../src/fleet/registry.js';
import { drover } from '../../support/cli.js';
import { startPrivateRedis, type PrivateRedis } from '../../support/redis-server.js';

// Its own redis-server: the ACL users made here must not reach the shared Redis.
const P = `tok${randomBytes(3).toString('hex')}`;
let server: PrivateRedis;
let admin: Redis;
let cwd: string;
const opened: Redis[] = [];

/** `drover agent token …` in-process through the real CLI (output through the redactor, a DroverError as `error: …`). */
function token(args: string[], env: Record<string, string> = {}) {
  return drover(undefined, ['agent', 'token', ...args], { REDIS_URL: server.url, DROVER_REDIS_PREFIX: P, ...env }, cwd);
}

async function connectWith(url: string): Promise<Redis | string> {
  const redis = new Redis(url, { maxRetriesPerRequest: 0, retryStrategy: () => null, lazyConnect: true });
  const errors: string[] = [];
  redis.on('error', (e: Error) => errors.push(e.message));
  opened.push(redis);
  try {
    await redis.connect();
    return redis;
  } catch (e) {
    return [...errors, (e as Error).message].join('; ');
  }
}

beforeAll(async () => {
  server = await startPrivateRedis();
  admin = new Redis(server.url);
  cwd = mkdtempSync(join(tmpdir(), 'drover-token-'));
});

afterAll(async () => {
  for (const r of opened) if (r.status !== 'end') r.disconnect();
  admin?.disconnect();
  await server?.stop();
  rmSync(cwd, { recursive: true, force: true });
});

describe('drover agent token', () => {
  let firstUrl: string;

  it('create makes the ACL user, registers the cluster with its labels, and writes the URL to a file the terminal never shows', async () => {
    const r = await token(['create', 'store-a', '--label', 'region=eu', '--label', 'tier=store']);
    expect(r.code).toBe(0);
    const file = join(cwd, 'drover-agent-store-a.redis-url');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    firstUrl = readFileSync(file, 'utf8');
    const url = new URL(firstUrl);
    const password = decodeURIComponent(url.password);
    expect(password).toMatch(/^[0-9a-f]{64}$/);
    expect(decodeURIComponent(url.username)).toBe(`drover-agent:${P}:store-a`);
    expect(`${r.out}\n${r.err}`).not.toContain(password);

    expect(r.out).toContain(`Agent cluster store-a registered (labels: region=eu,tier=store); Redis key prefix ${P}.`);
    expect(r.out).toContain(`ACL user drover-agent:${P}:store-a created.`);
    expect(r.out).toContain('  kubectl create secret generic drover-agent-redis --from-file=url=drover-agent-store-a.redis-url');
    expect(r.out).toContain(`  helm install drover-agent helm/drover -f central-policy.yaml --set mode=agent --set agent.cluster=store-a --set agent.redis.existingSecret=drover-agent-redis --set config.redis.prefix=${P}`);
    // Without the central policy the agent denies every run and gets no RBAC: the line says where it comes from.
    expect(r.out).toMatch(/central-policy\.yaml: the central release's `policy:` values/);
    expect(r.out).toMatch(/Warning: the agent's URL is redis:\/\/ \(no TLS\)/);
    expect(r.err).toMatch(/no aclfile: ACL users live in memory/);
    // This test's Redis is a fresh one: its default user has no password.
    expect(r.err).toMatch(/Warning: Redis's default user needs no password/);

    expect(await new FleetRegistry(admin, P).get('store-a')).toMatchObject({ name: 'store-a', labels: { region: 'eu', tier: 'store' }, user: `drover-agent:${P}:store-a` });
    const agent = await connectWith(firstUrl);
    if (typeof agent === 'string') throw new Error(agent);
    expect(await agent.call('ACL', 'WHOAMI')).toBe(`drover-agent:${P}:store-a`);
    await expect(agent.hgetall(`${P}:fleet:clusters`)).rejects.toThrow(/NOPERM/);
  });

  it('builds the URL from --agent-redis-url, keeping its scheme, address and database', async () => {
    const r = await token(['create', 'store-tls', '--agent-redis-url', 'rediss://redis.example.com:6380/2', '--out', 'tls.url']);
    expect(r.code).toBe(0);
    const url = new URL(readFileSync(join(cwd, 'tls.url'), 'utf8'));
    expect([url.protocol, url.host, url.pathname, decodeURIComponent(url.username)]).toEqual(['rediss:', 'redis.example.com:6380', '/2', `drover-agent:${P}:store-tls`]);
    expect(r.out).toContain('--from-file=url=tls.url');
    expect(r.out).not.toMatch(/no TLS|Note: built from/);
  });

  it('create again rotates: the old password is cut off at once, labels stay unless given, and a rebuilt cluster needs no cleanup', async () => {
    const old = await connectWith(firstUrl);
    if (typeof old === 'string') throw new Error(old);
    const cut = new Promise<void>((resolve) => old.once('end', () => resolve()));

    const r = await token(['create', 'store-a']);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/ACL user drover-agent:\S+:store-a: new password; the old one no longer works \(\d+ connection\(s\) cut\)/);
    expect(r.out).toContain('kubectl create secret generic drover-agent-redis --from-file=url=drover-agent-store-a.redis-url --dry-run=client -o yaml | kubectl apply -f -');
    await cut;
    expect(await connectWith(firstUrl)).toMatch(/WRONGPASS/);
    const rotated = readFileSync(join(cwd, 'drover-agent-store-a.redis-url'), 'utf8');
    expect(rotated).not.toBe(firstUrl);
    expect(typeof (await connectWith(rotated))).not.toBe('string');
    expect((await new FleetRegistry(admin, P).get('store-a'))?.labels).toEqual({ region: 'eu', tier: 'store' });

    await token(['create', 'store-a', '--label', 'region=us']);
    expect((await new FleetRegistry(admin, P).get('store-a'))?.labels).toEqual({ region: 'us' });
  });

  it('list shows each cluster, its labels and whether its ACL user exists, and ACL users nobody registered', async () => {
    await createAgentUser(admin, { prefix: P, cluster: 'ghost' });
    await admin.call('ACL', 'DELUSER', `drover-agent:${P}:store-tls`);
    const r = await token(['list']);
    expect(r.code).toBe(0);
    const lines = r.out.split('\n');
    expect(lines[0]).toMatch(/^CLUSTER\s+ACL USER\s+EXISTS\s+LABELS\s+REGISTERED$/);
    expect(lines.find((l) => l.startsWith('store-a '))).toMatch(new RegExp(`^store-a\\s+drover-agent:${P}:store-a\\s+yes\\s+region=us\\s+\\d{4}-`));
    expect(lines.find((l) => l.startsWith('store-tls '))).toMatch(/\sNO\s/);
    expect(r.err).toContain(`ACL users of unregistered clusters: drover-agent:${P}:ghost`);
    const json = JSON.parse((await token(['list', '--json'])).out) as { clusters: Array<{ name: string; aclUser: boolean }> };
    expect(json.clusters.map((c) => [c.name, c.aclUser])).toEqual([
      ['store-a', true],
      ['store-tls', false],
    ]);
  });

  it('revoke cuts the agent off, says how many connections, and removes the registration unless kept', async () => {
    const live = await connectWith(readFileSync(join(cwd, 'drover-agent-store-a.redis-url'), 'utf8'));
    if (typeof live === 'string') throw new Error(live);
    const cut = new Promise<void>((resolve) => live.once('end', () => resolve()));
    const r = await token(['revoke', 'store-a']);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(new RegExp(`^Revoked agent cluster store-a: ACL user drover-agent:${P}:store-a deleted, [1-9]\\d* connection\\(s\\) cut; registration removed\\.$`));
    await cut;
    expect(await new FleetRegistry(admin, P).has('store-a')).toBe(false);

    const kept = await token(['revoke', 'store-tls', '--keep-registration']);
    expect(kept.out).toContain('still registered (--keep-registration)');
    expect(await new FleetRegistry(admin, P).has('store-tls')).toBe(true);
    expect((await token(['revoke', 'ghost'])).out).toContain('it was not registered');
  });

  it('revoke of an unknown cluster fails with the registered ones; a bad name or label is a usage error', async () => {
    const r = await token(['revoke', 'nope']);
    expect(r).toMatchObject({ code: 1, err: 'error: no agent cluster nope: registered are store-tls.' });
    expect(await token(['create', 'Store_A'])).toMatchObject({ code: 2, err: expect.stringMatching(/Invalid agent cluster name "Store_A"/) as unknown });
    expect(await token(['create', 'store-c', '--label', 'oops'])).toMatchObject({ code: 2, err: expect.stringMatching(/--label: Invalid label "oops": a label is set as key=value/) as unknown });
    expect(existsSync(join(cwd, 'drover-agent-store-c.redis-url'))).toBe(false);
  });

  it('a REDIS_URL user that may not manage ACL users is told the central REDIS_URL needs an admin user, and nothing changes', async () => {
    const agentUrl = readFileSync(join(cwd, 'tls.url'), 'utf8');
    const made = await createAgentUser(admin, { prefix: P, cluster: 'weak' });
    const weak = `redis://${encodeURIComponent(made.user)}:${made.password}@127.0.0.1:${new URL(server.url).port}`;
    const r = await token(['create', 'store-d'], { REDIS_URL: weak });
    expect(r.code).toBe(7);
    expect(r.err).toMatch(/^error: The Redis user of REDIS_URL may not read ACL users \(NOPERM.*\)\. Agent tokens are made with an admin user: point the central REDIS_URL at one/);
    expect(await new FleetRegistry(admin, P).has('store-d')).toBe(false);
    expect(agentUrl).toContain('redis.example.com');
  });
});
