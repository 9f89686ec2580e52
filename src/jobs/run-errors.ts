import type { DroverError } from '../errors.js';
import { REDACTED } from '../redact/redactor.js';
import type { PlannedChange } from '../k8s/types.js';
import type { RunError } from './run-record.js';

/** Replaces a run's own secret values wherever a runbook might echo them (reports, errors). */
export function literalScrubber(values: unknown[]): (text: string) => string {
  // Short values (a port, a flag) would scrub ordinary text too.
  const secrets = values.filter((v) => typeof v === 'string' || typeof v === 'number').map(String).filter((s) => s.length >= 4);
  if (!secrets.length) return (text) => text;
  return (text) => secrets.reduce((out, s) => out.split(s).join(REDACTED), text);
}

/** A change as people see it: its summary and diff with the run's own secret values scrubbed. */
export function scrubChange(scrub: (text: string) => string): (change: PlannedChange) => PlannedChange {
  return (change) => ({ ...change, summary: scrub(change.summary), diff: scrub(change.diff) });
}

export function errorOf(err: DroverError): RunError {
  return { code: err.code, message: err.message };
}
