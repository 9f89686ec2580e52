import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { Command } from 'commander';
import type { Redis } from 'ioredis';
import { registerAgentTokenCommands } from '../../../src/cli/commands/agent-token.js';
import { printer } from '../../../src/cli/output.js';
import { connectRedis } from '../../../src/cli/redis-connect.js';
import { Redactor } from '../../../src/redact/redactor.js';
import { withStore } from '../../../src/cli/store-client.js';
import { DroverError } from '../../../src/errors.js';
import { freePort } from '../../support/free-port.js';
import { startPrivateRedis, type PrivateRedis } from '../../support/redis-server.js';

/** A CA and a server certificate for `localhost` only (not 127.0.0.1), made with openssl. */
function makeCertificates(dir: string): { ca: string; cert: string; key: string; otherCa: string } {
  const ssl = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
  ssl('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'ca.key', '-out', 'ca.crt', '-days', '1', '-subj', '/CN=Drover test CA');
  ssl('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'other.key', '-out', 'other.crt', '-days', '1', '-subj', '/CN=Someone else');
  ssl('req', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'server.key', '-out', 'server.csr', '-subj', '/CN=localhost');
  writeFileSync(join(dir, 'san.ext'), 'subjectAltName=DNS:localhost\n');
  ssl('x509', '-req', '-in', 'server.csr', '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'server.crt', '-days', '1', '-extfile', 'san.ext');
  return { ca: join(dir, 'ca.crt'), cert: join(dir, 'server.crt'), key: join(dir, 'server.key'), otherCa: join(dir, 'other.crt') };
}

describe('Redis over TLS (rediss://) with a private CA', () => {
  let dir: string;
  let certs: ReturnType<typeof makeCertificates>;
  let server: PrivateRedis;
  let tlsPort: number;
  let plainPort: number;
  const opened: Redis[] = [];

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'drover-tls-'));
    certs = makeCertificates(dir);
    tlsPort = await freePort();
    server = await startPrivateRedis(() => ['--tls-port', String(tlsPort), '--tls-cert-file', certs.cert, '--tls-key-file', certs.key, '--tls-ca-cert-file', certs.ca, '--tls-auth-clients', 'no']);
    plainPort = Number(new URL(server.url).port);
  });

  afterAll(async () => {
    for (const r of opened) r.disconnect();
    await server?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('connects with REDIS_CA_FILE, checking the name too', async () => {
    const redis = await connectRedis(`rediss://localhost:${tlsPort}`, 3000, certs.ca);
    opened.push(redis);
    expect(await redis.ping()).toBe('PONG');
    // BullMQ and the cancel subscriber duplicate it: the copy speaks TLS with the same CA.
    const copy = redis.duplicate();
    opened.push(copy);
    expect(await copy.ping()).toBe('PONG');
  });

  it('reaches the CLI through the environment (REDIS_URL, REDIS_CA_FILE)', async () => {
    const env = { REDIS_URL: `rediss://localhost:${tlsPort}`, REDIS_CA_FILE: certs.ca };
    expect(await withStore({ env, cwd: dir }, ({ redis }) => redis.ping())).toBe('PONG');
  });

  it('refuses a server its CA did not sign, saying to set REDIS_CA_FILE, without waiting out the timeout', async () => {
    for (const ca of [undefined, certs.otherCa]) {
      const started = Date.now();
      const err = await connectRedis(`rediss://localhost:${tlsPort}`, 10_000, ca).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(DroverError);
      expect((err as Error).message).toMatch(new RegExp(`^Redis at rediss://localhost:${tlsPort}: certificate not trusted \\(.+\\); set REDIS_CA_FILE`));
      expect(Date.now() - started).toBeLessThan(5000);
    }
  });

  it('refuses a name the certificate does not list', async () => {
    await expect(connectRedis(`rediss://127.0.0.1:${tlsPort}`, 3000, certs.ca)).rejects.toThrow(/certificate is not for this host/);
  });

  it('says when the CA file cannot be read, when it is set for a redis:// URL, and when the port does not speak TLS', async () => {
    await expect(connectRedis(`rediss://localhost:${tlsPort}`, 3000, join(dir, 'missing.pem'))).rejects.toThrow(/REDIS_CA_FILE \(redis.caFile\) .*missing.pem cannot be read/);
    await expect(connectRedis(`redis://localhost:${plainPort}`, 3000, certs.ca)).rejects.toThrow(/REDIS_URL is not rediss:\/\//);
    await expect(connectRedis(`rediss://localhost:${plainPort}`, 1000, certs.ca)).rejects.toThrow(/not answering .*check that the port is the server's TLS port/);
  });

  it('drover agent token create works over TLS and hands the agent a URL and the CA Secret to reach it', async () => {
    const out: string[] = [];
    const env = { REDIS_URL: `rediss://localhost:${tlsPort}`, REDIS_CA_FILE: certs.ca, DROVER_REDIS_PREFIX: 'tls' };
    const deps = { env, cwd: dir, user: 'ops@laptop', stopSignal: new Promise<string>(() => undefined), input: Readable.from([]), interactive: false };
    const program = new Command('drover').exitOverride();
    let code = -1;
    registerAgentTokenCommands(program.command('agent'), { ...deps, output: printer({ out: (l) => out.push(l), err: (l) => out.push(l) }, new Redactor()) }, (c) => (code = c));
    await program.parseAsync(['agent', 'token', 'create', 'store-tls'], { from: 'user' });
    expect(code).toBe(0);
    expect(out).toContain(`  kubectl create secret generic drover-agent-redis-ca --from-file=ca.crt=${certs.ca}`);
    expect(out.find((l) => l.startsWith('  helm install'))).toMatch(/--set agent\.redis\.existingSecret=drover-agent-redis --set agent\.redis\.caSecret=drover-agent-redis-ca --set config\.redis\.prefix=tls$/);
    const agent = await connectRedis(readFileSync(join(dir, 'drover-agent-store-tls.redis-url'), 'utf8'), 3000, certs.ca);
    opened.push(agent);
    expect(await agent.call('ACL', 'WHOAMI')).toBe('drover-agent:tls:store-tls');
  });
});
