/**
 * Names and namespaces travel in the URL path, so a few are not names at all:
 * kube-apiserver's own rule for a path segment name is "not `.` or `..`, no
 * `/` or `%`". Without this check a runbook asked (from chat) to patch the
 * ConfigMap `..` in `shop` sent PATCH /api/v1/namespaces/shop/configmaps/..,
 * which a URL normalises to /api/v1/namespaces/shop/: the Namespace was
 * patched while the plan and audit said ConfigMap; and an empty name turns
 * one object's URL into its collection's (a DELETE of all pods).
 */
import { DroverError } from '../errors.js';

/** Why `value` cannot be a name in a URL path, or undefined when it can. */
export function pathSegmentProblem(value: string): string | undefined {
  if (typeof value !== 'string') return 'is not a string';
  if (value === '') return 'is empty';
  if (value === '.' || value === '..') return `may not be "${value}"`;
  if (/[/%]/.test(value)) return 'may not contain "/" or "%"';
  return undefined;
}

/** Throws params_invalid when a call's name or namespace is not a path segment name. */
export function checkPathSegments(target: { kind: string; name?: string; namespace?: string }): void {
  for (const [field, value] of [
    ['name', target.name],
    ['namespace', target.namespace],
  ] as const) {
    if (value === undefined || (field === 'namespace' && value === '')) continue;
    const problem = pathSegmentProblem(value);
    if (problem) {
      throw new DroverError('params_invalid', `the ${target.kind} ${field} ${JSON.stringify(value.slice(0, 80))} ${problem}: it is not a Kubernetes ${field}`, {
        details: { kind: target.kind, field },
      });
    }
  }
}
