/**
 * Git repository URLs compared as the same repository whatever their
 * spelling: `https://github.com/Acme/Fleet.git`, `ssh://git@github.com/acme/fleet`
 * and `git@github.com:acme/fleet.git` are one repository, `host/acme/fleet`.
 * To show one without credentials, use safeRepoUrl (owner/repo-url.ts).
 */

/** `host[:port]/path`, lower-case, without `.git`, user info or trailing `/`; undefined when it is no URL. */
export function repoKey(url: string): string | undefined {
  const text = url.trim();
  let host: string;
  let path: string;
  const scp = /^(?:[^@/\s]+@)?([^:/\s]+):(?!\/)(.+)$/.exec(text);
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(text)) {
    let parsed: URL;
    try {
      parsed = new URL(text);
    } catch {
      return undefined;
    }
    if (parsed.protocol === 'file:') return `file:${stripGit(parsed.pathname)}`;
    host = parsed.host;
    path = decodeURIComponent(parsed.pathname);
  } else if (scp) {
    host = scp[1] as string;
    path = scp[2] as string;
  } else {
    return undefined;
  }
  const clean = stripGit(path.replace(/^\/+/, ''));
  if (!host || !clean) return undefined;
  return `${host}/${clean}`.toLowerCase();
}

function stripGit(path: string): string {
  return path.replace(/\/+$/, '').replace(/\.git$/i, '');
}
