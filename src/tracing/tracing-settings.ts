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

/** Node's timers take at most this (about 24.8 days); a longer timeout silently becomes 1 ms. */
const MAX_TIMER_MS = 2_147_483_647;

interface Bounds {
  /** Smallest value accepted (default 0). */
  min?: number;
  /** Largest value accepted (default: the longest timer). */
  max?: number;
  integer?: boolean;
}

function number(env: Env, name: string, fallback: number, warn: (message: string) => void, { min = 0, max = MAX_TIMER_MS, integer = false }: Bounds = {}): number {
  const raw = set(env[name]);
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (Number.isFinite(n) && n >= min && n <= max && (!integer || Number.isInteger(n))) return n;
  warn(`${name}=${raw} is not ${integer ? 'a whole number' : 'a number'} from ${min} to ${max}; using ${fallback}`);
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

/** The OTLP/HTTP traces URL: the signal's own endpoint as given, else the base endpoint + /v1/traces; undefined when not an http(s) URL. */
function otlpUrl(env: Env, warn: (message: string) => void): string | undefined {
  const own = set(env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT);
  const base = set(env.OTEL_EXPORTER_OTLP_ENDPOINT);
  const url = own ?? `${(base ?? 'http://localhost:4318').replace(/\/+$/, '')}/v1/traces`;
  let protocol: string | undefined;
  try {
    protocol = new URL(url).protocol;
  } catch {
    protocol = undefined;
  }
  if (protocol === 'http:' || protocol === 'https:') return url;
  // Not echoed: an endpoint may carry credentials.
  warn(`${own ? 'OTEL_EXPORTER_OTLP_TRACES_ENDPOINT' : 'OTEL_EXPORTER_OTLP_ENDPOINT'} is not an http:// or https:// URL; spans are not sent over OTLP`);
  return undefined;
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
  const url = exporters.includes('otlp') ? otlpUrl(env, warn) : undefined;
  if (exporters.includes('otlp') && !url) exporters.splice(exporters.indexOf('otlp'), 1);
  if (!exporters.length) return undefined;

  const protocol = set(env.OTEL_EXPORTER_OTLP_TRACES_PROTOCOL) ?? set(env.OTEL_EXPORTER_OTLP_PROTOCOL);
  if (protocol && protocol !== 'http/json' && exporters.includes('otlp')) {
    warn(`OTEL_EXPORTER_OTLP_PROTOCOL=${protocol}: Drover sends OTLP over HTTP as JSON (http/json), which collectors take on their HTTP port (4318)`);
  }
  const samplerRaw = (set(env.OTEL_TRACES_SAMPLER) ?? 'parentbased_always_on').toLowerCase();
  let samplerName: SamplerName = 'parentbased_always_on';
  if ((SAMPLERS as readonly string[]).includes(samplerRaw)) samplerName = samplerRaw as SamplerName;
  else warn(`OTEL_TRACES_SAMPLER=${samplerRaw} is not supported; using parentbased_always_on`);
  const ratio = number(env, 'OTEL_TRACES_SAMPLER_ARG', 1, warn, { max: 1 });

  const resourceAttributes = parseKeyValues(env.OTEL_RESOURCE_ATTRIBUTES, 'OTEL_RESOURCE_ATTRIBUTES', warn);
  const serviceName = set(env.OTEL_SERVICE_NAME) ?? resourceAttributes['service.name'] ?? 'drover';
  return {
    serviceName,
    resourceAttributes,
    exporters,
    otlp: {
      url: url ?? '',
      headers: {
        ...parseKeyValues(env.OTEL_EXPORTER_OTLP_HEADERS, 'OTEL_EXPORTER_OTLP_HEADERS', warn),
        ...parseKeyValues(env.OTEL_EXPORTER_OTLP_TRACES_HEADERS, 'OTEL_EXPORTER_OTLP_TRACES_HEADERS', warn),
      },
      timeoutMs: number(env, 'OTEL_EXPORTER_OTLP_TRACES_TIMEOUT', number(env, 'OTEL_EXPORTER_OTLP_TIMEOUT', 10_000, warn, { min: 1 }), warn, { min: 1 }),
    },
    sampler: { name: samplerName, ratio },
    batch: {
      scheduledDelayMillis: number(env, 'OTEL_BSP_SCHEDULE_DELAY', 5000, warn),
      maxQueueSize: number(env, 'OTEL_BSP_MAX_QUEUE_SIZE', 2048, warn, { min: 1, max: 1_000_000, integer: true }),
      maxExportBatchSize: number(env, 'OTEL_BSP_MAX_EXPORT_BATCH_SIZE', 512, warn, { min: 1, max: 1_000_000, integer: true }),
      exportTimeoutMillis: number(env, 'OTEL_BSP_EXPORT_TIMEOUT', 30_000, warn, { min: 1 }),
    },
  };
}
