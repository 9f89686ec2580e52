import { globMatch, globProblem } from './glob.js';

/**
 * Namespace lists: globs, where a leading `!` excludes. A run matches when one
 * inclusion matches its namespace and no exclusion does. A run without a
 * namespace param (cluster-wide runbooks: cordon-node, uncordon-node,
 * drain-node, which evicts pods in whatever namespace they run) matches only a
 * list that includes a bare `*`: a rule for `team-*` should not let anyone
 * cordon or drain nodes.
 */
export function namespaceMatch(patterns: readonly string[], namespace: string | undefined): boolean {
  const include = patterns.filter((p) => !p.startsWith('!'));
  if (namespace === undefined) return include.includes('*');
  const exclude = patterns.filter((p) => p.startsWith('!')).map((p) => p.slice(1));
  return include.some((p) => globMatch(p, namespace)) && !exclude.some((p) => globMatch(p, namespace));
}

/** Why a namespace pattern is not acceptable, or undefined. */
export function namespacePatternProblem(pattern: string): string | undefined {
  return globProblem(pattern.startsWith('!') ? pattern.slice(1) : pattern);
}

/** Why a whole list is not acceptable: one of exclusions only matches nothing. */
export function namespaceListProblem(patterns: readonly string[]): string | undefined {
  return patterns.length > 0 && patterns.every((p) => p.startsWith('!'))
    ? "lists only exclusions, so it matches no namespace; add '*' (or the namespaces to include)"
    : undefined;
}

/** The namespace a run acts in: its `namespace` param when that is a string. */
export function namespaceOf(params: Record<string, unknown>): string | undefined {
  const value = params.namespace;
  return typeof value === 'string' ? value : undefined;
}
