import { createHmac } from 'node:crypto';
import { canonicalJson } from '../../audit/chain.js';
import type { RolloutBatching } from './batching.js';

export interface RolloutBindingInput extends RolloutBatching {
  id: string;
  runbook: string;
  runbookDigest?: string;
  params: Record<string, unknown>;
  secrets: Record<string, unknown>;
  dryRun: boolean;
}

function hmac(key: Buffer, text: string): string {
  return createHmac('sha256', key).update(text).digest('hex');
}

/**
 * The hash a rollout's approval is bound to: the rollout, runbook (and its
 * code), params, secret params (by keyed hashes), the exact cluster list and
 * how it rolls out. Changing any of them gives another hash, and the approval
 * no longer counts. Keyed with the installation's binding key, like a run's.
 */
export function rolloutHash(input: RolloutBindingInput, key: Buffer): string {
  const secrets = Object.fromEntries(Object.entries(input.secrets).map(([k, v]) => [k, hmac(key, canonicalJson(v))]));
  return hmac(
    key,
    canonicalJson({
      kind: 'rollout',
      id: input.id,
      runbook: input.runbook,
      runbookDigest: input.runbookDigest ?? '',
      params: input.params,
      secrets,
      clusters: input.clusters,
      batchSize: input.batchSize,
      canary: input.canary,
      pauseOnFailure: input.pauseOnFailure,
      maxFailures: input.maxFailures,
      dryRun: input.dryRun,
    }),
  );
}
