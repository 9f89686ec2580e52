import type { Redis } from 'ioredis';
import type { AuditKey } from './audit-key.js';
import { GENESIS, verifyChain, type ChainAnchor, type VerifyResult } from './chain.js';
import { anchorProblem, judgeEnds, parseAnchor, type HeldEvent, type LogVerification, type VerifyPolicy } from './verify-log.js';

/** The audit log as stored in Redis: its stream, and the keys of its head and anchor (AuditLog's). */
export interface StoredLog {
  redis: Redis;
  keys: { stream: string; head: string; anchor: string };
}

export type StoredEvent = Record<string, unknown> & { id: string };

/** Events read and held at once: a log of a million events (the default audit.maxLength) is never in memory whole. */
export const PAGE = 5000;
/** Checks redone when retention moved the anchor meanwhile. */
const RETRIES_WHEN_TRIMMED = 3;

/**
 * Retention may trim the front of the log while a check reads it (the anchor
 * read before events that are gone by the time they are read): such a check
 * is done again, so normal retention is never reported as a break.
 */
export async function retryWhenTrimmed<T extends { result: LogVerification }>(log: StoredLog, check: () => Promise<T>): Promise<T> {
  let outcome: T | undefined;
  for (let i = 0; i < RETRIES_WHEN_TRIMMED; i++) {
    const anchorBefore = await log.redis.get(log.keys.anchor);
    outcome = await check();
    if (outcome.result.ok || (await log.redis.get(log.keys.anchor)) === anchorBefore) return outcome;
  }
  return outcome!;
}

export interface Ends {
  head: string | null;
  anchor: string | null;
  oldest: StoredEvent[];
}

/** The head, the anchor and the `count` oldest events, read in one step: retention cannot move the anchor in between. */
export async function readEnds(log: StoredLog, count: number): Promise<Ends> {
  const { redis, keys } = log;
  const replies = await redis.multi().get(keys.head).get(keys.anchor).xrange(keys.stream, '-', '+', 'COUNT', count).exec();
  if (!replies) throw new Error('audit verification: the transaction was aborted');
  for (const [err] of replies) if (err) throw err;
  return {
    head: replies[0]?.[1] as string | null,
    anchor: replies[1]?.[1] as string | null,
    oldest: parseEntries(replies[2]?.[1] as Array<[string, string[]]>),
  };
}

export async function readRange(log: StoredLog, start: string, end: string, count = PAGE): Promise<StoredEvent[]> {
  return parseEntries(await log.redis.xrange(log.keys.stream, start, end, 'COUNT', count));
}

function parseEntries(page: Array<[string, string[]]>): StoredEvent[] {
  return page.map(([id, fields]) => {
    let parsed: Record<string, unknown>;
    try {
      parsed = JSON.parse(fields[1] ?? '') as Record<string, unknown>;
    } catch {
      parsed = {};
    }
    return { ...parsed, id };
  });
}

/** The anchor (or genesis) and the oldest event kept: the anchor's signature, and that the oldest event follows it. */
export function frontProblem(stored: (ChainAnchor & Record<string, unknown>) | undefined, oldest: StoredEvent | undefined, key: AuditKey | undefined): LogVerification | undefined {
  const anchor: ChainAnchor = stored ? { seq: stored.seq, hash: stored.hash } : GENESIS;
  const chain: LogVerification = { ...verifyChain(oldest ? [oldest] : [], anchor, key), anchor };
  // The anchor first, as a whole verification names it.
  return anchorProblem(chain, stored, oldest, key) ?? (chain.ok ? undefined : chain);
}

/** A verification, and the newest event it verified (where the next check may start). */
export interface PagedVerification {
  result: LogVerification;
  newest: StoredEvent | undefined;
}

/**
 * Verifies the events from `start` page by page, `first` being the first page
 * already read, up to the head Drover keeps (`headBefore`, read with or before
 * the first page; the head is read again after the last). Between pages only
 * the position is kept, and the few events the end checks need (those the
 * heads and the checkpoint name).
 */
export async function verifyPages(
  log: StoredLog,
  first: StoredEvent[],
  start: ChainAnchor,
  headBefore: string | null,
  policy: VerifyPolicy,
  options: { anchor?: (ChainAnchor & Record<string, unknown>) | undefined } = {},
): Promise<PagedVerification> {
  const { key } = policy;
  const before = parseAnchor(headBefore);
  const wanted = new Set([before?.seq, policy.checkpoint?.seq]);
  const held = new Map<number, HeldEvent>();
  const keep = (e: StoredEvent) => held.set(e.seq as number, { hash: e.hash as string, keyed: e.kid !== undefined });
  const oldest = first[0];
  let counted: LogVerification = { ok: true, checked: 0, keyed: 0, unkeyed: 0, head: start, anchor: start, ...(key ? { keyId: key.id } : {}) };
  const add = (r: VerifyResult): LogVerification => {
    const lastUnkeyed = r.lastUnkeyed ?? counted.lastUnkeyed;
    return { ...r, anchor: start, checked: counted.checked + r.checked, keyed: counted.keyed + r.keyed, unkeyed: counted.unkeyed + r.unkeyed, ...(lastUnkeyed !== undefined ? { lastUnkeyed } : {}), ...(key ? { keyId: key.id } : {}) };
  };
  // As a whole verification judges them: a bad anchor is named before a break in the chain after it.
  const judged = (r: LogVerification) => anchorProblem(r, options.anchor, oldest, key) ?? r;
  let newest: StoredEvent | undefined;
  for (let page = first; ; ) {
    const chain = verifyChain(page, counted.head, key);
    if (!chain.ok) return { result: judged(add(chain)), newest };
    counted = add(chain);
    for (const e of page) if (wanted.has(e.seq as number)) keep(e);
    const last = page[page.length - 1];
    if (last) newest = last;
    if (page.length < PAGE || !last) break;
    page = await readRange(log, `(${last.id}`, '+');
  }
  if (newest) keep(newest);
  const front = anchorProblem(counted, options.anchor, oldest, key);
  if (front) return { result: front, newest };
  // Without a head when read (an empty log) the events read are all there was: a head written since names later events.
  const headAfter = headBefore ? parseAnchor(await log.redis.get(log.keys.head)) : undefined;
  return { result: judgeEnds(counted, { headBefore: before, headAfter }, held, policy), newest };
}

/**
 * One verification of the whole log, from its anchor: the anchor and the
 * first page read in one step, then page by page to the head.
 */
export async function verifyWholeLogOnce(log: StoredLog, policy: VerifyPolicy): Promise<PagedVerification> {
  const ends = await readEnds(log, PAGE);
  const stored = parseAnchor(ends.anchor);
  const start: ChainAnchor = stored ? { seq: stored.seq, hash: stored.hash } : GENESIS;
  return verifyPages(log, ends.oldest, start, ends.head, policy, { anchor: stored });
}

/**
 * Checks the stored log as `drover audit verify` does: every event's hash
 * (HMAC when keyed) and link from the anchor, that the chain reaches the head
 * Drover keeps, the signatures of head and anchor, unkeyed events, and the
 * latest checkpoint. Holds one page of events at a time.
 */
export async function verifyStoredLog(log: StoredLog, policy: VerifyPolicy): Promise<LogVerification> {
  return (await retryWhenTrimmed(log, () => verifyWholeLogOnce(log, policy))).result;
}
