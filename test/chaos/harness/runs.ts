/** What Redis holds about runs, read directly (not through Drover), for the suite's counts. */
import type { Redis } from 'ioredis';
import { PREFIX } from './stack.js';

export interface SeenRun {
  id: string;
  runbook: string;
  state: string;
  params: Record<string, unknown>;
  attempts: number;
  error?: { code: string; message: string };
}

const TERMINAL = new Set(['succeeded', 'failed', 'cancelled', 'timed-out', 'rejected', 'expired']);

export function isFinished(run: SeenRun): boolean {
  return TERMINAL.has(run.state);
}

export async function allRuns(redis: Redis): Promise<SeenRun[]> {
  const ids = await redis.zrange(`${PREFIX}:runs`, 0, -1);
  const out: SeenRun[] = [];
  for (let i = 0; i < ids.length; i += 500) {
    const pipeline = redis.pipeline();
    for (const id of ids.slice(i, i + 500)) pipeline.hgetall(`${PREFIX}:run:${id}`);
    const replies = (await pipeline.exec()) ?? [];
    for (const [err, hash] of replies) {
      if (err) throw err;
      const h = hash as Record<string, string>;
      if (!h.state) continue;
      out.push({
        id: h.id ?? '',
        runbook: h.runbook ?? '',
        state: h.state,
        params: h.params ? (JSON.parse(h.params) as Record<string, unknown>) : {},
        attempts: Number(h.attempts ?? 0),
        ...(h.error ? { error: JSON.parse(h.error) as { code: string; message: string } } : {}),
      });
    }
  }
  return out;
}

/** Polls until every run is finished or `timeoutMs` passes; the runs as last seen. */
export async function settle(redis: Redis, expected: number, timeoutMs: number): Promise<SeenRun[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const runs = await allRuns(redis);
    if ((runs.length >= expected && runs.every(isFinished)) || Date.now() > deadline) return runs;
    await new Promise((r) => setTimeout(r, 500));
  }
}
