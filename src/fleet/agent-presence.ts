import type { Redis } from 'ioredis';
import { RedisScript } from '../redis-script.js';
import type { FleetRegistry } from './registry.js';
import { agentPresenceKey } from './names.js';

/** One agent's heartbeat, as its cluster's presence hash holds it (field: the agent's id). */
export interface AgentBeat {
  id: string;
  cluster: string;
  /** Drover's version on the agent. */
  version: string;
  host: string;
  pid: number;
  /** Runs it executes at once. */
  capacity: number;
  /** Runs it executes now. */
  inFlight: number;
  kubernetesVersion?: string;
  /** Runbooks it has loaded. */
  runbooks: number;
  startedAt: string;
  /** When it beat, in ms, by the Redis server's clock (one clock for the whole fleet). */
  seenAt: number;
}

/** An agent cluster as `drover clusters` and the gauges see it. */
export interface ClusterStatus {
  name: string;
  labels: Record<string, string>;
  /** Its live agents (beat within the staleness period), by id. */
  agents: AgentBeat[];
  /** The newest beat of any of its agents, live or not, in ms; undefined when none was ever seen. */
  lastSeen: number | undefined;
  /** That newest beat (who it was: version, host), live or not. */
  last?: AgentBeat;
  /** Runs its live agents execute now. */
  inFlight: number;
  /** Runs its live agents execute at once. */
  capacity: number;
  /** Drover versions of its live agents, distinct. */
  versions: string[];
  /** Kubernetes versions its live agents report (the last agent's when none is live), distinct. */
  kubernetesVersions: string[];
  /** up: a live agent; absent: agents were seen, none is live; never-seen: no agent ever beat (or not since Drover forgot it). */
  state: 'up' | 'absent' | 'never-seen';
}

// One beat, atomically: this agent's entry stamped with the server's time, the
// entries of agents gone longer than ARGV[4] ms dropped (a rebuilt cluster's
// dead agent), and the hash set to expire ARGV[3] ms after this beat (a
// cluster torn down leaves nothing). KEYS: the presence hash. ARGV: agent id,
// its JSON without the closing brace, ttl ms, drop-after ms. Returns the time.
const BEAT = new RedisScript(`
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2] .. ',"seenAt":' .. string.format('%.0f', now) .. '}')
local all = redis.call('HGETALL', KEYS[1])
local cutoff = now - tonumber(ARGV[4])
for i = 1, #all, 2 do
  local ok, beat = pcall(cjson.decode, all[i + 1])
  if not ok or type(beat) ~= 'table' or type(beat.seenAt) ~= 'number' or beat.seenAt < cutoff then
    redis.call('HDEL', KEYS[1], all[i])
  end
end
redis.call('PEXPIRE', KEYS[1], ARGV[3])
return now
`);

/** How many beats an entry (and, with no agent beating, the whole hash) outlives its last one. */
const KEEP_BEATS = 12;

/**
 * An agent's heartbeat: every `intervalMs` it writes its beat into its
 * cluster's presence hash, the one key of presence an agent writes. A beat
 * that fails (Redis away) is tried again on the next tick; the agent goes on.
 */
export class AgentHeartbeat {
  private readonly key: string;
  private timer: NodeJS.Timeout | undefined;
  private beating: Promise<void> | undefined;
  private stopped = true;
  private lastId: string | undefined;

  constructor(
    private readonly redis: Redis,
    prefix: string,
    cluster: string,
    private readonly info: () => Omit<AgentBeat, 'seenAt'> | Promise<Omit<AgentBeat, 'seenAt'>>,
    private readonly intervalMs = 10_000,
    /** Told of each failed beat (logging); the next tick tries again. */
    private readonly onError: (err: Error) => void = () => undefined,
  ) {
    this.key = agentPresenceKey(prefix, cluster);
  }

  /** Beats once (a failure is reported, not thrown), then every interval until `stop`. */
  async start(): Promise<void> {
    if (!this.stopped) return;
    this.stopped = false;
    await this.tick();
  }

  /** One beat now; false when it failed. */
  async beat(): Promise<boolean> {
    try {
      const info = await this.info();
      this.lastId = info.id;
      const { seenAt: _ignored, ...rest } = info as AgentBeat;
      const json = JSON.stringify(rest);
      const ttl = this.intervalMs * KEEP_BEATS;
      await BEAT.run(this.redis, [this.key], [info.id, json.slice(0, -1), ttl, ttl]);
      return true;
    } catch (err) {
      this.onError(err instanceof Error ? err : new Error(String(err)));
      return false;
    }
  }

