import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import { DroverError, errorMessage } from '../errors.js';
import { agentUserName, checkFleetClusterName, fleetCancelChannel, fleetNotifyChannel, fleetQueueName, roomPrefix } from './names.js';

/**
 * Characters that would make the prefix more than a literal inside an ACL key
 * or channel pattern (glob syntax), or split the rule (whitespace).
 */
const NOT_LITERAL = /[*?[\]\\\s]/;

function checkPrefix(prefix: string): string {
  if (!prefix || NOT_LITERAL.test(prefix)) {
    throw new DroverError('config_invalid', `The Redis key prefix "${prefix}" cannot confine an agent: it must be non-empty, without spaces, *, ?, [, ] or \\.`);
  }
  return prefix;
}

/**
 * What an agent connection may run, settled against Redis 7.0 with a real
 * BullMQ Worker, Queue and Drover's run store (test/integration/fleet/acl-isolation.test.ts).
 *
 * - The data-type categories: every command in them names its keys, so the
 *   key patterns confine them. SORT is the exception (BY/GET read keys the
 *   command line does not name) and is taken back out.
 * - The key commands BullMQ's scripts and Drover use, by name: not `@keyspace`,
 *   which holds KEYS, SCAN, RANDOMKEY, DBSIZE, FLUSH*, SWAPDB, MOVE, MIGRATE.
 * - Transactions and scripts (scripts are checked command by command and key by
 *   key inside Lua too); SCRIPT LOAD/EXISTS only, no FLUSH/KILL/DEBUG, no FUNCTION.
 * - Pub/sub SUBSCRIBE and PUBLISH (channels confined below), no PSUBSCRIBE, no PUBSUB.
 * - Connection housekeeping: INFO (ioredis's ready check and BullMQ's version
 *   check read it; it shows server counters, not keys or clients), CLIENT
 *   SETNAME/GETNAME/ID/INFO (its own connection only), ACL WHOAMI, TIME (BullMQ's scripts).
 */
const COMMANDS = [
  '-@all',
  '+@string',
  '+@hash',
  '+@list',
  '+@set',
  '+@sortedset',
  '+@stream',
  '-sort',
  '-sort_ro',
  ...['del', 'unlink', 'exists', 'type', 'expire', 'pexpire', 'expireat', 'pexpireat', 'persist', 'ttl', 'pttl', 'touch', 'rename', 'renamenx'].map((c) => `+${c}`),
  ...['multi', 'exec', 'discard', 'watch', 'unwatch'].map((c) => `+${c}`),
  ...['eval', 'evalsha', 'eval_ro', 'evalsha_ro', 'script|load', 'script|exists'].map((c) => `+${c}`),
  ...['subscribe', 'unsubscribe', 'publish'].map((c) => `+${c}`),
  // No RESET (ACLs cannot refuse it anyway: it makes the connection the default user's, which is why that one needs a password).
  ...['ping', 'echo', 'auth', 'select', 'quit', 'time', 'info', 'client|setname', 'client|getname', 'client|id', 'client|info', 'acl|whoami'].map((c) => `+${c}`),
];

/**
 * The rules of an agent cluster's ACL user, after `ACL SETUSER <user> reset on >password`:
 * its keys (`~`), the binding key read-only (`%R~`), its two channels (`&`), its commands.
 * `clientSetinfo`: the server has CLIENT SETINFO (Redis 7.2+), which ioredis sends on
 * every connect to name its library (its own connection only); 7.0 refuses a rule naming it.
 */
export function agentAclRules(prefix: string, cluster: string, options: { clientSetinfo?: boolean } = {}): string[] {
  const p = checkPrefix(prefix);
  const c = checkFleetClusterName(cluster);
  return [
    `~${p}:run:${c}.*`,
    `~${p}:q:${fleetQueueName(c)}:*`,
    `~${p}:lock:${c}:*`,
    `~${roomPrefix(p, c)}:*`,
    `%R~${p}:approvals:binding-key`,
    'resetchannels',
    `&${fleetCancelChannel(p, c)}`,
    `&${fleetNotifyChannel(p)}`,
    ...COMMANDS,
    ...(options.clientSetinfo ? ['+client|setinfo'] : []),
  ];
}

/** Whether the server knows CLIENT SETINFO (an unknown command in an ACL rule is an error). */
async function hasClientSetinfo(redis: Redis): Promise<boolean> {
  const info = (await redis.call('COMMAND', 'INFO', 'client|setinfo').catch(() => [null])) as unknown[];
  return Array.isArray(info) && info[0] !== null && info[0] !== undefined;
}

