// One reading of what Redis holds and has done, for the differences a stretch
// of the benchmark made: commands (top-level and those inside scripts), memory
// (data and client buffers), connections, keys.
import type { Redis } from 'ioredis';
import { commandStats, costBetween, type CommandCost, type CommandStats } from './redis-info.js';

export interface RedisSnapshot {
  at: number;
  stats: CommandStats;
  /** INFO stats total_commands_processed. */
  processed: number;
  usedMemory: number;
  /** INFO memory mem_clients_normal: the connections' buffers. */
  clientsMemory: number;
  clients: number;
  keys: number;
  cpuSeconds: number;
}

const field = (text: string, name: string) => Number(new RegExp(`^${name}:([\\d.]+)`, 'm').exec(text)?.[1] ?? 0);

export async function redisSnapshot(redis: Redis): Promise<RedisSnapshot> {
  const stats = await commandStats(redis);
  const info = await redis.info();
  return {
    at: performance.now(),
    stats,
    processed: field(info, 'total_commands_processed'),
    usedMemory: field(info, 'used_memory'),
    clientsMemory: field(info, 'mem_clients_normal'),
    clients: field(info, 'connected_clients'),
    keys: Number(/^db0:keys=(\d+)/m.exec(info)?.[1] ?? 0),
    cpuSeconds: field(info, 'used_cpu_user') + field(info, 'used_cpu_sys'),
  };
}

export interface RedisDelta {
  minutes: number;
  cost: CommandCost;
  /** INFO stats total_commands_processed (Redis 7 counts a script's inner commands too), the benchmark's own two INFO reads left out. */
  processed: number;
  usedMemory: number;
  clientsMemory: number;
  clients: number;
  keys: number;
  /** Redis CPU seconds per wall second. */
  cpu: number;
}

export function deltaOf(before: RedisSnapshot, after: RedisSnapshot): RedisDelta {
  const seconds = (after.at - before.at) / 1000;
  return {
    minutes: seconds / 60,
    cost: costBetween(before.stats, after.stats),
    processed: after.processed - before.processed - 2,
    usedMemory: after.usedMemory - before.usedMemory,
    clientsMemory: after.clientsMemory - before.clientsMemory,
    clients: after.clients - before.clients,
    keys: after.keys - before.keys,
    cpu: (after.cpuSeconds - before.cpuSeconds) / seconds,
  };
}

/** "96.0 commands per minute (…): bzpopmin 12.0, evalsha 12.0, …", per `units` per minute. */
export function perUnitPerMinute(d: RedisDelta, units: number, top = 10): string {
  const per = (n: number) => n / units / d.minutes;
  const f = (n: number) => per(n).toFixed(per(n) < 10 ? 2 : 1);
  const list = d.cost.byCommand.slice(0, top).map(([name, c]) => `${name} ${f(c.calls)}`).join(', ');
  return `${f(d.cost.calls)} commands per minute (those inside scripts and MULTI included, as INFO counts them): ${list}`;
}
