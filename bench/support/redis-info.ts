// INFO commandstats and INFO cpu as numbers, and the difference between two
// readings: the commands (and Redis CPU) a stretch of the benchmark cost.
import type { Redis } from 'ioredis';

export interface CommandStat {
  calls: number;
  usec: number;
}

export type CommandStats = Map<string, CommandStat>;

export async function commandStats(redis: Redis): Promise<CommandStats> {
  const text = await redis.info('commandstats');
  const stats: CommandStats = new Map();
  for (const line of text.split('\n')) {
    const m = /^cmdstat_([^:]+):calls=(\d+),usec=(\d+)/.exec(line.trim());
    if (m) stats.set(m[1] as string, { calls: Number(m[2]), usec: Number(m[3]) });
  }
  return stats;
}

/** Redis's own CPU seconds (user + system), main thread and children. */
export async function redisCpuSeconds(redis: Redis): Promise<number> {
  const text = await redis.info('cpu');
  const field = (name: string) => Number(new RegExp(`^${name}:([\\d.]+)`, 'm').exec(text)?.[1] ?? 0);
  return field('used_cpu_user') + field('used_cpu_sys');
}

/** Bytes Redis holds for data (INFO memory used_memory). */
export async function redisUsedMemory(redis: Redis): Promise<number> {
  return Number(/^used_memory:(\d+)/m.exec(await redis.info('memory'))?.[1] ?? 0);
}

/** The benchmark's own reads (INFO itself) are left out: they are not the cost of what is measured. */
const OWN = new Set(['info']);

export interface CommandCost {
  /** Commands Redis executed, those inside Lua scripts and MULTI included. */
  calls: number;
  /** Time Redis spent executing them (µs). */
  usec: number;
  byCommand: Array<[string, CommandStat]>;
}

export function costBetween(before: CommandStats, after: CommandStats): CommandCost {
  const byCommand: Array<[string, CommandStat]> = [];
  for (const [name, a] of after) {
    if (OWN.has(name)) continue;
    const b = before.get(name) ?? { calls: 0, usec: 0 };
    const calls = a.calls - b.calls;
    if (calls > 0) byCommand.push([name, { calls, usec: a.usec - b.usec }]);
  }
  byCommand.sort((x, y) => y[1].calls - x[1].calls);
  return {
    calls: byCommand.reduce((s, [, c]) => s + c.calls, 0),
    usec: byCommand.reduce((s, [, c]) => s + c.usec, 0),
    byCommand,
  };
}

/** "82.1 commands, 310 µs of Redis time per run; top: evalsha 9.0, hset 8.0, ..." */
export function describeCost(cost: CommandCost, units: number, unit: string, top = 8): string {
  const per = (n: number) => (n / units).toFixed(n / units < 10 ? 2 : 1);
  const list = cost.byCommand.slice(0, top).map(([name, c]) => `${name} ${per(c.calls)}`).join(', ');
  return `${per(cost.calls)} Redis commands and ${(cost.usec / units).toFixed(0)} µs of Redis time per ${unit} (scripts' and MULTI's inner commands included); top: ${list}`;
}
