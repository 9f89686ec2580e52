import type { AuditKey } from './audit-key.js';
import { canonicalJson } from './chain.js';

/** What Drover signs besides events: the chain's head, its anchor after retention, and checkpoints. */
export type SealKind = 'head' | 'anchor' | 'checkpoint';

export interface Seal {
  /** The audit key's id; absent when unkeyed. */
  kid?: string;
  /** HMAC-SHA256 of the kind and the rest of the object; absent when unkeyed. */
  mac?: string;
}

// The kind is part of what is signed, so a signed head can never pass for an anchor or a checkpoint.
const macText = (kind: SealKind, body: Record<string, unknown>) => `drover-audit-${kind}\n${canonicalJson(body)}`;

/** `body` signed with the key (unchanged without one). */
export function seal<T extends Record<string, unknown>>(kind: SealKind, body: T, key: AuditKey | undefined): T & Seal {
  if (!key) return body;
  const signed = { ...body, kid: key.id };
  return { ...signed, mac: key.mac(macText(kind, signed)) };
}

/**
 * Whether a sealed object holds: `missing` when it carries no signature,
 * else a reason when the signature is wrong or cannot be checked.
 */
export function sealProblem(kind: SealKind, value: Record<string, unknown>, key: AuditKey | undefined): string | undefined {
  const { mac, ...body } = value;
  if (typeof mac !== 'string' || typeof body.kid !== 'string') return 'missing';
  if (!key) return `the ${kind} is signed with key ${body.kid} but no audit key is configured to check it`;
  if (body.kid !== key.id) return `the ${kind} is signed with key ${body.kid}, not the configured key ${key.id}`;
  return key.mac(macText(kind, body)) === mac ? undefined : `the ${kind}'s signature does not match: it was forged or altered`;
}
