/**
 * Runs the real `git` binary for GitOps work, isolated from the machine it
 * runs on: no system or user configuration, no prompts, no credential helper,
 * only the transport protocols allowed, C locale (so stderr can be read), a
 * timeout that kills the whole process group and bounded output.
 *
 * A token never goes into argv or a URL (both show up in `ps` and in git's own
 * messages): it travels as an `http.extraHeader` set through GIT_CONFIG_*
 * environment variables, and every failure message is scrubbed of it.
 */
import { spawn } from 'node:child_process';
import { tmpdir } from 'node:os';
import { DroverError } from '../../errors.js';
import { scrubSecrets } from './scrub.js';

/** Credentials for an HTTP(S) remote: sent as `Authorization: Basic base64(user:token)`. */
export interface GitAuth {
  token: string;
  /** `x-access-token` for GitHub, `oauth2` for GitLab. */
  user: string;
}

export interface GitRunnerOptions {
  /** The git binary; default `git` found on `path`. */
  gitPath?: string;
  /** PATH for git and its helpers; default `/usr/local/bin:/usr/bin:/bin`. */
  path?: string;
  /** HOME for git (nothing is read from it); default the OS temporary directory. */
  home?: string;
  /** GIT_ALLOW_PROTOCOL: colon-separated transports git may use; default `https`. Tests pass `file:http:https`. */
  allowProtocol?: string;
  /** Default timeout of a command; default 120 s. */
  timeoutMs?: number;
  /** How much of stdout and of stderr is kept; default 4 MiB. */
  maxOutputBytes?: number;
}

export interface GitRunOptions {
  cwd: string;
  auth?: GitAuth;
  /** Extra environment (author identity, GIT_LITERAL_PATHSPECS ...). */
  env?: Record<string, string>;
  timeoutMs?: number;
  /** Exit codes that are answers rather than failures (`merge-base --is-ancestor` answers 1 for "no"). */
  okCodes?: number[];
  input?: string;
}

export interface GitResult {
  code: number;
  stdout: string;
  stderr: string;
}

const DEFAULT_PATH = '/usr/local/bin:/usr/bin:/bin';
const KILL_GRACE_MS = 2_000;

/** What in git's stderr says the failure may pass by itself: the network, the server, a lock, our timeout. */
const TRANSIENT = [
  /could not resolve host/i,
  /connection (refused|reset|timed out)/i,
  /failed to connect/i,
  /operation timed out/i,
  /early eof/i,
  /the remote end hung up unexpectedly/i,
  /rpc failed/i,
  /returned error: (429|5\d\d)/i,
  /\b(502|503|504) /,
  /gnutls|ssl_read|ssl_connect|tls connection/i,
  /unable to access .*: (recv|send) failure/i,
  /index\.lock': file exists/i,
  // Another process fetching into the same cached clone (several workers sharing one cache directory).
  /cannot lock ref|unable to create '.*\.lock'/i,
];
const AUTH = [/authentication failed/i, /returned error: (401|403)/i, /could not read username/i, /terminal prompts disabled/i, /\b(401|403)\b/];

/** The environment git runs with: nothing inherited from the parent process. */
export function gitEnvironment(options: GitRunnerOptions, run: Pick<GitRunOptions, 'auth' | 'env'>): Record<string, string> {
  const env: Record<string, string> = {
    PATH: options.path ?? DEFAULT_PATH,
    HOME: options.home ?? tmpdir(),
    LC_ALL: 'C',
    LANG: 'C',
    GIT_CONFIG_NOSYSTEM: '1',
    GIT_CONFIG_GLOBAL: '/dev/null',
    GIT_TERMINAL_PROMPT: '0',
    GIT_ASKPASS: '/bin/false',
    SSH_ASKPASS: '/bin/false',
    GIT_ALLOW_PROTOCOL: options.allowProtocol ?? 'https',
    GIT_PROTOCOL_FROM_USER: '0',
    GIT_OPTIONAL_LOCKS: '0',
    GIT_NO_REPLACE_OBJECTS: '1',
    ...run.env,
  };
  // Configuration git would otherwise take from the repository or ~: no hooks, no signing, no helpers.
  const config: Array<[string, string]> = [
    ['core.hooksPath', '/dev/null'],
    ['commit.gpgSign', 'false'],
    ['credential.helper', ''],
    ['core.fsmonitor', 'false'],
    ['protocol.version', '2'],
  ];
  if (run.auth) {
    const basic = Buffer.from(`${run.auth.user}:${run.auth.token}`).toString('base64');
    config.push(['http.extraHeader', `Authorization: Basic ${basic}`]);
    // A redirect to another host would carry the header along: follow none.
    config.push(['http.followRedirects', 'false']);
  }
  env.GIT_CONFIG_COUNT = String(config.length);
  config.forEach(([key, value], i) => {
    env[`GIT_CONFIG_KEY_${i}`] = key;
    env[`GIT_CONFIG_VALUE_${i}`] = value;
  });
  return env;
}

