/** The audit stream as Redis holds it, read directly: the Kubernetes mutations each run recorded. */
import type { Redis } from 'ioredis';
import { PREFIX } from './stack.js';

export interface AuditedMutation {
  runId: string;
  verb: string;
  name: string;
  outcome: string;
  errorCode?: string;
  dryRun: boolean;
}

function eventOf(raw: string): Record<string, unknown> | undefined {
  try {
    const parsed = JSON.parse(raw) as Record<string, unknown>;
    // The event may sit at the top or under a chain envelope.
    if (typeof parsed.type === 'string') return parsed;
    for (const v of Object.values(parsed)) if (v && typeof v === 'object' && typeof (v as Record<string, unknown>).type === 'string') return v as Record<string, unknown>;
  } catch {
    // not JSON: not an event this reader knows
  }
  return undefined;
}

/** Every event of the audit stream, in stream order. */
export async function auditEvents(redis: Redis): Promise<Array<Record<string, unknown>>> {
  const entries = (await redis.xrange(`${PREFIX}:audit`, '-', '+')) as Array<[string, string[]]>;
  return entries.flatMap(([, fields]) => {
    const raw = fields[fields.indexOf('e') + 1];
    const e = raw === undefined ? undefined : eventOf(raw);
    return e ? [e] : [];
  });
}

export async function auditedMutations(redis: Redis): Promise<AuditedMutation[]> {
  const entries = (await redis.xrange(`${PREFIX}:audit`, '-', '+')) as Array<[string, string[]]>;
  const out: AuditedMutation[] = [];
  for (const [, fields] of entries) {
    const raw = fields[fields.indexOf('e') + 1];
    const e = raw === undefined ? undefined : eventOf(raw);
    if (e?.type !== 'k8s.mutation') continue;
    out.push({
      runId: String(e.runId),
      verb: String(e.verb),
      name: String(e.name),
      outcome: String(e.outcome),
      ...(typeof e.errorCode === 'string' ? { errorCode: e.errorCode } : {}),
      dryRun: e.dryRun === true,
    });
  }
  return out;
}
