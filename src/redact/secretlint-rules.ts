import { rules as presetRules } from '@secretlint/secretlint-rule-preset-recommend';
import type { Detector, Finding } from './rule.js';

/**
 * The provider-specific secret formats come from secretlint's recommended
 * preset (maintained upstream: AWS, GCP, private keys, npm, basic auth in
 * URLs, Slack, SendGrid, Shopify, GitHub, OpenAI, Anthropic, Linear,
 * 1Password, database connection strings). Its rules are driven here through
 * their documented rule interface, synchronously, on one text at a time;
 * secretlint's engine (async, file-oriented) is not used.
 */

/** The part of secretlint's rule interface this driver relies on. */
interface SecretlintRule {
  meta: { id: string; type: 'scanner' | 'filter' };
  create(context: RuleContext, options: Record<string, unknown>): { file?(source: RuleSource): unknown };
}

interface RuleContext {
  sharedOptions: Record<string, unknown>;
  createTranslator(messages: unknown): (id: string, data?: unknown) => { message: string; data?: unknown };
  report(descriptor: { range: readonly [number, number] }): void;
  ignore(descriptor: unknown): void;
}

interface RuleSource {
  readonly content: string;
  readonly hasBOM: boolean;
  readonly filePath: undefined;
  readonly physicalFilePath: undefined;
  readonly contentType: 'text';
  readonly ext: string;
  getFilePath(): undefined;
  getPhysicalFilePath(): undefined;
}

/** Options per rule: AWS access key ids are secrets here too (the preset only flags secret keys by default). */
const OPTIONS: Record<string, Record<string, unknown>> = {
  '@secretlint/secretlint-rule-aws': { enableIDScanRule: true },
};

/** Ids of the preset's rules Drover runs. */
export function secretlintRuleIds(): string[] {
  return scanners().map((r) => r.meta.id);
}

function scanners(): SecretlintRule[] {
  return (presetRules as unknown as SecretlintRule[]).filter((r) => r.meta.type === 'scanner');
}

/** A detector running every scanner rule of the preset. */
export function secretlintDetector(): Detector {
  let found: Finding[] = [];
  const context: RuleContext = {
    sharedOptions: {},
    createTranslator: () => (id) => ({ message: id }),
    report: ({ range }) => {
      found.push({ start: range[0], end: range[1] });
    },
    ignore: () => undefined,
  };
  const handlers = scanners().map((rule) => rule.create(context, OPTIONS[rule.meta.id] ?? {}));
  return (content) => {
    found = [];
    const source: RuleSource = {
      content,
      hasBOM: false,
      filePath: undefined,
      physicalFilePath: undefined,
      contentType: 'text',
      ext: '',
      getFilePath: () => undefined,
      getPhysicalFilePath: () => undefined,
    };
    for (const handler of handlers) {
      // Text rules report synchronously; an async remainder (reading a file by its path) has no file here.
      const pending = handler.file?.(source);
      if (pending instanceof Promise) pending.catch(() => undefined);
    }
    return found;
  };
}
