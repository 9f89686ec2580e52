/** Alertmanager's label matcher operators. */
export type MatchOp = '=' | '!=' | '=~' | '!~';

export interface LabelMatcher {
  name: string;
  op: MatchOp;
  value: string;
  /** Anchored, as Alertmanager anchors regex matchers. */
  regex?: RegExp;
}

const MATCHER = /^\s*([a-zA-Z_][a-zA-Z0-9_]*)\s*(=~|!~|!=|=)\s*(.*?)\s*$/;

/** Parses `name="value"` (quotes optional) with any of Alertmanager's four operators. */
export function parseMatcher(text: string): LabelMatcher | { error: string } {
  const m = MATCHER.exec(text);
  if (!m) return { error: 'expected name=value, name!=value, name=~regex or name!~regex' };
  const [, name = '', op = '=', rawValue = ''] = m;
  let value = rawValue;
  if (value.startsWith('"')) {
    if (!value.endsWith('"') || value.length < 2) return { error: 'unterminated quoted value' };
    try {
      value = JSON.parse(value) as string;
    } catch {
      return { error: 'invalid escape in quoted value' };
    }
  }
  const matcher: LabelMatcher = { name, op: op as MatchOp, value };
  if (op === '=~' || op === '!~') {
    try {
      matcher.regex = new RegExp(`^(?:${value})$`);
    } catch (err) {
      return { error: `invalid regular expression: ${err instanceof Error ? err.message : String(err)}` };
    }
  }
  return matcher;
}

/** Whether a label set satisfies a matcher; a missing label counts as the empty string, as in Alertmanager. */
export function matches(matcher: LabelMatcher, labels: Record<string, string>): boolean {
  const actual = labels[matcher.name] ?? '';
  switch (matcher.op) {
    case '=':
      return actual === matcher.value;
    case '!=':
      return actual !== matcher.value;
    case '=~':
      return matcher.regex?.test(actual) ?? false;
    case '!~':
      return !(matcher.regex?.test(actual) ?? false);
  }
}
