/**
 * The one redaction layer: everything that reaches Slack, a terminal, the CLI,
 * the logs, /metrics or the audit log goes through it, and the sinks take only
 * its output (`Redacted`). It removes values under secret-looking keys, the
 * data of Kubernetes Secrets, secrets inside text (secretlint's preset,
 * Drover's own patterns, the base64 of either) and any configured patterns.
 */
import { base64Detector } from './base64.js';
import { droverPatterns } from './drover-patterns.js';
import { REDACTED, type Redacted, type SafeText } from './redacted.js';
import { regexDetector, type Detector, type Finding } from './rule.js';
import { secretlintDetector } from './secretlint-rules.js';
import { detectMany } from './batch-detect.js';

export { REDACTED, type Redacted, type SafeText } from './redacted.js';

const SECRET_KEY = /(pass(word|wd|phrase)?|pwd|secret|token|api[-_]?key|[-_.]key|private[-_]?key|credentials?|auth(orization)?|cookie|session|signature)$/i;

/** No rule matches fewer characters than this. */
const SHORTEST_SECRET = 8;

/** Recent answers kept: ids, names and states recur in every event, and each costs every rule. */
const MEMO_ENTRIES = 4096;
/** Longer strings are rarely repeated; they are not kept. */
const MEMO_MAX_LENGTH = 512;

/** Strings that any chat surface keeps within its limits: redaction never makes one longer than this or than it was. */
const CHAT_MIN_LIMIT = 24;

export class Redactor {
  /** Secretlint's rules: costly per call, so a value's texts are scanned together (`detectMany`). */
  private readonly secretlint: Detector;
  /** The rest, cheap per text. */
  private readonly others: Detector[];
  private readonly extra: Detector[];
  private memo = new Map<string, SafeText>();

  /** `extraPatterns`: configured regular expressions whose matches are secrets too. */
  constructor(extraPatterns: Array<string | RegExp> = []) {
    this.extra = extraPatterns.map((p) => regexDetector(typeof p === 'string' ? new RegExp(p, 'g') : p));
    this.secretlint = secretlintDetector();
    const plain = [this.secretlint, droverPatterns, ...this.extra];
    const hasSecret = (decoded: string) => plain.some((d) => d(decoded).length > 0);
    this.others = [droverPatterns, ...this.extra, base64Detector(hasSecret)];
  }

  /** A string with every secret-looking part replaced; key=value keeps its key so the text still reads. */
  text(input: string): SafeText {
    const known = this.memo.get(input);
    if (known !== undefined) return known;
    return this.remember(input, input.length < SHORTEST_SECRET ? this.redactWith(input, this.extra) : this.redactWith(input, [this.secretlint, ...this.others]));
  }

  private redactWith(input: string, detectors: Detector[], found: Finding[] = []): SafeText {
    return replace(input, [...found, ...detectors.flatMap((d) => d(input))]) as SafeText;
  }

  private remember(input: string, out: SafeText): SafeText {
    if (input.length <= MEMO_MAX_LENGTH) {
      // A generation at a time: cheaper than an LRU, and as good for what recurs within one.
      if (this.memo.size >= MEMO_ENTRIES) this.memo = new Map();
      this.memo.set(input, out);
    }
    return out;
  }

  /** A deep copy with secrets removed: secret-named keys, Secret manifests' data, secrets inside strings. */
  value<T>(input: T): Redacted<T> {
    const known = this.textsOf(input);
    return this.walk(input, 0, (s) => known.get(s) ?? this.text(s)) as Redacted<T>;
  }

  /**
   * The redacted form of every string in a value that is not already known,
   * with secretlint's rules run once over all of them rather than once each.
   */
  private textsOf(input: unknown): Map<string, SafeText> {
    const fresh = new Set<string>();
    collectStrings(input, 0, (s) => {
      if (s.length >= SHORTEST_SECRET && !this.memo.has(s)) fresh.add(s);
    });
    const known = new Map<string, SafeText>();
    if (fresh.size < 2) return known;
    const texts = [...fresh];
    detectMany(this.secretlint, texts).forEach((found, i) => {
      const text = texts[i] as string;
      known.set(text, this.remember(text, this.redactWith(text, this.others, found)));
    });
    return known;
  }

