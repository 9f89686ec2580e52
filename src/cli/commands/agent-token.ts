import { chmodSync, statSync, writeFileSync } from 'node:fs';
import { isAbsolute, relative, resolve } from 'node:path';
import type { Command } from 'commander';
import type { Redis } from 'ioredis';
import type { Config } from '../../config/schema.js';
import { DroverError, errorMessage } from '../../errors.js';
import type { CommandDeps } from '../deps.js';
import { EXIT } from '../output.js';
import { configFrom } from '../config-from.js';

const collect = (value: string, previous: string[]): string[] => [...previous, value];

/** The Secret and values the chart's agent mode reads (helm/drover values `agent.redis.*`). */
const SECRET = 'drover-agent-redis';
const CA_SECRET = 'drover-agent-redis-ca';

const CREATE_HELP = `
Makes the cluster's Redis ACL user (its runs, its queue, its locks and its room only) and registers
the cluster centrally with its labels. Run again for the same cluster to rotate the password (the
old one stops working at once, its connections are cut) or after the cluster was rebuilt; labels
are replaced only when given. Needs an admin Redis user in REDIS_URL (one allowed ACL SETUSER).

The agent's REDIS_URL, password included, is written to a file (mode 600; default
./drover-agent-CLUSTER.redis-url) and shown nowhere else: the terminal only ever gets redacted text.
--out /dev/stdout prints it alone on stdout (the rest goes to stderr), e.g. to pipe into kubectl.

Example:
  drover agent token create store-eu-1 --label region=eu --label tier=store --agent-redis-url rediss://redis.example.com:6380`;

/** The URL an agent connects with: where from `base`, who and how from the agent user. */
export function agentRedisUrl(base: string, user: string, password: string): string {
  const u = new URL(base);
  if (u.protocol !== 'redis:' && u.protocol !== 'rediss:') throw new DroverError('params_invalid', `--agent-redis-url must be a redis:// or rediss:// URL, not ${u.protocol}//.`);
  u.username = user; // percent-encoded by URL (the user name holds colons); ioredis decodes it
  u.password = password;
  return u.toString().replace(/\/$/, '');
}

function shown(url: string): string {
  const u = new URL(url);
  return `${u.protocol}//${u.username}:<password>@${u.host}${u.pathname === '/' ? '' : u.pathname}`;
}

/** Writes the URL, password included, readable by its owner only. */
function writeSecret(path: string, url: string): void {
  writeFileSync(path, url, { mode: 0o600 });
  // An existing file keeps its mode through writeFileSync; a device (/dev/stdout) has none of ours to set.
  if (statSync(path).isFile()) chmodSync(path, 0o600);
}

async function withAdminRedis<T>(config: Config, fn: (redis: Redis) => Promise<T>): Promise<T> {
  const { connectRedis } = await import('../redis-connect.js');
  const redis = await connectRedis(config.redis.url, undefined, config.redis.caFile);
  try {
    return await fn(redis);
  } finally {
    await redis.quit().catch(() => undefined);
  }
}

/** What to tell the operator when Redis keeps ACL users in memory only. */
function persistenceWarning(persisted: boolean, change: 'made' | 'deleted'): string | undefined {
  if (persisted) return undefined;
  const lost =
    change === 'made' ? 'this user is gone when Redis restarts (its agents then fail to authenticate)' : 'a restart brings back the users last saved in its configuration';
  return `Warning: this Redis has no aclfile: ACL users live in memory, so ${lost}. Set aclfile in its configuration (users are then saved at once), or run CONFIG REWRITE now if it was started with a configuration file.`;
}

interface CreateOptions {
  label: string[];
  takeOver?: boolean;
  agentRedisUrl?: string;
  redisUrlForAgents?: string;
  out?: string;
}

