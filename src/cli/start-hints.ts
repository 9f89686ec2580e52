import { describeParams } from '../runbook/params.js';
import type { Runbook } from '../runbook/types.js';

/** The shipped examples, when those runbooks are loaded (they fit the sandbox's objects). */
const SHIPPED = [
  'npx drover run scale-deployment namespace=demo deployment=web replicas=4 --dry-run --wait',
  'npx drover run restart-deployment namespace=demo deployment=web --wait',
];

/**
 * What `drover start` suggests trying: the shipped examples in Drover's
 * checkout; in a team's own repository (other runbooks), a dry run of its
 * first runbooks, with their required params to fill in.
 */
export function startHints(runbooks: readonly Runbook[]): string[] {
  const ids = new Set(runbooks.map((r) => r.id));
  if (ids.has('scale-deployment') && ids.has('restart-deployment')) return ['npx drover runbooks list', ...SHIPPED];
  const tries = runbooks.slice(0, 2).map((rb) => {
    const required = describeParams(rb.params).filter((p) => p.required);
    return ['npx drover run', rb.id, ...required.map((p) => `${p.name}=…`), '--dry-run --wait'].join(' ');
  });
  return ['npx drover runbooks list', ...tries];
}
