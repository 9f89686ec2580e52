/**
 * What Drover accepts as a branch name, a commit id, a file path inside a
 * checkout and a remote URL, checked before any of them reaches git: git's
 * own rules (check-ref-format) plus ours (ASCII, bounded, no option-looking
 * names, no credentials in URLs, nothing under .git).
 */
import { DroverError } from '../../errors.js';

const MAX_BRANCH = 200;

/** Why `name` is not a branch name Drover will use, or undefined when it is one. */
export function branchProblem(name: string): string | undefined {
  if (typeof name !== 'string' || name.length === 0) return 'is empty';
  if (name.length > MAX_BRANCH) return `is longer than ${MAX_BRANCH} characters`;
  // Printable ASCII only, and none of git's forbidden characters (space ~ ^ : ? * [ \ and DEL/control).
  if (!/^[\x21-\x7e]+$/.test(name)) return 'must be printable ASCII without spaces';
  if (/[~^:?*[\\]/.test(name)) return 'must not contain ~ ^ : ? * [ or \\';
  if (name.startsWith('-')) return 'must not start with -';
  if (name.startsWith('/') || name.endsWith('/') || name.includes('//')) return 'must not start or end with / or hold //';
  if (name.endsWith('.')) return 'must not end with .';
  if (name.includes('..')) return 'must not contain ..';
  if (name.includes('@{') || name === '@') return 'must not be @ or contain @{';
  for (const part of name.split('/')) {
    if (part.startsWith('.')) return 'must not have a component starting with .';
    if (part.endsWith('.lock')) return 'must not have a component ending with .lock';
  }
  if (name === 'HEAD') return 'must not be HEAD';
  return undefined;
}

export function checkBranch(name: string, what = 'branch name'): string {
  const problem = branchProblem(name);
  if (problem) {
    throw new DroverError('gitops_git_failed', `The ${what} ${JSON.stringify(String(name).slice(0, 80))} ${problem}.`, { details: { reason: 'invalid_branch' } });
  }
  return name;
}

export function isCommitId(value: string): boolean {
  return typeof value === 'string' && /^[0-9a-f]{4,64}$/i.test(value);
}

/**
 * The path segments of a repository-relative file, or a DroverError: no
 * absolute path, no `..` or `.`, no empty segment, no backslash or NUL,
 * nothing inside `.git`.
 */
export function checkRelativeFile(file: string): string[] {
  const refuse = (why: string): never => {
    throw new DroverError('gitops_git_failed', `Refusing to write ${JSON.stringify(String(file).slice(0, 120))}: ${why}.`, { details: { reason: 'unsafe_path' } });
  };
  if (typeof file !== 'string' || file.length === 0) return refuse('the path is empty');
  if (file.length > 1024) return refuse('the path is too long');
  if (file.includes('\\') || [...file].some((ch) => ch.charCodeAt(0) < 0x20 || ch.charCodeAt(0) === 0x7f)) return refuse('the path holds a control character or a backslash');
  if (file.startsWith('/')) return refuse('the path is absolute; paths are relative to the repository root');
  const parts = file.split('/');
  for (const part of parts) {
    if (part === '' || part === '.' || part === '..') return refuse('the path must be plain segments (no empty, . or .. segment)');
    if (part.toLowerCase() === '.git' || /^\.git[\s.]*$/i.test(part) || /^git~\d$/i.test(part)) return refuse('the path is inside .git');
  }
  return parts;
}

/** Refuses a remote URL that carries credentials (they belong in the secret) or looks like an option. */
export function checkCloneUrl(url: string): string {
  const refuse = (why: string): never => {
    throw new DroverError('gitops_git_failed', `The GitOps repository URL is refused: ${why}. The URL is not shown.`, { details: { reason: 'invalid_url' } });
  };
  if (typeof url !== 'string' || url.length === 0) return refuse('it is empty');
  if (url.length > 2048 || /[\s\0]/.test(url)) return refuse('it is too long or holds whitespace');
  if (url.startsWith('-')) return refuse('it starts with -');
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(url)) {
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      return refuse('it is not a valid URL');
    }
    if (parsed.username || parsed.password) return refuse('it carries a user name or password; put the token in the repository\'s secret instead');
    if (/^[a-z][a-z0-9+.-]*:\/\/[^/]*@/i.test(url)) return refuse('it carries a user name or password; put the token in the repository\'s secret instead');
    return url;
  }
  if (/^[a-z0-9+.-]+::/i.test(url)) return refuse('remote helpers are not allowed');
  // scp-like user@host:path carries a user name; plain paths are local repositories (file protocol).
  if (/^[^/]*@[^/]*:/.test(url)) return refuse('it carries a user name; use an https:// URL and the repository\'s secret');
  return url;
}
