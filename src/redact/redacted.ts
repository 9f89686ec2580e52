declare const REDACTED_BRAND: unique symbol;

/**
 * A value that has been through the redactor. Only `src/redact` makes one (the
 * lint forbids `as Redacted` elsewhere), and every sink (Slack, the terminal
 * chat, the CLI, /metrics) takes nothing else, so text that skipped redaction
 * does not type-check. Any change to it (a template string, a spread, `slice`)
 * gives back a plain value that must be redacted again.
 */
export type Redacted<T> = T & { readonly [REDACTED_BRAND]: true };

/** Redacted text, ready for a sink. */
export type SafeText = Redacted<string>;

/** What replaces a secret. */
export const REDACTED = '[redacted]';
