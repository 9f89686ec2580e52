/**
 * HTTP plumbing: reading and decoding request bodies the way slack.com/api
 * does, and writing JSON answers.
 *
 * WebClient v8 sends `application/x-www-form-urlencoded` for every call
 * without a file, with object and array arguments JSON-encoded into the form
 * field (`blocks=[{"type":"section",…}]`). Slack also accepts JSON bodies
 * (token in the Authorization header only).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';

/** Form fields Slack documents as "a JSON-based array/object … presented as a URL-encoded string". */
const JSON_FORM_FIELDS = new Set(['blocks', 'attachments', 'view', 'metadata', 'unfurls', 'user_auth_blocks', 'profile']);

export type Args = Record<string, unknown>;

export interface DecodedBody {
  args: Args;
  /** Where a token in the body may come from: only form and query fields count, as on Slack. */
  bodyToken: string | undefined;
  /** Set when the body cannot be read: Slack answers with this error. */
  error?: 'invalid_json' | 'invalid_form_data';
}

export function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

export function headerMap(req: IncomingMessage): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(req.headers)) {
    if (v !== undefined) out[k] = Array.isArray(v) ? v.join(', ') : v;
  }
  return out;
}

export function mediaType(contentType: string | undefined): string {
  return (contentType ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
}

function decodeFormValue(key: string, value: string): unknown {
  if (!JSON_FORM_FIELDS.has(key)) return value;
  try {
    return JSON.parse(value) as unknown;
  } catch {
    return value; // left as sent; the method then answers invalid_blocks_format or invalid_arguments
  }
}

function fromParams(params: URLSearchParams, into: Args): void {
  for (const [key, value] of params) into[key] = decodeFormValue(key, value);
}

export function decodeBody(contentType: string | undefined, raw: string, query: URLSearchParams): DecodedBody {
  const args: Args = {};
  fromParams(query, args);
  const type = mediaType(contentType);
  if (raw.trim() === '') return { args, bodyToken: stringArg(args, 'token') };
  if (type === 'application/x-www-form-urlencoded') {
    fromParams(new URLSearchParams(raw), args);
    return { args, bodyToken: stringArg(args, 'token') };
  }
  if (type === 'application/json') {
    const queryToken = stringArg(args, 'token');
    try {
      const parsed = JSON.parse(raw) as unknown;
      if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
        return { args, bodyToken: queryToken, error: 'invalid_json' };
      }
      return { args: { ...args, ...(parsed as Args) }, bodyToken: queryToken };
    } catch {
      return { args, bodyToken: queryToken, error: 'invalid_json' };
    }
  }
  return { args, bodyToken: undefined, error: 'invalid_form_data' };
}

/** A string argument; numbers count (form fields are strings, JSON may carry numbers). */
export function stringArg(args: Args, key: string): string | undefined {
  const value = args[key];
  if (typeof value === 'string' && value !== '') return value;
  if (typeof value === 'number') return String(value);
  return undefined;
}

export function bearerToken(authorization: string | undefined): string | undefined {
  const match = /^Bearer\s+(\S+)$/i.exec(authorization ?? '');
  return match?.[1];
}

export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const payload = JSON.stringify(body);
  res.writeHead(status, {
    'Content-Type': 'application/json; charset=utf-8',
    'Content-Length': Buffer.byteLength(payload),
    ...headers,
  });
  res.end(payload);
}