export function registerAgentTokenCommands(agent: Command, deps: CommandDeps, setExit: (code: number) => void): void {
  const token = agent.command('token').description("Agent clusters' Redis credentials: create (or rotate), revoke, list");

  token
    .command('create <cluster>')
    .description("Make (or rotate) an agent cluster's Redis ACL user, register the cluster, and write the agent's REDIS_URL")
    .option('-l, --label <key=value>', 'a label fleet operations select the cluster by (repeatable, or comma-separated)', collect, [])
    .option('--agent-redis-url <url>', "the central Redis as agents reach it (rediss://HOST:PORT); default: REDIS_URL's address")
    .option('--redis-url-for-agents <url>', 'the same as --agent-redis-url')
    .option('--take-over', 'the cluster is one central workers serve (a kubeconfig context of that name): its runs and target locks go to the agent from now on')
    .option('-o, --out <file>', "where the agent's REDIS_URL (with its password) is written; default ./drover-agent-CLUSTER.redis-url")
    .addHelpText('after', CREATE_HELP)
    .action(async (cluster: string, opts: CreateOptions) => {
      const [{ checkFleetClusterName }, { parseLabelSet }, { createAgentUser, defaultUserOpen }, { FleetRegistry }] = await Promise.all([
        import('../../fleet/names.js'),
        import('../../fleet/rollout/selector.js'),
        import('../../fleet/acl.js'),
        import('../../fleet/registry.js'),
      ]);
      checkFleetClusterName(cluster);
      let labels: Record<string, string> | undefined;
      try {
        labels = opts.label.length ? parseLabelSet(opts.label) : undefined;
      } catch (err) {
        deps.output.err(`error: --label: ${errorMessage(err)}`);
        return setExit(EXIT.usage);
      }
      const config = configFrom(deps);
      const base = opts.agentRedisUrl ?? opts.redisUrlForAgents ?? config.redis.url;
      agentRedisUrl(base, 'check', 'check'); // a bad URL stops us before any user is made
      const outPath = resolve(deps.cwd, opts.out ?? `drover-agent-${cluster}.redis-url`);
      const toStdout = outPath === '/dev/stdout';
      const say = (line: string) => (toStdout ? deps.output.err(line) : deps.output.out(line));

      const { made, url, entry, open } = await withAdminRedis(config, async (redis) => {
        const prefix = config.redis.prefix;
        const registry = new FleetRegistry(redis, prefix);
        // A name central workers serve: the agent would take that cluster's runs and its target locks (<prefix>:lock:<name>:*).
        // (A REDIS_URL user that may not read them may not make ACL users either: it is told so just below.)
        if (!opts.takeOver && !(await registry.has(cluster).catch(() => true))) {
          const { Presence } = await import('../../jobs/presence.js');
          const known = await new Presence(redis, prefix).known().catch(() => ({ names: [] as string[] }));
          if (known.names.includes(cluster)) {
            throw new DroverError(
              'params_invalid',
              `Cluster ${cluster} is served by central workers (a kubeconfig context of that name): an agent cluster of the same name would take its runs, and its agent the target locks the workers hold there. Pick another name, or pass --take-over if this agent replaces those workers for it.`,
            );
          }
        }
        // The ACL user first: a REDIS_URL user that may not make one is told so before anything changes.
        const made = await createAgentUser(redis, { prefix, cluster });
        const previous = await registry.get(cluster);
        const entry = { name: cluster, labels: labels ?? previous?.labels ?? {}, createdAt: previous?.createdAt ?? new Date().toISOString(), user: made.user };
        await registry.register(entry);
        return { made, url: agentRedisUrl(base, made.user, made.password), entry, open: await defaultUserOpen(redis) };
      });
      writeSecret(outPath, url);

      const file = isAbsolute(opts.out ?? '') ? outPath : relative(deps.cwd, outPath) || outPath;
      const labelText = Object.entries(entry.labels).map(([k, v]) => `${k}=${v}`).join(',') || 'none';
      say(`Agent cluster ${cluster} registered (labels: ${labelText}); Redis key prefix ${config.redis.prefix}.`);
      say(
        made.rotated
          ? `ACL user ${made.user}: new password; the old one no longer works (${made.disconnected} connection(s) cut). Update the agent's Secret and restart it.`
          : `ACL user ${made.user} created.`,
      );
      say(`Agent REDIS_URL: ${shown(url)}`);
      say(toStdout ? 'The URL with its password went to stdout, nowhere else.' : `The URL with its password is in ${file} (mode 600) and nowhere else: delete it once the Secret exists.`);
      const tls = url.startsWith('rediss://');
      if (!tls) say("Warning: the agent's URL is redis:// (no TLS): its password and runs would cross the network in clear. Pass --agent-redis-url rediss://HOST:PORT.");
      if (!opts.agentRedisUrl && !opts.redisUrlForAgents) say(`Note: built from this REDIS_URL's address (${new URL(url).host}); if agents reach Redis at another address, pass --agent-redis-url.`);
      const caFile = tls ? config.redis.caFile : undefined;
      say(`Install it in cluster ${cluster} (kubectl's context set to it):`);
      const secretFrom = toStdout ? `--from-file=url=FILE_WITH_THE_URL` : `--from-file=url=${file}`;
      say(`  kubectl create secret generic ${SECRET} ${secretFrom}${made.rotated ? ' --dry-run=client -o yaml | kubectl apply -f -' : ''}`);
      if (caFile) say(`  kubectl create secret generic ${CA_SECRET} --from-file=ca.crt=${caFile}`);
      say(
        `  helm ${made.rotated ? 'upgrade --install' : 'install'} drover-agent helm/drover -f central-policy.yaml --set mode=agent --set agent.cluster=${cluster} --set agent.redis.existingSecret=${SECRET}${caFile ? ` --set agent.redis.caSecret=${CA_SECRET}` : ''}${config.redis.prefix === 'drover' ? '' : ` --set config.redis.prefix=${config.redis.prefix}`}`,
      );
      // Without a policy the agent denies every run, and its ServiceAccount gets no permission (the chart derives RBAC from it).
      say("  (central-policy.yaml: the central release's `policy:` values; the agent checks every run against it again and its RBAC follows it: docs/agents.md)");
      const warning = persistenceWarning(made.persisted, 'made');
      if (warning) deps.output.err(warning);
      if (open) {
        deps.output.err(
          "Warning: Redis's default user needs no password, so anyone who reaches Redis (an agent too, without its token) has the default user's rights. Give it a password (requirepass, or ACL SETUSER default >PASSWORD) and use that in the central REDIS_URL.",
        );
      }
      setExit(EXIT.ok);
    });

  token
    .command('revoke <cluster>')
    .description("Delete an agent cluster's ACL user (its agents are cut off at once) and its registration")
    .option('--keep-registration', 'keep the cluster registered (its runs then wait for, or fail without, an agent)')
    .action(async (cluster: string, opts: { keepRegistration?: boolean }) => {
      const [{ checkFleetClusterName }, { revokeAgentUser }, { FleetRegistry }, { failRevokedRuns }] = await Promise.all([
        import('../../fleet/names.js'),
        import('../../fleet/acl.js'),
        import('../../fleet/registry.js'),
        import('../../fleet/revoked-runs.js'),
      ]);
      checkFleetClusterName(cluster);
      const config = configFrom(deps);
      await withAdminRedis(config, async (redis) => {
        const registry = new FleetRegistry(redis, config.redis.prefix);
        const registered = await registry.has(cluster);
        const revoked = await revokeAgentUser(redis, config.redis.prefix, cluster);
        if (!registered && !revoked.existed) {
          const names = (await registry.list()).map((c) => c.name);
          deps.output.err(`error: no agent cluster ${cluster}: ${names.length ? `registered are ${names.join(', ')}` : 'none is registered'}.`);
          return setExit(EXIT.failed);
        }
        const removed = registered && !opts.keepRegistration ? await registry.remove(cluster) : false;
        const user = revoked.existed ? `ACL user ${revoked.user} deleted, ${revoked.disconnected} connection(s) cut` : `it had no ACL user (${revoked.user})`;
        const registration = removed ? 'registration removed' : registered ? 'still registered (--keep-registration)' : 'it was not registered';
        deps.output.out(`Revoked agent cluster ${cluster}: ${user}; ${registration}.`);
        // Unregistered, its unended runs would wait for ever: nothing looks at its queue any more.
        // Keyed as the serving processes key the chain: an unkeyed event after keyed ones would break its verification.
        const [{ auditKeyFrom }, { Redactor }, { readFileSync }] = await Promise.all([import('../../audit/audit-key.js'), import('../../redact/redactor.js'), import('node:fs')]);
        const auditKey = auditKeyFrom(config.audit, (path) => readFileSync(path, 'utf8'));
        const failed = removed
          ? await failRevokedRuns({ redis, prefix: config.redis.prefix, cluster, retentionMs: config.jobs.retention, redactor: new Redactor(config.redaction.patterns), ...(auditKey ? { auditKey } : {}) })
          : [];
        if (failed.length) deps.output.out(`${failed.length} run(s) it had not finished failed (cluster_unreachable): ${failed.slice(0, 20).join(', ')}${failed.length > 20 ? ', …' : ''}.`);
        const warning = revoked.existed ? persistenceWarning(revoked.persisted, 'deleted') : undefined;
        if (warning) deps.output.err(warning);
        setExit(EXIT.ok);
      });
    });

  token
    .command('list')
    .description('The registered agent clusters, their labels, and whether their ACL user exists')
    .option('--json', 'print JSON')
    .action(async (opts: { json?: boolean }) => {
      const [{ FleetRegistry }, { agentUserName }, { labelsText }] = await Promise.all([import('../../fleet/registry.js'), import('../../fleet/names.js'), import('../../fleet/cluster-text.js')]);
      const config = configFrom(deps);
      await withAdminRedis(config, async (redis) => {
        const prefix = config.redis.prefix;
        const clusters = await new FleetRegistry(redis, prefix).list();
        // Reading ACL users takes an admin user; the registry alone is still worth showing.
        const users = await redis.call('ACL', 'USERS').then(
          (u) => new Set(u as string[]),
          () => undefined,
        );
        const rows = clusters.map((c) => ({ ...c, aclUser: users ? users.has(c.user) : undefined }));
        const ours = agentUserName(prefix, '');
        const orphans = users ? [...users].filter((u) => u.startsWith(ours) && !clusters.some((c) => c.user === u)).sort() : [];
        if (opts.json) return deps.output.out(JSON.stringify({ clusters: rows, unregisteredUsers: orphans }, null, 2));
        if (!rows.length) deps.output.out('No agent cluster is registered (`drover agent token create NAME`).');
        else {
          const table = [['CLUSTER', 'ACL USER', 'EXISTS', 'LABELS', 'REGISTERED'], ...rows.map((r) => [r.name, r.user, r.aclUser === undefined ? '?' : r.aclUser ? 'yes' : 'NO', labelsText(r.labels), r.createdAt])];
          const widths = table[0]!.map((_, i) => Math.max(...table.map((row) => row[i]!.length)));
          for (const row of table) deps.output.out(row.map((cell, i) => cell.padEnd(widths[i]!)).join('  ').trimEnd());
        }
        if (!users) deps.output.err("Note: REDIS_URL's user may not list ACL users; EXISTS is unknown (?).");
        if (rows.some((r) => r.aclUser === false)) deps.output.err('Clusters whose ACL user is missing (NO) have no agent able to connect: `drover agent token create NAME` makes it again.');
        if (orphans.length) deps.output.err(`ACL users of unregistered clusters: ${orphans.join(', ')} (\`drover agent token revoke NAME\` deletes them).`);
        setExit(EXIT.ok);
      });
    });
}
