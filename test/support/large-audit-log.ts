import type { Redis } from 'ioredis';
import type { AuditKey } from '../../src/audit/audit-key.js';
import { GENESIS, linkEncoded } from '../../src/audit/chain.js';
import { seal } from '../../src/audit/seal.js';

/**
 * Writes `count` chained events (a multiple of 5,000) and their signed head
 * under a prefix, as AuditLog chains them: straight to the stream, faster
 * than that many appends. Returns the head's seq.
 */
export async function writeLargeAuditLog(redis: Redis, prefix: string, count: number, key: AuditKey): Promise<number> {
  const stream = `${prefix}:audit`;
  let head = GENESIS;
  for (let i = 0; i < count; i += 5000) {
    const batch = Array.from({ length: 5000 }, (_, j) => ({ v: 1, time: '2026-12-06T12:00:00.000Z', type: 'run.finished', runId: `r-${i + j}`, runbook: 'restart-deployment', cluster: 'prod', outcome: 'succeeded', durationMs: 1234, dryRun: false }));
    const linked = linkEncoded(batch, head, key);
    const pipeline = redis.pipeline();
    for (const { json } of linked) pipeline.xadd(stream, '*', 'e', json);
    await pipeline.exec();
    const last = linked[linked.length - 1]!.event;
    head = { seq: last.seq, hash: last.hash };
  }
  await redis.set(`${stream}:head`, JSON.stringify(seal('head', { seq: head.seq, hash: head.hash }, key)));
  return head.seq;
}
