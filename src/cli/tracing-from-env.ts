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
export async function tracingFrom(rt: RuntimeEnv, config: Config, options: { shutdownTimeoutMs?: number } = {}): Promise<{ tracing: Tracing; warnings: string[] }> {
  const warnings: string[] = [];
  // Read once for the warnings (a garbage endpoint turns tracing off, and says so); createTracing reads the same again.
  if (!tracingSettings(rt.env, (message) => warnings.push(`tracing: ${message}`))) return { tracing: tracingOff, warnings };
  const { createTracing } = await import('../tracing/create-tracing.js');
  let redactor: Redactor | undefined;
  try {
    const tracing = createTracing({
      env: rt.env,
      instanceId: `${hostname()}-${process.pid}`,
      redact: (text) => (redactor ??= new Redactor(config.redaction.patterns)).text(text),
      ...(options.shutdownTimeoutMs !== undefined ? { shutdownTimeoutMs: options.shutdownTimeoutMs } : {}),
    });
    return { tracing, warnings };
  } catch (err) {
    // The SDK refused its configuration: Drover runs untraced rather than not at all.
    warnings.push(`tracing: off, the OpenTelemetry SDK refused its configuration (${err instanceof Error ? err.message : String(err)})`);
    return { tracing: tracingOff, warnings };
  }
}
