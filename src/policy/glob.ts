/**
 * Globs of the policy file: `*` is any run of characters, `?` one character,
 * everything else literal. Anchored: `prod-*` matches `prod-eu`, not `xprod-eu`.
 */

/** Characters a glob may hold: what runbook ids, kubeconfig context names and namespaces use. */
const GLOB = /^[A-Za-z0-9._:/@*?-]+$/;

/** Why a glob is not acceptable, or undefined when it is. */
export function globProblem(pattern: string): string | undefined {
  if (pattern === '') return 'must not be empty';
  if (!GLOB.test(pattern)) {
    return `bad glob ${JSON.stringify(pattern)}: only letters, digits, . _ : / @ - and the wildcards * and ? are allowed`;
  }
  return undefined;
}

const compiled = new Map<string, RegExp>();

function toRegExp(pattern: string): RegExp {
  let regex = compiled.get(pattern);
  if (!regex) {
    const body = [...pattern]
      .map((c) => (c === '*' ? '.*' : c === '?' ? '.' : c.replace(/[.+?^${}()|[\]\\/-]/g, '\\$&')))
      .join('');
    regex = new RegExp(`^${body}$`);
    compiled.set(pattern, regex);
  }
  return regex;
}

export function globMatch(pattern: string, value: string): boolean {
  return toRegExp(pattern).test(value);
}

/** The first pattern of `patterns` that matches `value`. */
export function firstMatch(patterns: readonly string[], value: string): string | undefined {
  return patterns.find((p) => globMatch(p, value));
}