  /**
   * A chat message or modal (Block Kit), redacted, each string no longer than
   * it was (or than the smallest Block Kit limit), so Slack's limits still hold.
   */
  chat<T extends object>(input: T): Redacted<T> {
    return this.walk(input, 0, (s) => {
      const out = this.text(s);
      const max = Math.max(s.length, CHAT_MIN_LIMIT);
      return out.length > max ? out.slice(0, max) : out;
    }) as Redacted<T>;
  }

  /** An Error stays an Error (loggers serialize it as one), with its message, stack, cause and fields redacted. */
  private error(err: Error, depth: number, text: (s: string) => string): Error {
    const copy = new Error(text(err.message));
    copy.name = err.name;
    copy.stack = err.stack === undefined ? undefined : text(err.stack);
    if (err.cause !== undefined) copy.cause = this.walk(err.cause, depth + 1, text);
    return Object.assign(copy, this.walk({ ...err }, depth + 1, text));
  }

  private walk(value: unknown, depth: number, text: (s: string) => string): unknown {
    if (depth > 40) return REDACTED;
    if (typeof value === 'string') return text(value);
    if (Array.isArray(value)) return value.map((v) => this.walk(v, depth + 1, text));
    if (value instanceof Error) return this.error(value, depth, text);
    if (value === null || typeof value !== 'object') return value;
    const obj = value as Record<string, unknown>;
    // Any object whose kind is Secret (v1, a list item without apiVersion, a CRD's Secret kind alike): values never show.
    const isSecret = obj.kind === 'Secret';
    const out: Record<string, unknown> = {};
    for (const [key, v] of Object.entries(obj)) {
      if (isSecret && (key === 'data' || key === 'stringData') && v && typeof v === 'object') {
        out[key] = Object.fromEntries(Object.keys(v).map((k) => [k, REDACTED]));
      } else if (SECRET_KEY.test(key) && v !== null && v !== undefined && typeof v !== 'object' && typeof v !== 'boolean') {
        out[key] = REDACTED;
      } else {
        out[key] = this.walk(v, depth + 1, text);
      }
    }
    return out;
  }
}

/** Calls `visit` with every string `walk` would redact (keys are kept as they are). */
function collectStrings(value: unknown, depth: number, visit: (s: string) => void): void {
  if (depth > 40) return;
  if (typeof value === 'string') return visit(value);
  if (value === null || typeof value !== 'object') return;
  if (value instanceof Error) {
    visit(value.message);
    if (value.stack !== undefined) visit(value.stack);
    return;
  }
  for (const v of Array.isArray(value) ? value : Object.values(value)) collectStrings(v, depth + 1, visit);
}

/** Replaces the findings (overlapping ones merged) in `input`. */
function replace(input: string, findings: Finding[]): string {
  if (!findings.length) return input;
  const sorted = findings.filter((f) => f.end > f.start).sort((a, b) => a.start - b.start || b.end - a.end);
  let out = '';
  let at = 0;
  for (let i = 0; i < sorted.length; ) {
    const first = sorted[i]!;
    let end = first.end;
    let j = i + 1;
    while (j < sorted.length && sorted[j]!.start < end) end = Math.max(end, sorted[j++]!.end);
    // The widest finding speaks for the merged span when it covers it all (it keeps a key readable).
    out += input.slice(at, first.start) + (first.end === end && first.with !== undefined ? first.with : REDACTED);
    at = end;
    i = j;
  }
  return out + input.slice(at);
}

/** A redactor with the built-in rules only, for places that have no configuration. */
export const defaultRedactor = new Redactor();
