/**
 * Removes credentials from text git or a forge wrote (stderr, an error body)
 * before it becomes part of a message: each token as is, URL-encoded and in
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

export function scrubSecrets(text: string, secrets: readonly string[]): string {
  let out = text.replace(USERINFO, '$1***@').replace(AUTH_HEADER, '$1 ***').replace(PRIVATE_TOKEN, '$1 ***');
  for (const secret of secrets) {
    if (!secret) continue;
    for (const form of forms(secret)) out = out.split(form).join('***');
  }
  return out;
}
