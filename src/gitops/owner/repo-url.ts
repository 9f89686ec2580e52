/**
 * Repository URLs and paths as the reconcilers hold them, made safe to show
 * and to use: credentials embedded in a URL (`https://user:token@host/…`,
 * `?private_token=…`) are dropped, and a path is put in one canonical form.
 */
import { posix } from 'node:path';
import { text } from './fields.js';

const MAX_URL = 2048;

/**
 * The URL without userinfo, query or fragment; scp-like git addresses
 * (`git@github.com:acme/fleet.git`) keep their user, which is a login name,
 * never a secret. Undefined when it is not a usable string.
 */
export function safeRepoUrl(value: unknown): string | undefined {
  const raw = text(value, MAX_URL)?.trim();
  if (!raw) return undefined;
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(raw)) {
    let url: URL;
    try {
      url = new URL(raw);
    } catch {
      // Not parseable: keep only what cannot be a credential (scheme and what follows the last @).
      const scheme = raw.slice(0, raw.indexOf('://') + 3);
      const rest = raw.slice(scheme.length);
      return `${scheme}${rest.slice(rest.lastIndexOf('@') + 1).split(/[?#]/)[0]}`;
    }
    url.username = '';
    url.password = '';
    url.search = '';
    url.hash = '';
    return url.toString();
  }
  // scp-like: [user@]host:path. A `user:password@` form is not git's syntax; drop anything before the last @ holding a colon.
  const atSign = raw.lastIndexOf('@');
  if (atSign > 0 && raw.slice(0, atSign).includes(':')) return raw.slice(atSign + 1);
  return raw.split(/[?#]/)[0];
}

/**
 * `./apps/web/` → `apps/web`, `.` or `./` or `/` → ``. A path that climbs out
 * of the repository (`../x`) keeps its `..`: whoever edits files refuses it.
 */
export function normalisePath(value: unknown): string | undefined {
  if (value === undefined || value === null || value === '') return '';
  const raw = text(value, 1024);
  if (raw === undefined) return undefined;
  const normal = posix.normalize(raw.replace(/^\/+/, '') || '.');
  return normal === '.' ? '' : normal.replace(/^\.\//, '').replace(/\/+$/, '');
}

/** True for a path that leaves the repository root. */
export function escapesRepository(path: string): boolean {
  return path === '..' || path.startsWith('../');
}