export interface AgentUser {
  user: string;
  password: string;
  /** True when the user existed: its old password no longer works and its connections were cut. */
  rotated: boolean;
  /** Connections of the old user that were cut (rotation). */
  disconnected: number;
  /** False when Redis has no aclfile: the user lives in memory until Redis restarts (unless CONFIG REWRITE keeps it). */
  persisted: boolean;
}

export interface Revoked {
  user: string;
  existed: boolean;
  /** Connections cut. */
  disconnected: number;
  persisted: boolean;
}

/**
 * Whether Redis's default user is on without a password: then whoever reaches
 * Redis, an agent too, is that user (usually an admin) without any token.
 */
export async function defaultUserOpen(redis: Redis): Promise<boolean> {
  const reply = (await admin('read ACL users', () => redis.call('ACL', 'GETUSER', 'default'))) as unknown[] | null;
  if (!reply) return false;
  const flags = reply[reply.indexOf('flags') + 1];
  return Array.isArray(flags) && flags.includes('on') && flags.includes('nopass');
}

/** Redis's answer when it has no aclfile (ACL SAVE). */
const NO_ACLFILE = /not configured to use an ACL file/i;

/** Runs an admin command, turning "this Redis user may not" into what the operator must change. */
async function admin<T>(what: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (err) {
    const message = errorMessage(err);
    if (/NOPERM/i.test(message)) {
      throw new DroverError(
        'permission_denied',
        `The Redis user of REDIS_URL may not ${what} (${message}). Agent tokens are made with an admin user: point the central REDIS_URL at one (e.g. the default user) for this command.`,
        { cause: err },
      );
    }
    if (/unknown (sub)?command/i.test(message)) {
      throw new DroverError('config_invalid', `This Redis does not support ACL users (${message}); agents need Redis 7 or later with ACLs.`, { cause: err });
    }
    throw err;
  }
}

export async function agentUserExists(redis: Redis, prefix: string, cluster: string): Promise<boolean> {
  const user = agentUserName(checkPrefix(prefix), checkFleetClusterName(cluster));
  return (await admin('read ACL users', () => redis.call('ACL', 'GETUSER', user))) !== null;
}

/**
 * Takes every permission from the user at once (live connections check the
 * user on each command), then cuts its connections. Returns how many were cut.
 */
async function disable(redis: Redis, user: string): Promise<number> {
  await admin('change ACL users', () => redis.call('ACL', 'SETUSER', user, 'reset'));
  return Number(await admin('disconnect clients', () => redis.call('CLIENT', 'KILL', 'USER', user)));
}

/** ACL SAVE when Redis has an aclfile; false when it has none (users then live in memory only). */
async function persist(redis: Redis): Promise<boolean> {
  try {
    await admin('save ACL users', () => redis.call('ACL', 'SAVE'));
    return true;
  } catch (err) {
    if (NO_ACLFILE.test(errorMessage(err))) return false;
    throw err;
  }
}

/**
 * Makes (or, when it exists, rotates) an agent cluster's ACL user. Rotation
 * cuts the old user's connections: the old password stops working at once,
 * not only at the next connect.
 */
export async function createAgentUser(redis: Redis, options: { prefix: string; cluster: string; password?: string }): Promise<AgentUser> {
  agentAclRules(options.prefix, options.cluster); // names checked before Redis is asked anything
  const rules = agentAclRules(options.prefix, options.cluster, { clientSetinfo: await hasClientSetinfo(redis) });
  const user = agentUserName(options.prefix, options.cluster);
  const password = options.password ?? randomBytes(32).toString('hex');
  if (!password) throw new DroverError('params_invalid', 'An agent password cannot be empty.');
  const rotated = await agentUserExists(redis, options.prefix, options.cluster);
  const disconnected = rotated ? await disable(redis, user) : 0;
  await admin('create ACL users', () => redis.call('ACL', 'SETUSER', user, 'reset', 'on', `>${password}`, ...rules));
  return { user, password, rotated, disconnected, persisted: await persist(redis) };
}

/** Deletes an agent cluster's ACL user and cuts its connections. */
export async function revokeAgentUser(redis: Redis, prefix: string, cluster: string): Promise<Revoked> {
  const user = agentUserName(checkPrefix(prefix), checkFleetClusterName(cluster));
  const existed = await agentUserExists(redis, prefix, cluster);
  if (!existed) return { user, existed, disconnected: 0, persisted: true };
  const disconnected = await disable(redis, user);
  // DELUSER cuts connections too (Redis 7); the kill above counts them and closes the gap before it.
  await admin('delete ACL users', () => redis.call('ACL', 'DELUSER', user));
  return { user, existed, disconnected, persisted: await persist(redis) };
}
