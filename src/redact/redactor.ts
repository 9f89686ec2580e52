/**
 * The one redaction layer: everything that reaches Slack, a terminal, the logs
 * or the audit log goes through it. It removes values under secret-looking
 * keys, the data of Kubernetes Secrets, well-known token formats inside text,
 * and any configured patterns.
 */
export const REDACTED = '[redacted]';

const SECRET_KEY = /(pass(word|wd|phrase)?|secret|token|api[-_]?key|private[-_]?key|credentials?|auth(orization)?|cookie|session)$/i;

interface Rule {
  pattern: RegExp;
  /** What replaces a match; the default replaces all of it. */
  keep?: (groups: string[]) => string;
}

/** Token shapes that are secrets wherever they appear (a log line, an error message, a diff). */
const BUILT_IN: Rule[] = [
  { pattern: /\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]{8,}/gi, keep: ([scheme]) => `${scheme} ${REDACTED}` }, // Authorization values
  { pattern: /\bxox[abposr]-[A-Za-z0-9-]{10,}/g }, // Slack tokens
  { pattern: /\bxapp-\d-[A-Za-z0-9-]{10,}/g }, // Slack app-level tokens
  { pattern: /\b(?:AKIA|ASIA)[A-Z0-9]{16}\b/g }, // AWS access key ids
  { pattern: /\bgh[pousr]_[A-Za-z0-9]{30,}\b/g }, // GitHub tokens
  { pattern: /\beyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}/g }, // JWTs (service account tokens)
  { pattern: /-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]*?-----END [A-Z ]*PRIVATE KEY-----/g }, // PEM private keys
  {
    pattern: /\b(password|passwd|pwd|secret|token|api[_-]?key)(\s*[=:]\s*)("[^"]*"|'[^']*'|[^\s,;&]+)/gi,
    keep: ([key, sep]) => `${key}${sep}${REDACTED}`,
  }, // key=value in text
  { pattern: /([a-z][a-z0-9+.-]*:\/\/[^:/\s@]+:)[^@\s]+@/gi, keep: ([userinfo]) => `${userinfo}${REDACTED}@` }, // URL credentials
];

/**
 * Text that any built-in rule could match contains one of these (ignoring
 * case): most strings (names, labels, times) contain none and skip the rules.
 * A new built-in rule must add the literal its matches always contain.
 */
const BUILT_IN_HINT = /bearer|basic|xox|xapp-|akia|asia|gh[pousr]_|eyj|-----begin|pass|pwd|secret|token|api[_-]?key|:\/\//i;

export class Redactor {
  private readonly extra: Rule[];

  /** `extraPatterns`: configured regular expressions whose matches are secrets too. */
  constructor(extraPatterns: Array<string | RegExp> = []) {
    this.extra = extraPatterns.map((p) => ({ pattern: typeof p === 'string' ? new RegExp(p, 'g') : p }));
  }

  /** A string with every secret-looking part replaced; key=value keeps its key so the text still reads. */
  text(input: string): string {
    let out = BUILT_IN_HINT.test(input) ? apply(input, BUILT_IN) : input;
    if (this.extra.length) out = apply(out, this.extra);
    return out;
  }

  /** A deep copy with secrets removed: secret-named keys, Secret manifests' data, tokens inside strings. */
  value<T>(input: T): T {
    return this.walk(input, 0) as T;
  }

  private walk(value: unknown, depth: number): unknown {
    if (depth > 40) return REDACTED;
    if (typeof value === 'string') return this.text(value);
    if (Array.isArray(value)) return value.map((v) => this.walk(v, depth + 1));
    if (value === null || typeof value !== 'object') return value;
    const obj = value as Record<string, unknown>;
    const isSecret = obj.kind === 'Secret' && (obj.apiVersion === 'v1' || obj.apiVersion === undefined);
    const out: Record<string, unknown> = {};
    for (const [key, v] of Object.entries(obj)) {
      if (isSecret && (key === 'data' || key === 'stringData') && v && typeof v === 'object') {
        out[key] = Object.fromEntries(Object.keys(v).map((k) => [k, REDACTED]));
      } else if (SECRET_KEY.test(key) && v !== null && v !== undefined && typeof v !== 'object' && typeof v !== 'boolean') {
        out[key] = REDACTED;
      } else {
        out[key] = this.walk(v, depth + 1);
      }
    }
    return out;
  }
}

function apply(input: string, rules: Rule[]): string {
  let out = input;
  for (const { pattern, keep } of rules) {
    out = out.replace(pattern, (...m: unknown[]) => (keep ? keep(m.slice(1, -2) as string[]) : REDACTED));
  }
  return out;
}

/** A redactor with the built-in rules only, for places that have no configuration. */
export const defaultRedactor = new Redactor();
