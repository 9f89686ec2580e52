import { readFileSync } from 'node:fs';
import { Redis } from 'ioredis';
import { DroverError, errorMessage } from '../errors.js';

/** Node's codes for a server certificate no trusted CA signed. */
const UNTRUSTED = new Set([
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'CERT_UNTRUSTED',
  'CERT_SIGNATURE_FAILURE',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
]);

/** `rediss://host:port`: where, without who. */
function serverOf(url: string): string {
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.host}`;
  } catch {
    return '(unparseable URL)';
  }
}

/** The CA bundle for a `rediss://` URL, or why it cannot be used. */
function tlsOptions(url: string, caFile: string | undefined): { ca: Buffer } | undefined {
  if (!caFile) return undefined;
  if (!url.startsWith('rediss://')) {
    throw new DroverError('config_invalid', `REDIS_CA_FILE (redis.caFile) is set but REDIS_URL is not rediss://: the connection would not use TLS. Use rediss:// or unset REDIS_CA_FILE.`);
  }
  try {
    return { ca: readFileSync(caFile) };
  } catch (err) {
    throw new DroverError('config_invalid', `REDIS_CA_FILE (redis.caFile) ${caFile} cannot be read (${errorMessage(err)}).`, { cause: err });
  }
}

/** A TLS failure said as what the operator must change; undefined for any other failure. */
function tlsProblem(url: string, err: unknown): DroverError | undefined {
  const code = (err as { code?: unknown } | undefined)?.code;
  const message = errorMessage(err);
  const at = `Redis at ${serverOf(url)}`;
  if (typeof code === 'string' && UNTRUSTED.has(code)) {
    return new DroverError('redis_unavailable', `${at}: certificate not trusted (${message}); set REDIS_CA_FILE to the CA bundle (PEM) that signed it.`, { cause: err });
  }
  if (code === 'ERR_TLS_CERT_ALTNAME_INVALID') {
    return new DroverError('redis_unavailable', `${at}: certificate is not for this host (${message}); connect by a name the certificate lists.`, { cause: err });
  }
  if (/wrong version number|packet length too long|unknown protocol/i.test(message)) {
    return new DroverError('redis_unavailable', `${at} does not speak TLS on that port (${message}); use redis:// for a plain port, or the server's TLS port.`, { cause: err });
  }
  return undefined;
}

/**
 * Connects to Redis and proves it answers, failing with an operator-facing
 * message instead of retrying silently for ever. `caFile`: the CA bundle a
 * `rediss://` server's certificate is checked against (its name is checked too).
 */
export async function connectRedis(url: string, timeoutMs = 3000, caFile?: string): Promise<Redis> {
  const tls = tlsOptions(url, caFile);
  // Auto-pipelining: the commands concurrent runs and webhooks issue in one tick go out in one write
  // (BullMQ gets its own connection without it; see createDrover).
  const redis = new Redis(url, { maxRetriesPerRequest: null, lazyConnect: true, enableOfflineQueue: true, enableAutoPipelining: true, ...(tls ? { tls } : {}) });
  let lastError: unknown;
  // A certificate Node refuses is refused again on every retry: no point waiting out the timeout.
  let tlsRefused: (err: unknown) => void = () => undefined;
  const refused = new Promise<never>((_, reject) => (tlsRefused = reject));
  refused.catch(() => undefined);
  redis.on('error', (err) => {
    lastError = err; // reported through the ping below and readiness
    if (tlsProblem(url, err)) tlsRefused(err);
  });
  try {
    await Promise.race([
      redis.connect().then(() => redis.ping()),
      refused,
      new Promise((_, reject) => setTimeout(() => reject(new Error(`no answer within ${timeoutMs}ms`)), timeoutMs).unref()),
    ]);
    return redis;
  } catch (err) {
    redis.disconnect();
    const tlsError = tlsProblem(url, lastError) ?? tlsProblem(url, err);
    if (tlsError) throw tlsError;
    // A plain port keeps reading a TLS hello as the start of a command: it never answers.
    const tlsHint = url.startsWith('rediss://') ? ' With rediss://, check that the port is the server\'s TLS port.' : '';
    throw new DroverError('redis_unavailable', `Redis is not answering at ${redactUrl(url)} (${errorMessage(err)}). Start Redis or set REDIS_URL.${tlsHint}`, {
      cause: err,
      retryable: true,
    });
  }
}

/** The URL without its password, for messages. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return '(unparseable URL)';
  }
}
