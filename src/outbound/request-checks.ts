/**
 * Checks on an outbound request before fetch sees it, and a way to say why a
 * fetch failed, both without echoing what the caller handed in: fetch's own
 * messages quote a rejected header value ("Headers.append: "Bearer …" is an
 * invalid header value") or the whole URL with its user name and password.
 */
import { DroverError, networkErrorCode } from '../errors.js';

/** RFC 9110 token: what a header name may be. */
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
/** CR, LF and NUL end a header line early; fetch refuses them, quoting the value. */
const BAD_VALUE = /[\r\n\0]/;

/** Throws params_invalid, naming the header but never its value, for a name or value HTTP does not allow. */
export function checkHeaders(headers: Record<string, string>, what: string): void {
  for (const [name, value] of Object.entries(headers)) {
    if (!HEADER_NAME.test(name)) throw new DroverError('params_invalid', `${what}: a header name holds characters HTTP does not allow (spaces, line breaks or separators)`);
    if (typeof value !== 'string') throw new DroverError('params_invalid', `${what}: header ${name} must be a string`);
    if (BAD_VALUE.test(value)) throw new DroverError('params_invalid', `${what}: header ${name} holds a line break or NUL, which would inject another header; its value is not shown`);
  }
}

/** Throws params_invalid when a URL carries a user name or password (fetch refuses it, quoting them). */
export function checkNoUrlCredentials(url: URL, what: string): void {
  if (url.username || url.password) {
    throw new DroverError('params_invalid', `${what}: the URL carries a user name or password; send credentials in a header (Authorization) instead. The URL is not shown`);
  }
}

/** Why a fetch failed, in words safe to show: a network or TLS code from the cause chain, never a message that may quote the request. */
export function fetchFailure(err: unknown): string {
  const net = networkErrorCode(err);
  if (net) return net;
  let current: unknown = err;
  for (let depth = 0; depth < 5 && current && typeof current === 'object'; depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string' && /^[A-Z][A-Z0-9_]+$/.test(code)) return code;
    current = (current as { cause?: unknown }).cause;
  }
  return 'the request could not be completed';
}
