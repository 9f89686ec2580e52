import { defineRunbook, z } from '../../../src/sdk/index.js';
import type { PolicySubject } from '../../../src/policy/index.js';
import type { Requester, Runbook } from '../../../src/runbook/types.js';

/** A runbook for policy tests; only id, risk and approval matter to the policy. */
export function runbook(id: string, extra: Partial<Pick<Runbook, 'risk' | 'approval'>> = {}): Runbook {
  return defineRunbook({
    id,
    summary: `${id} for tests`,
    params: z.object({ namespace: z.string().optional() }),
    ...extra,
    run: () => Promise.resolve(undefined),
  });
}

export const slack = (id: string): Requester => ({ kind: 'slack', id });
export const cli = (id: string): Requester => ({ kind: 'cli', id });
export const alert: Requester = { kind: 'alert', id: 'fp-1234' };

export function subject(requester: Requester, rb: Runbook, cluster: string, params: Record<string, unknown> = {}, dryRun = false): PolicySubject {
  return { requester, runbook: rb, cluster, params, dryRun };
}
