/**
 * Reads the standard OpenTelemetry variables from the environment it is
 * given (never process.env). Drover traces only when asked: an exporter named
 * in OTEL_TRACES_EXPORTER, or an OTLP endpoint set; OTEL_SDK_DISABLED=true
 * and OTEL_TRACES_EXPORTER=none win over both.
 */
export type Env = Record<string, string | undefined>;

export type SamplerName = 'always_on' | 'always_off' | 'traceidratio' | 'parentbased_always_on' | 'parentbased_always_off' | 'parentbased_traceidratio';

export interface TracingSettings {
  serviceName: string;
  resourceAttributes: Record<string, string>;
  exporters: Array<'otlp' | 'console'>;
  otlp: { url: string; headers: Record<string, string>; timeoutMs: number };
  sampler: { name: SamplerName; ratio: number };
  batch: { scheduledDelayMillis: number; maxQueueSize: number; maxExportBatchSize: number; exportTimeoutMillis: number };
}

const SAMPLERS: readonly SamplerName[] = ['always_on', 'always_off', 'traceidratio', 'parentbased_always_on', 'parentbased_always_off', 'parentbased_traceidratio'];

const set = (value: string | undefined): string | undefined => (value?.trim() ? value.trim() : undefined);

function number(env: Env, name: string, fallback: number, warn: (message: string) => void): number {
  const raw = set(env[name]);
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (Number.isFinite(n) && n >= 0) return n;
  warn(`${name}=${raw} is not a number; using ${fallback}`);
  return fallback;
}

/** `k1=v1,k2=v2` (percent-encoded values), as OTEL_RESOURCE_ATTRIBUTES and OTEL_EXPORTER_OTLP_HEADERS are written. */
export function parseKeyValues(text: string | undefined, what: string, warn: (message: string) => void): Record<string, string> {
  const out: Record<string, string> = {};
  for (const pair of (text ?? '').split(',')) {
    if (!pair.trim()) continue;
    const eq = pair.indexOf('=');
    const key = eq > 0 ? pair.slice(0, eq).trim() : '';
    if (!key) {
      // The value is not echoed: headers carry credentials.
      warn(`${what}: an entry without key=value was ignored`);
      continue;
    }
    try {
      out[key] = decodeURIComponent(pair.slice(eq + 1).trim());
    } catch {
      warn(`${what}: the value of ${key} is not percent-encoded correctly; ignored`);
    }
  }
  return out;
}

/** The OTLP/HTTP traces URL: the signal's own endpoint as given, else the base endpoint + /v1/traces. */
function otlpUrl(env: Env): string {
  const own = set(env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT);
  if (own) return own;
  const base = set(env.OTEL_EXPORTER_OTLP_ENDPOINT) ?? 'http://localhost:4318';
  return `${base.replace(/\/+$/, '')}/v1/traces`;
}

/** The settings, or undefined when tracing is off (the default). */
export function tracingSettings(env: Env, warn: (message: string) => void = () => undefined): TracingSettings | undefined {
  if (set(env.OTEL_SDK_DISABLED)?.toLowerCase() === 'true') return undefined;
  const named = (set(env.OTEL_TRACES_EXPORTER) ?? '')
    .split(',')
    .map((e) => e.trim().toLowerCase())
    .filter(Boolean);
  if (named.includes('none')) return undefined;
  const endpointSet = Boolean(set(env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT) ?? set(env.OTEL_EXPORTER_OTLP_ENDPOINT));
  const exporters: Array<'otlp' | 'console'> = [];
  for (const name of named) {
    if (name === 'otlp' || name === 'console') {
      if (!exporters.includes(name)) exporters.push(name);
    } else warn(`OTEL_TRACES_EXPORTER: "${name}" is not supported (otlp, console, none); ignored`);
  }
  if (!named.length && endpointSet) exporters.push('otlp');
  if (!exporters.length) return undefined;

  const protocol = set(env.OTEL_EXPORTER_OTLP_TRACES_PROTOCOL) ?? set(env.OTEL_EXPORTER_OTLP_PROTOCOL);
  if (protocol && protocol !== 'http/json' && exporters.includes('otlp')) {
    warn(`OTEL_EXPORTER_OTLP_PROTOCOL=${protocol}: Drover sends OTLP over HTTP as JSON (http/json), which collectors take on their HTTP port (4318)`);
  }
  const samplerRaw = (set(env.OTEL_TRACES_SAMPLER) ?? 'parentbased_always_on').toLowerCase();
  let samplerName: SamplerName = 'parentbased_always_on';
  if ((SAMPLERS as readonly string[]).includes(samplerRaw)) samplerName = samplerRaw as SamplerName;
  else warn(`OTEL_TRACES_SAMPLER=${samplerRaw} is not supported; using parentbased_always_on`);
  let ratio = number(env, 'OTEL_TRACES_SAMPLER_ARG', 1, warn);
  if (ratio > 1) {
    warn(`OTEL_TRACES_SAMPLER_ARG=${ratio} is above 1; using 1`);
    ratio = 1;
  }

  const resourceAttributes = parseKeyValues(env.OTEL_RESOURCE_ATTRIBUTES, 'OTEL_RESOURCE_ATTRIBUTES', warn);
  const serviceName = set(env.OTEL_SERVICE_NAME) ?? resourceAttributes['service.name'] ?? 'drover';
  return {
    serviceName,
    resourceAttributes,
    exporters,
    otlp: {
      url: otlpUrl(env),
      headers: {
        ...parseKeyValues(env.OTEL_EXPORTER_OTLP_HEADERS, 'OTEL_EXPORTER_OTLP_HEADERS', warn),
        ...parseKeyValues(env.OTEL_EXPORTER_OTLP_TRACES_HEADERS, 'OTEL_EXPORTER_OTLP_TRACES_HEADERS', warn),
      },
      timeoutMs: number(env, 'OTEL_EXPORTER_OTLP_TRACES_TIMEOUT', number(env, 'OTEL_EXPORTER_OTLP_TIMEOUT', 10_000, warn), warn),
    },
    sampler: { name: samplerName, ratio },
    batch: {
      scheduledDelayMillis: number(env, 'OTEL_BSP_SCHEDULE_DELAY', 5000, warn),
      maxQueueSize: number(env, 'OTEL_BSP_MAX_QUEUE_SIZE', 2048, warn),
      maxExportBatchSize: number(env, 'OTEL_BSP_MAX_EXPORT_BATCH_SIZE', 512, warn),
      exportTimeoutMillis: number(env, 'OTEL_BSP_EXPORT_TIMEOUT', 30_000, warn),
    },
  };
}