  private async tick(): Promise<void> {
    this.beating = this.beat().then(() => undefined);
    await this.beating;
    this.beating = undefined;
    // One beat at a time: while Redis is away the next waits for this one.
    if (!this.stopped) this.timer = setTimeout(() => void this.tick(), this.intervalMs).unref();
  }

  /** Stops beating and removes this agent's entry (bounded: a Redis away does not hold the shutdown). */
  async stop(waitMs = 2000): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    const bound = async <T>(p: Promise<T>) => {
      let timer: NodeJS.Timeout | undefined;
      const late = new Promise<undefined>((resolve) => (timer = setTimeout(() => resolve(undefined), waitMs).unref()));
      await Promise.race([p.catch(() => undefined), late]);
      clearTimeout(timer);
    };
    if (this.beating) await bound(this.beating);
    if (this.lastId) await bound(this.redis.hdel(this.key, this.lastId));
  }
}

/**
 * How far ahead of the reader's clock a beat may claim to be (clocks differ a
 * little). An agent can write its presence hash without the beat script: a
 * beat from the future would keep its cluster "up" (and its alert quiet) for
 * ever, and stick in the central record of the newest beat.
 */
const FUTURE_SKEW_MS = 60_000;

/** C0/C1 controls (terminal escapes), and the invisible and bidi marks that make text read other than it is. */
// eslint-disable-next-line no-control-regex -- the controls are what it removes
const UNPRINTABLE = /[\u0000-\u001f\u007f-\u009f\u200b-\u200f\u2028-\u202e\u2066-\u2069]/g;

/** A beat's text as people may see it: a string, printable, bounded. */
function beatText(value: unknown, max: number): string | undefined {
  return typeof value === 'string' ? value.replace(UNPRINTABLE, '').slice(0, max) : undefined;
}

/** A beat's count: a finite integer in [0, max]. */
function beatCount(value: unknown, max = 100_000): number {
  return typeof value === 'number' && Number.isFinite(value) ? Math.min(Math.max(Math.floor(value), 0), max) : 0;
}

/**
 * A beat as stored, or undefined when the entry is not one. Everything in it
 * was written by an agent (which may be hostile): it is reduced to the beat's
 * fields, with printable bounded text, sane counts, its own cluster's name
 * (whatever the JSON says) and no time later than `notAfter`.
 */
export function parseBeat(raw: string, cluster: string, notAfter: number): AgentBeat | undefined {
  let beat: Record<string, unknown>;
  try {
    beat = JSON.parse(raw) as Record<string, unknown>;
  } catch {
    return undefined;
  }
  if (typeof beat !== 'object' || beat === null || Array.isArray(beat)) return undefined;
  const id = beatText(beat.id, 200);
  const seenAt = beat.seenAt;
  if (!id || typeof seenAt !== 'number' || !Number.isFinite(seenAt) || seenAt > notAfter) return undefined;
  const kubernetesVersion = beatText(beat.kubernetesVersion, 64);
  return {
    id,
    cluster,
    version: beatText(beat.version, 64) ?? 'unknown',
    host: beatText(beat.host, 253) ?? 'unknown',
    pid: beatCount(beat.pid, 2 ** 32),
    capacity: beatCount(beat.capacity),
    inFlight: beatCount(beat.inFlight),
    ...(kubernetesVersion ? { kubernetesVersion } : {}),
    runbooks: beatCount(beat.runbooks),
    startedAt: beatText(beat.startedAt, 40) ?? '',
    seenAt,
  };
}

/** A reply error about one key's type (an agent's own key made into something else), not about Redis. */
export const wrongType = (err: Error): boolean => err.message.startsWith('WRONGTYPE');

/** Agents of one cluster read at most (far more than any cluster runs). */
const MAX_AGENTS = 1000;

/** Agent clusters read per pipelined round trip. */
const BATCH = 250;

/**
 * The agents of every agent cluster, read centrally. The newest beat of each
 * cluster is also kept in one central hash, so that "last seen 4 minutes ago,
 * agent v1.2 on host x" outlives the cluster's own presence hash (which
 * expires a few beats after its last agent's).
 */
