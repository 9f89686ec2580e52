import { createHash, timingSafeEqual } from 'node:crypto';

export interface WebhookCredentials {
  token?: string;
  username?: string;
  password?: string;
}

// Hashing both sides first gives equal lengths, so the comparison takes the same time whatever the input.
function same(a: string, b: string): boolean {
  return timingSafeEqual(createHash('sha256').update(a).digest(), createHash('sha256').update(b).digest());
}

/**
 * Checks the Authorization header Alertmanager's http_config sends: a bearer
 * token or basic auth. With no credentials configured, nothing is accepted.
 */
export function authorised(header: string | undefined, credentials: WebhookCredentials): boolean {
  if (!header) return false;
  const [scheme = '', value = ''] = header.split(/\s+/, 2);
  if (credentials.token && scheme.toLowerCase() === 'bearer') return same(value, credentials.token);
  if (credentials.username !== undefined && credentials.password !== undefined && scheme.toLowerCase() === 'basic') {
    const decoded = Buffer.from(value, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon < 0) return false;
    // Both halves are always compared, so a wrong username takes as long as a wrong password.
    const userOk = same(decoded.slice(0, colon), credentials.username);
    const passOk = same(decoded.slice(colon + 1), credentials.password);
    return userOk && passOk;
  }
  return false;
}
