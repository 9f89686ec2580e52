/**
 * Removes credentials from text git or a forge wrote (stderr, an error body)
 * before it becomes part of a message: each token as is (in any letter case), URL-encoded and in
 * the base64 forms an Authorization header carries, and any user name or
 * password written into a URL.
 */

const USERINFO = /([a-z][a-z0-9+.-]*:\/\/)[^/\s@]*@/gi;
const AUTH_HEADER = /(authorization:\s*(basic|bearer|token))\s+\S+/gi;
const PRIVATE_TOKEN = /(private-token:)\s*\S+/gi;

function forms(secret: string): string[] {
  const out = new Set<string>([secret, encodeURIComponent(secret)]);
  for (const user of ['x-access-token', 'oauth2', 'git', '']) {
    const pair = `${user}:${secret}`;
    out.add(Buffer.from(pair).toString('base64'));
    out.add(Buffer.from(pair).toString('base64').replace(/=+$/, ''));
  }
  out.add(Buffer.from(secret).toString('base64').replace(/=+$/, ''));
  return [...out].filter((s) => s.length >= 4).sort((a, b) => b.length - a.length);
}

const BASE64_RUN = /[A-Za-z0-9+/_-]{12,}={0,2}/g;

/** Whether a base64 run decodes (from any of its first four characters) to text holding one of the secrets. */
function encodesSecret(run: string, secrets: readonly string[]): boolean {
  for (let shift = 0; shift < 4 && run.length - shift >= 8; shift++) {
    const part = run.slice(shift);
    const decoded = Buffer.from(part, /[-_]/.test(part) ? 'base64url' : 'base64').toString('latin1');
    if (secrets.some((s) => decoded.includes(s))) return true;
  }
  return false;
}

export function scrubSecrets(text: string, secrets: readonly string[]): string {
  let out = text.replace(USERINFO, '$1***@').replace(AUTH_HEADER, '$1 ***').replace(PRIVATE_TOKEN, '$1 ***');
  const real = secrets.filter((s) => s && s.length >= 4);
  for (const secret of real) {
    // Case-insensitive: a server or proxy that folds case still echoes nearly all of the token.
    for (const form of forms(secret)) out = out.replace(new RegExp(form.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&'), 'gi'), '***');
  }
  // The token inside any other base64 (user:token with another user name, a header echoed back).
  if (real.length) out = out.replace(BASE64_RUN, (run) => (encodesSecret(run, real) ? '***' : run));
  return out;
}