export class FleetPresence {
  /** Central: cluster → JSON of its newest beat seen by a read (agents never write it). */
  readonly seenKey: string;

  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
    readonly registry: FleetRegistry,
    readonly staleMs = 30_000,
    readonly now: () => number = Date.now,
  ) {
    this.seenKey = `${prefix}:fleet:seen`;
  }

  /** The live agents of a cluster, by id. */
  async agents(cluster: string): Promise<AgentBeat[]> {
    return (await this.read([cluster]))[0]?.live ?? [];
  }

  async isLive(cluster: string): Promise<boolean> {
    return (await this.agents(cluster)).length > 0;
  }

  /** One registered cluster's status; undefined when it is not an agent cluster. */
  async cluster(name: string): Promise<ClusterStatus | undefined> {
    const registered = await this.registry.get(name);
    if (!registered) return undefined;
    const [read] = await this.read([name]);
    return statusOf(name, registered.labels, read);
  }

  /** Every registered agent cluster, by name: one round trip per few hundred clusters. */
  async status(): Promise<ClusterStatus[]> {
    const clusters = await this.registry.list();
    const out: ClusterStatus[] = [];
    for (let i = 0; i < clusters.length; i += BATCH) {
      const batch = clusters.slice(i, i + BATCH);
      const reads = await this.read(batch.map((c) => c.name));
      batch.forEach((c, j) => out.push(statusOf(c.name, c.labels ?? {}, reads[j])));
    }
    await this.forgetUnregistered(new Set(clusters.map((c) => c.name)));
    return out;
  }

  /**
   * Reads the presence hashes and central records of `names` in one pipeline,
   * and records each cluster's newest beat centrally when it moved on.
   */
  private async read(names: string[]): Promise<ClusterRead[]> {
    if (!names.length) return [];
    const pipeline = this.redis.pipeline();
    // At most MAX_AGENTS entries a cluster: its agent writes the hash, and a million fields there
    // must not slow every scrape, `drover clusters` and the absent-agent sweep for all clusters.
    for (const name of names) pipeline.hrandfield(agentPresenceKey(this.prefix, name), MAX_AGENTS, 'WITHVALUES').hget(this.seenKey, name);
    const replies = (await pipeline.exec()) ?? [];
    const cutoff = this.now() - this.staleMs;
    const notAfter = this.now() + FUTURE_SKEW_MS;
    const record: string[] = [];
    const reads = names.map((name, i): ClusterRead => {
      const [hashErr, hash] = replies[2 * i] ?? [new Error('no reply')];
      const [seenErr, seen] = replies[2 * i + 1] ?? [new Error('no reply')];
      // Its agent may have made its presence key something else (WRONGTYPE): that cluster has no beat, the others still read.
      if (hashErr && !wrongType(hashErr)) throw hashErr;
      if (seenErr) throw seenErr;
      const flat = (hashErr ? [] : (hash ?? [])) as string[];
      const beats = flat.flatMap((raw, k) => (k % 2 === 1 ? (parseBeat(raw, name, notAfter) ?? []) : []));
      const live = beats.filter((b) => b.seenAt >= cutoff).sort((a, b) => a.id.localeCompare(b.id));
      const recorded = typeof seen === 'string' ? parseBeat(seen, name, notAfter) : undefined;
      const newest = beats.reduce<AgentBeat | undefined>((n, b) => (!n || b.seenAt > n.seenAt ? b : n), undefined);
      // Recorded at most every third of the staleness period: close enough for "last seen", and few writes.
      if (newest && (!recorded || newest.seenAt - recorded.seenAt >= this.staleMs / 3)) record.push(name, JSON.stringify(newest));
      const last = newest && (!recorded || newest.seenAt >= recorded.seenAt) ? newest : recorded;
      return { live, ...(last ? { last } : {}) };
    });
    if (record.length) await this.redis.hset(this.seenKey, ...record);
    return reads;
  }

  /** Central records of clusters no longer registered (a revoked token) go. */
  private async forgetUnregistered(registered: Set<string>): Promise<void> {
    const gone = (await this.redis.hkeys(this.seenKey)).filter((name) => !registered.has(name));
    if (gone.length) await this.redis.hdel(this.seenKey, ...gone);
  }
}

interface ClusterRead {
  live: AgentBeat[];
  last?: AgentBeat;
}

function distinct(values: Array<string | undefined>): string[] {
  return [...new Set(values.filter((v): v is string => !!v))].sort();
}

function statusOf(name: string, labels: Record<string, string>, read: ClusterRead | undefined): ClusterStatus {
  const live = read?.live ?? [];
  const last = read?.last;
  return {
    name,
    labels,
    agents: live,
    lastSeen: last?.seenAt,
    ...(last ? { last } : {}),
    inFlight: live.reduce((n, a) => n + (a.inFlight || 0), 0),
    capacity: live.reduce((n, a) => n + (a.capacity || 0), 0),
    versions: distinct(live.map((a) => a.version)),
    kubernetesVersions: distinct(live.length ? live.map((a) => a.kubernetesVersion) : [last?.kubernetesVersion]),
    state: live.length ? 'up' : last ? 'absent' : 'never-seen',
  };
}
