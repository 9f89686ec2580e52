import type { Config } from '../config/schema.js';
import { Redactor } from '../redact/redactor.js';
import { createTracing, type Tracing } from '../tracing/create-tracing.js';
import type { RuntimeEnv } from './config-from.js';

/**
 * Tracing as the OTEL_* variables of the entry point's environment ask for
 * it (off unless they do), with spans redacted like logs. Configuration
 * problems come back as warnings, to be logged once the logger exists.
 */
export function tracingFrom(rt: RuntimeEnv, config: Config): { tracing: Tracing; warnings: string[] } {
  const warnings: string[] = [];
  let redactor: Redactor | undefined;
  const tracing = createTracing({
    env: rt.env,
    redact: (text) => (redactor ??= new Redactor(config.redaction.patterns)).text(text),
    warn: (message) => warnings.push(`tracing: ${message}`),
  });
  return { tracing, warnings };
}
