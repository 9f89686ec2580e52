/**
 * The metric names a PromQL expression selects, read by a small lexer rather
 * than a regular expression over the text: strings, label matchers, ranges,
 * numbers and durations, function and aggregation names, keywords and the
 * label lists of by/without/on/ignoring/group_left/group_right are not names.
 * (The expressions are also checked by promtool, which proves they parse.)
 */

const KEYWORDS = new Set(['and', 'or', 'unless', 'bool', 'offset', 'by', 'without', 'on', 'ignoring', 'group_left', 'group_right', 'inf', 'nan']);
// Followed by a parenthesised list of label names, not an expression.
const LABEL_LIST = new Set(['by', 'without', 'on', 'ignoring', 'group_left', 'group_right']);

const IDENT_START = /[a-zA-Z_:]/;
const IDENT = /[a-zA-Z0-9_:]/;

export function metricNames(expr: string): Set<string> {
  const names = new Set<string>();
  let i = 0;
  const n = expr.length;

  const skipString = () => {
    const quote = expr[i];
    i++;
    while (i < n && expr[i] !== quote) i += expr[i] === '\\' && quote !== '`' ? 2 : 1;
    if (i >= n) throw new Error(`unterminated string in ${expr}`);
    i++;
  };
  // Skips from an opening bracket to its match, strings included; returns the text inside.
  const skipBalanced = (open: string, close: string): string => {
    const start = i;
    let depth = 0;
    while (i < n) {
      const c = expr[i]!;
      if (c === '"' || c === "'" || c === '`') {
        skipString();
        continue;
      }
      if (c === open) depth++;
      else if (c === close && --depth === 0) {
        i++;
        return expr.slice(start + 1, i - 1);
      }
      i++;
    }
    throw new Error(`unbalanced ${open}${close} in ${expr}`);
  };
  const nextNonSpace = (from: number) => {
    let j = from;
    while (j < n && /\s/.test(expr[j]!)) j++;
    return j;
  };

  while (i < n) {
    const c = expr[i]!;
    if (/\s/.test(c)) i++;
    else if (c === '"' || c === "'" || c === '`') skipString();
    else if (c === '#') while (i < n && expr[i] !== '\n') i++;
    else if (c === '{') {
      // A selector without a name before its braces may name the metric as __name__="...".
      const inside = skipBalanced('{', '}');
      const named = /(?:^|,)\s*__name__\s*=\s*"([^"]+)"/.exec(inside);
      if (named) names.add(named[1]!);
    } else if (c === '[') skipBalanced('[', ']');
    else if (c === '$') {
      // A Grafana variable left unresolved: $name or ${name}.
      i++;
      if (expr[i] === '{') skipBalanced('{', '}');
      else while (i < n && IDENT.test(expr[i]!)) i++;
    } else if (/[0-9.]/.test(c)) {
      // Numbers and durations: 0.95, 1e-3, 0x1f, 10m, 1h30m.
      while (i < n && (/[0-9a-zA-Z_.]/.test(expr[i]!) || (/[+-]/.test(expr[i]!) && /[eE]/.test(expr[i - 1]!) && /[0-9.]/.test(expr[i - 2] ?? '')))) i++;
    } else if (IDENT_START.test(c)) {
      const start = i;
      while (i < n && IDENT.test(expr[i]!)) i++;
      const word = expr.slice(start, i);
      const after = nextNonSpace(i);
      const lower = word.toLowerCase();
      if (LABEL_LIST.has(lower)) {
        if (expr[after] === '(') {
          i = after;
          skipBalanced('(', ')');
        }
      } else if (KEYWORDS.has(lower)) {
        // and, or, offset...: not a name.
      } else if (expr[after] === '(' || /^(by|without)\s*\(/i.test(expr.slice(after))) {
        // A function, or an aggregation (sum, max...) with its grouping first or last.
      } else {
        names.add(word);
      }
    } else i++;
  }
  return names;
}
