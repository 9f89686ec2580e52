/**
 * Duplicated mutations, from the Kubernetes fake's own request log: each
 * target object belongs to one run, so a second PATCH or DELETE reaching the
 * server for it is a repeat of that run's step. A repeat is harmless when it
 * has no second effect: the same restartedAt stamp (no second rollout), or a
 * DELETE that the uid precondition or a 404 refused.
 */
import type { WireMutation } from '../fakes/control.js';

export interface Duplicates {
  /** Mutating requests beyond the first, per target. */
  sentTwice: number;
  /** Of those, the ones that changed something again. */
  appliedTwice: number;
  /** Targets whose mutation reached the server at least once. */
  targets: number;
}

const RESTARTED_AT = 'kubectl.kubernetes.io/restartedAt';

function stampOf(body: unknown): string | undefined {
  const annotations = (body as { spec?: { template?: { metadata?: { annotations?: Record<string, string> } } } } | undefined)?.spec?.template?.metadata?.annotations;
  return annotations?.[RESTARTED_AT];
}

export function duplicates(mutations: WireMutation[], pathPattern: RegExp): Duplicates {
  const byTarget = new Map<string, WireMutation[]>();
  for (const m of mutations) {
    if (!pathPattern.test(m.path) || m.rawQuery.includes('dryRun')) continue;
    const key = `${m.method} ${m.path}`;
    byTarget.set(key, [...(byTarget.get(key) ?? []), m]);
  }
  let sentTwice = 0;
  let appliedTwice = 0;
  for (const [key, list] of byTarget) {
    sentTwice += list.length - 1;
    if (key.startsWith('PATCH')) {
      const stamps = new Set(list.filter((m) => m.status >= 200 && m.status < 300).map((m) => stampOf(m.body) ?? JSON.stringify(m.body)));
      appliedTwice += Math.max(0, stamps.size - 1);
    } else if (key.startsWith('DELETE')) {
      appliedTwice += Math.max(0, list.filter((m) => m.status >= 200 && m.status < 300).length - 1);
    }
  }
  return { sentTwice, appliedTwice, targets: byTarget.size };
}

export function describeDuplicates(d: Duplicates): string {
  return `${d.sentTwice} sent again / ${d.appliedTwice} applied twice`;
}
