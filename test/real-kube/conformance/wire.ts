/**
 * One HTTP request, byte for byte the same to either server: method, path,
 * query, headers and body are given explicitly (no client library choosing a
 * content type or moving options around), and the answer comes back raw.
 */
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { Agent, request as httpsRequest } from 'node:https';

/** Where to send: the fake (http) or the real API server (https with its CA). */
export interface WireTarget {
  name: 'fake' | 'real';
  url: string;
  ca?: Buffer;
  /** Bearer token sent unless the request names another. */
  token: string;
}

export interface WireRequest {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  path: string;
  /** Query parameters, in order; repeated names allowed. */
  query?: [string, string][];
  /** JSON-encoded unless a string (sent as is). */
  body?: unknown;
  contentType?: string;
  /** Overrides the target's token; null sends no Authorization header. */
  token?: string | null;
  /** Extra header lines, repeated names kept apart (Impersonate-Group). */
  headers?: [string, string][];
}

export interface WireAnswer {
  status: number;
  contentType: string;
  /** Parsed JSON, else the text ('' for no body). */
  body: unknown;
  text: string;
}

const TIMEOUT_MS = 15_000;

export function pathWithQuery(req: WireRequest): string {
  const query = (req.query ?? []).map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`).join('&');
  return query ? `${req.path}?${query}` : req.path;
}

export function send(target: WireTarget, req: WireRequest): Promise<WireAnswer> {
  const payload = req.body === undefined ? undefined : typeof req.body === 'string' ? req.body : JSON.stringify(req.body);
  const headers: [string, string][] = [['Accept', 'application/json, */*'], ['User-Agent', 'drover-conformance']];
  const token = req.token === undefined ? target.token : req.token;
  if (token !== null) headers.push(['Authorization', `Bearer ${token}`]);
  if (payload !== undefined) {
    headers.push(['Content-Type', req.contentType ?? 'application/json']);
    headers.push(['Content-Length', String(Buffer.byteLength(payload))]);
  }
  headers.push(...(req.headers ?? []));
  const url = new URL(pathWithQuery(req), target.url);
  // Raw header lines (so repeated names stay apart) make node leave out Host: add it.
  const flat = [['Host', url.host], ...headers].flat();
  return new Promise((resolve, reject) => {
    const onAnswer = (res: IncomingMessage): void => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('error', reject);
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        const contentType = String(res.headers['content-type'] ?? '');
        let body: unknown = text;
        if (contentType.includes('json') && text !== '') {
          try {
            body = JSON.parse(text) as unknown;
          } catch {
            body = text;
          }
        }
        resolve({ status: res.statusCode ?? 0, contentType, body, text });
      });
    };
    const options = { method: req.method, headers: flat, timeout: TIMEOUT_MS };
    const r =
      url.protocol === 'https:'
        ? httpsRequest(url, { ...options, agent: new Agent({ ca: target.ca, keepAlive: false }) }, onAnswer)
        : httpRequest(url, options, onAnswer);
    r.on('timeout', () => r.destroy(new Error(`${target.name}: no answer to ${req.method} ${req.path} within ${TIMEOUT_MS} ms`)));
    r.on('error', reject);
    if (payload !== undefined) r.write(payload);
    r.end();
  });
}
