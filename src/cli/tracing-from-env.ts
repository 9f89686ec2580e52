import { hostname } from 'node:os';
import type { Config } from '../config/schema.js';
import { Redactor } from '../redact/redactor.js';
import { tracingOff, type Tracing } from '../tracing/tracing.js';
import { tracingSettings } from '../tracing/tracing-settings.js';
import type { RuntimeEnv } from './config-from.js';

/**
 * Tracing as the OTEL_* variables of the entry point's environment ask for
 * it (off unless they do), with spans redacted like logs. The SDK and the
 * exporter are loaded only then. Configuration problems come back as
 * warnings, to be logged once the logger exists.
 */
export async function tracingFrom(rt: RuntimeEnv, config: Config): Promise<{ tracing: Tracing; warnings: string[] }> {
  const warnings: string[] = [];
  if (!tracingSettings(rt.env)) return { tracing: tracingOff, warnings };
  const { createTracing } = await import('../tracing/create-tracing.js');
  let redactor: Redactor | undefined;
  const tracing = createTracing({
    env: rt.env,
    instanceId: `${hostname()}-${process.pid}`,
    redact: (text) => (redactor ??= new Redactor(config.redaction.patterns)).text(text),
    warn: (message) => warnings.push(`tracing: ${message}`),
  });
  return { tracing, warnings };
}
