/**
 * `outbound.allow`: the hosts ctx.http may call. An entry is a host
 * (`status.example.com`: https on 443), a host and port
 * (`tickets.example.com:8443`: https), or an origin with its scheme
 * (`http://127.0.0.1:8080`). Nothing else is reachable: no wildcard, no
 * other port, no plain http unless an entry says so.
 */
import { z } from 'zod';

export interface AllowedOrigin {
  scheme: 'https' | 'http';
  host: string;
  port: number;
  /** The entry as written, for messages. */
  entry: string;
}

const DEFAULT_PORT = { https: 443, http: 80 } as const;

/** The origin an entry allows, or a reason it is not one. */
export function parseAllowEntry(entry: string): AllowedOrigin | string {
  const text = entry.trim();
  const withScheme = /^[a-z]+:\/\//i.test(text) ? text : `https://${text}`;
  let url: URL;
  try {
    url = new URL(withScheme);
  } catch {
    return 'must be a host (status.example.com), host:port, or an origin (http://10.0.0.5:8080)';
  }
  const scheme = url.protocol.replace(/:$/, '');
  if (scheme !== 'https' && scheme !== 'http') return 'only http:// and https:// hosts can be allowed';
  if ((url.pathname !== '/' && url.pathname !== '') || url.search || url.hash || url.username || url.password) {
    return 'must be a host or an origin only: no path, query or credentials';
  }
  if (url.hostname.includes('*')) return 'wildcards are not allowed: list each host';
  return { scheme, host: url.hostname.toLowerCase(), port: url.port ? Number(url.port) : DEFAULT_PORT[scheme], entry: text };
}

export const allowEntrySchema = z.string().superRefine((v, ctx) => {
  const parsed = parseAllowEntry(v);
  if (typeof parsed === 'string') ctx.addIssue({ code: 'custom', message: parsed });
});

/** Whether `url` is on the list: same scheme, host and port as an entry. */
export function allowedBy(allow: readonly AllowedOrigin[], url: URL): AllowedOrigin | undefined {
  const scheme = url.protocol.replace(/:$/, '');
  if (scheme !== 'https' && scheme !== 'http') return undefined;
  const port = url.port ? Number(url.port) : DEFAULT_PORT[scheme];
  const host = url.hostname.toLowerCase();
  return allow.find((a) => a.scheme === scheme && a.host === host && a.port === port);
}

/** Parses every entry (they were validated with the configuration). */
export function allowList(entries: readonly string[]): AllowedOrigin[] {
  return entries.map(parseAllowEntry).filter((a): a is AllowedOrigin => typeof a !== 'string');
}
