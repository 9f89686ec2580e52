/**
 * Real git over HTTP for tests: a loopback server that runs git's own
 * `git-http-backend` as a CGI program (the smart HTTP protocol, fetch and
 * push), optionally behind HTTP Basic authentication with a token, as GitHub
 * and GitLab take it (any user name, or the one given, and the token as the
 * password).
 */
import { spawn } from 'node:child_process';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { GIT_PATH } from './git-repo.js';

const BACKEND = '/usr/lib/git-core/git-http-backend';

export interface GitHttpServer {
  /** http://127.0.0.1:<port>; a repository `x.git` under projectRoot is at `${url}/x.git`. */
  url: string;
  /** Requests seen (method, path, whether they were authorised). */
  requests: Array<{ method: string; path: string; authorised: boolean }>;
  close(): Promise<void>;
}

function authorised(req: IncomingMessage, token: string | undefined, user: string | undefined): string | undefined {
  if (token === undefined) return 'anonymous';
  const header = req.headers.authorization ?? '';
  const match = /^Basic\s+([A-Za-z0-9+/=]+)$/i.exec(header);
  if (!match?.[1]) return undefined;
  const decoded = Buffer.from(match[1], 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return undefined;
  const name = decoded.slice(0, colon);
  if (decoded.slice(colon + 1) !== token || (user !== undefined && name !== user)) return undefined;
  return name || 'git';
}

function cgi(req: IncomingMessage, res: ServerResponse, projectRoot: string, remoteUser: string): void {
  const url = new URL(req.url ?? '/', 'http://localhost');
  const env: Record<string, string> = {
    PATH: GIT_PATH,
    GIT_PROJECT_ROOT: projectRoot,
    GIT_HTTP_EXPORT_ALL: '1',
    GIT_CONFIG_NOSYSTEM: '1',
    GIT_CONFIG_GLOBAL: '/dev/null',
    GIT_CONFIG_COUNT: '1',
    GIT_CONFIG_KEY_0: 'http.receivepack',
    GIT_CONFIG_VALUE_0: 'true',
    REQUEST_METHOD: req.method ?? 'GET',
    PATH_INFO: decodeURIComponent(url.pathname),
    QUERY_STRING: url.search.replace(/^\?/, ''),
    CONTENT_TYPE: req.headers['content-type'] ?? '',
    REMOTE_USER: remoteUser,
    REMOTE_ADDR: req.socket.remoteAddress ?? '127.0.0.1',
    SERVER_PROTOCOL: 'HTTP/1.1',
    GATEWAY_INTERFACE: 'CGI/1.1',
  };
  if (req.headers['content-length']) env.CONTENT_LENGTH = req.headers['content-length'];
  // CGI: every request header as HTTP_<NAME> (git-http-backend reads HTTP_CONTENT_ENCODING and HTTP_GIT_PROTOCOL), the credentials excepted.
  for (const [name, value] of Object.entries(req.headers)) {
    if (typeof value !== 'string' || name === 'authorization' || name === 'proxy-authorization') continue;
    env[`HTTP_${name.toUpperCase().replace(/-/g, '_')}`] = value;
  }
  const child = spawn(BACKEND, [], { env, stdio: ['pipe', 'pipe', 'ignore'] });
  req.pipe(child.stdin);
  child.stdin.on('error', () => undefined);
  let head = Buffer.alloc(0);
  let headersDone = false;
  child.stdout.on('data', (chunk: Buffer) => {
    if (headersDone) {
      res.write(chunk);
      return;
    }
    head = Buffer.concat([head, chunk]);
    const end = head.indexOf('\r\n\r\n');
    const endLf = head.indexOf('\n\n');
    const at = end >= 0 ? end : endLf;
    if (at < 0) return;
    const sepLen = end >= 0 ? 4 : 2;
    headersDone = true;
    let status = 200;
    for (const line of head.subarray(0, at).toString('latin1').split(/\r?\n/)) {
      const colon = line.indexOf(':');
      if (colon < 0) continue;
      const name = line.slice(0, colon).trim();
      const value = line.slice(colon + 1).trim();
      if (name.toLowerCase() === 'status') status = Number(value.split(' ')[0]) || 500;
      else res.setHeader(name, value);
    }
    res.statusCode = status;
    res.write(head.subarray(at + sepLen));
  });
  child.on('close', () => {
    if (!headersDone) res.statusCode = 502;
    res.end();
  });
  child.on('error', () => {
    res.statusCode = 500;
    res.end();
  });
}

export async function serveGitOverHttp(options: { projectRoot: string; token?: string; user?: string }): Promise<GitHttpServer> {
  const requests: GitHttpServer['requests'] = [];
  const server = createServer((req, res) => {
    const user = authorised(req, options.token, options.user);
    requests.push({ method: req.method ?? '', path: (req.url ?? '').split('?')[0] ?? '', authorised: user !== undefined });
    if (user === undefined) {
      req.resume();
      res.writeHead(401, { 'WWW-Authenticate': 'Basic realm="git"', 'Content-Type': 'text/plain' });
      res.end('authentication required\n');
      return;
    }
    cgi(req, res, options.projectRoot, user);
  });
  return { url: await listen(server), requests, close: () => closeServer(server) };
}

/** Listens on a free loopback port; resolves to the server's base URL. */
export async function listen(server: Server): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

/** Closes a test server: idle connections now, the rest after 3s at most. */
export function closeServer(server: Server): Promise<void> {
  return new Promise<void>((resolve) => {
    const force = setTimeout(() => {
      server.closeAllConnections();
      resolve();
    }, 3_000);
    server.close(() => {
      clearTimeout(force);
      resolve();
    });
    server.closeIdleConnections();
  });
}
