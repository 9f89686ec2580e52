/**
 * What an agent's ACL user can do with the commands it is allowed, used in
 * ways Drover does not: scripts that reach for other keys or commands, SORT's
 * GET/BY patterns, channels, renames out of its room, ACL and introspection.
 * Each must be refused by Redis itself (real redis-server, real ACL user).
 */
import { Redis } from 'ioredis';
import { createAgentUser } from '../../../src/fleet/acl.js';
import { startPrivateRedis, type PrivateRedis } from '../../support/redis-server.js';

/** How Redis 7 words a refusal: NOPERM for a command, "can't access" / "no permissions" inside a script. */
const DENIED = /NOPERM|No permissions|can't (access|run|publish)/i;
const P = 'cmdattack';
const C = 'store-x';
let server: PrivateRedis;
let admin: Redis;
let agent: Redis;

beforeAll(async () => {
  server = await startPrivateRedis();
  admin = new Redis(server.url);
  const made = await createAgentUser(admin, { prefix: P, cluster: C });
  agent = new Redis(server.url, { username: made.user, password: made.password, maxRetriesPerRequest: 0 });
  await admin.set(`${P}:audit:head`, 'secret-head');
  await admin.hset(`${P}:run:store-y.r1`, { state: 'queued', cluster: 'store-y' });
  await admin.set(`${P}:approvals:binding-key`, 'k');
  await agent.rpush(`${P}:run:${C}.r1:changes`, 'a', 'b');
});

afterAll(async () => {
  agent?.disconnect();
  admin?.disconnect();
  await server?.stop();
});

it('a script runs with the agent’s rights: keys, commands and channels outside them are refused inside EVAL too', async () => {
  const own = `${P}:run:${C}.r1`;
  // Declaring its own key and touching another.
  await expect(agent.eval(`return redis.call('GET', ARGV[1])`, 1, own, `${P}:audit:head`)).rejects.toThrow(DENIED);
  await expect(agent.eval(`return redis.call('HSET', ARGV[1], 'state', 'failed')`, 1, own, `${P}:run:store-y.r1`)).rejects.toThrow(DENIED);
  await expect(agent.eval(`return redis.call('KEYS', '*')`, 0)).rejects.toThrow(DENIED);
  await expect(agent.eval(`return redis.call('FLUSHALL')`, 0)).rejects.toThrow(DENIED);
  await expect(agent.eval(`return redis.call('PUBLISH', ARGV[1], 'r1')`, 0, `${P}:cancel:store-y`)).rejects.toThrow(DENIED);
  await expect(agent.eval(`return redis.call('SET', ARGV[1], 'x')`, 0, `${P}:approvals:binding-key`)).rejects.toThrow(DENIED);
  expect(await admin.hget(`${P}:run:store-y.r1`, 'state')).toBe('queued');
  expect(await admin.get(`${P}:approvals:binding-key`)).toBe('k');
});

it('SORT with GET/BY patterns (which read any key) is refused; RENAME and the stream commands stay in its room', async () => {
  const own = `${P}:run:${C}.r1:changes`;
  await expect(agent.sort(own, 'BY', 'nosort', 'GET', `${P}:audit:*`)).rejects.toThrow(DENIED);
  await expect(agent.sort(own, 'BY', `${P}:audit:*`)).rejects.toThrow(DENIED);
  await expect(agent.rename(own, `${P}:runs`)).rejects.toThrow(/NOPERM/);
  await expect(agent.xadd(`${P}:audit`, '*', 'e', '{}')).rejects.toThrow(/NOPERM/);
  await expect(agent.call('ACL', 'SETUSER', `drover-agent:${P}:${C}`, '~*')).rejects.toThrow(/NOPERM/);
  await expect(agent.call('CLIENT', 'LIST')).rejects.toThrow(/NOPERM/);
  await expect(agent.call('SCAN', '0')).rejects.toThrow(/NOPERM/);
  await expect(agent.call('OBJECT', 'ENCODING', `${P}:audit:head`)).rejects.toThrow(/NOPERM/);
  await expect(agent.subscribe(`${P}:cancel:store-y`)).rejects.toThrow(/NOPERM/);
});
