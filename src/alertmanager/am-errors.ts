/**
 * Turns a failed Alertmanager call into a DroverError whose message names the
 * Alertmanager, the request and what came back, and whose `retryable` says
 * whether the same call could succeed later (network trouble, 5xx) or not (4xx).
 */
import { DroverError, networkErrorCode, type ErrorCode } from '../errors.js';

/**
 * ErrorCode is a closed union owned by src/errors.ts and has no Alertmanager
 * code yet; `details.service` tells these errors apart until it does.
 */
export const AM_ERROR_CODE: ErrorCode = 'internal';

/** Where a call went, for messages and details. Never holds credentials. */
export interface AmCall {
  /** The base URL as configured, without credentials. */
  url: string;
  method: string;
  path: string;
}

const BODY_LIMIT = 300;

function details(call: AmCall, status: number, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { service: 'alertmanager', url: call.url, method: call.method, path: call.path, status, ...extra };
}

/** Alertmanager answers errors as a JSON string, `{code, message}`, or plain text from a proxy. */
export function errorText(body: string): string {
  let text = body.trim();
  try {
    const parsed = JSON.parse(text) as unknown;
    if (typeof parsed === 'string') text = parsed;
    else if (typeof parsed === 'object' && parsed !== null && typeof (parsed as { message?: unknown }).message === 'string') {
      text = (parsed as { message: string }).message;
    }
  } catch {
    // Not JSON: keep the text.
  }
  text = text.replace(/\s+/g, ' ').trim();
  return text.length > BODY_LIMIT ? `${text.slice(0, BODY_LIMIT)}…` : text;
}

export function httpError(call: AmCall, status: number, body: string): DroverError {
  const text = errorText(body);
  const hint =
    status === 401 || status === 403 ? '; check the bearer token or basic auth Drover sends to Alertmanager' : '';
  // 429 and 408 are a proxy asking us to come back later; other 4xx would fail again.
  const retryable = status >= 500 || status === 429 || status === 408;
  return new DroverError(
    AM_ERROR_CODE,
    `Alertmanager at ${call.url} answered HTTP ${status} to ${call.method} ${call.path}${text ? `: ${text}` : ''}${hint}`,
    { retryable, details: details(call, status, text ? { body: text } : {}) },
  );
}

function isTls(code: string): boolean {
  return /CERT|SELF_SIGNED|UNABLE_TO_VERIFY|ERR_TLS|SSL/.test(code);
}

/** The code of whatever fetch() threw: undici wraps the socket error as `cause`. */
function transportCode(err: unknown): string {
  const known = networkErrorCode(err);
  if (known) return known;
  for (let e: unknown = err, depth = 0; depth < 5 && typeof e === 'object' && e !== null; depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string') return code;
    e = (e as { cause?: unknown }).cause;
  }
  return 'fetch failed';
}

/** fetch() itself failed: no HTTP answer at all. */
export function transportError(call: AmCall, err: unknown, timedOut: boolean, timeoutMs: number): DroverError {
  if (timedOut) {
    return new DroverError(
      AM_ERROR_CODE,
      `Alertmanager at ${call.url} did not answer ${call.method} ${call.path} within ${timeoutMs} ms`,
      { retryable: true, cause: err, details: details(call, 0, { networkCode: 'ETIMEDOUT' }) },
    );
  }
  const code = transportCode(err);
  const tls = isTls(code);
  return new DroverError(
    AM_ERROR_CODE,
    `Alertmanager at ${call.url} is unreachable (${code}) for ${call.method} ${call.path}${tls ? '; check its TLS certificate' : ''}`,
    { retryable: !tls, cause: err, details: details(call, 0, { networkCode: code }) },
  );
}

/** A 2xx whose body is not what Alertmanager's v2 API returns: likely the wrong URL, or a proxy's page. */
export function shapeError(call: AmCall, status: number, problem: string, cause?: unknown): DroverError {
  return new DroverError(
    AM_ERROR_CODE,
    `Alertmanager at ${call.url} answered ${call.method} ${call.path} with something that is not Alertmanager v2 API JSON (${problem}); check that the URL points at Alertmanager`,
    { cause, details: details(call, status, { problem }) },
  );
}