/** Keeps the first `max` bytes of a stream. */
class Capture {
  private readonly chunks: Buffer[] = [];
  private size = 0;
  truncated = false;
  constructor(private readonly max: number) {}
  push(chunk: Buffer): void {
    if (this.size >= this.max) {
      this.truncated = true;
      return;
    }
    const room = this.max - this.size;
    const part = chunk.length > room ? chunk.subarray(0, room) : chunk;
    if (part.length < chunk.length) this.truncated = true;
    this.chunks.push(part);
    this.size += part.length;
  }
  text(): string {
    return Buffer.concat(this.chunks).toString('utf8');
  }
}

export class GitRunner {
  private readonly gitPath: string;
  readonly timeoutMs: number;
  private readonly maxOutputBytes: number;

  constructor(private readonly options: GitRunnerOptions = {}) {
    this.gitPath = options.gitPath ?? 'git';
    this.timeoutMs = options.timeoutMs ?? 120_000;
    this.maxOutputBytes = options.maxOutputBytes ?? 4 * 1024 * 1024;
  }

  /** Runs `git <args>`; throws gitops_git_failed (scrubbed) unless it exits 0 or with one of `okCodes`. */
  async run(args: string[], run: GitRunOptions): Promise<GitResult> {
    if (run.auth && (!/^[\x21-\x7e]+$/.test(run.auth.token) || !/^[\x21-\x39\x3b-\x7e]*$/.test(run.auth.user))) {
      // A line break would inject another header into every request; the token is never shown.
      throw new DroverError('gitops_git_failed', "The git token holds spaces, line breaks or non-ASCII characters (or the user name a colon); check the GitOps repository's secret.", { details: { reason: 'invalid_token' } });
    }
    const secrets = run.auth ? [run.auth.token, Buffer.from(`${run.auth.user}:${run.auth.token}`).toString('base64')] : [];
    const what = args.find((a) => !a.startsWith('-') && !a.includes('=')) ?? 'git';
    const timeoutMs = run.timeoutMs ?? this.timeoutMs;
    const env = gitEnvironment(this.options, run);
    const child = spawn(this.gitPath, args, { cwd: run.cwd, env, detached: true, stdio: ['pipe', 'pipe', 'pipe'] });
    const out = new Capture(this.maxOutputBytes);
    const err = new Capture(this.maxOutputBytes);
    child.stdout.on('data', (c: Buffer) => out.push(c));
    child.stderr.on('data', (c: Buffer) => err.push(c));
    child.stdin.on('error', () => undefined);
    child.stdin.end(run.input ?? '');
    let timedOut = false;
    const killGroup = (signal: NodeJS.Signals): void => {
      try {
        if (child.pid !== undefined) process.kill(-child.pid, signal);
      } catch {
        // already gone
      }
    };
    let hardKill: NodeJS.Timeout | undefined;
    const timer = setTimeout(() => {
      timedOut = true;
      killGroup('SIGTERM');
      hardKill = setTimeout(() => killGroup('SIGKILL'), KILL_GRACE_MS);
    }, timeoutMs);
    const code = await new Promise<number>((resolve) => {
      child.on('error', (e: NodeJS.ErrnoException) => {
        err.push(Buffer.from(`cannot start git: ${e.code ?? 'error'}`));
        resolve(-1);
      });
      child.on('close', (c, signal) => resolve(c ?? (signal ? 128 : -1)));
    });
    clearTimeout(timer);
    if (hardKill) clearTimeout(hardKill);
    // Anything git started in its group (remote helpers) goes with it.
    if (timedOut) killGroup('SIGKILL');
    const result = { code, stdout: out.text(), stderr: err.text() };
    if (timedOut) {
      throw new DroverError('gitops_git_failed', `git ${what} did not finish within ${timeoutMs} ms and was stopped`, {
        retryable: true,
        details: { command: what, timeoutMs },
      });
    }
    if (code === 0 || run.okCodes?.includes(code)) return result;
    throw gitFailure(what, result, secrets);
  }
}

/** The DroverError for a failed git command: git's last words, scrubbed, with a hint for authentication failures. */
export function gitFailure(what: string, result: GitResult, secrets: string[]): DroverError {
  const stderr = scrubSecrets(result.stderr, secrets);
  const lines = stderr
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('hint:'));
  let said = lines.slice(-4).join(' / ');
  if (said.length > 600) said = `…${said.slice(-600)}`;
  const auth = AUTH.some((re) => re.test(stderr));
  const retryable = !auth && TRANSIENT.some((re) => re.test(stderr));
  const hint = auth ? ' The git server refused the token; check the token in the GitOps repository\'s secret (and that it may read and push).' : '';
  return new DroverError('gitops_git_failed', `git ${what} failed (exit ${result.code})${said ? `: ${said}` : ''}.${hint}`, {
    retryable,
    details: { command: what, exitCode: result.code, ...(auth ? { auth: true } : {}) },
  });
}
