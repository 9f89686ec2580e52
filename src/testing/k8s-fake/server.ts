/**
 * The HTTP front of the fake: records each request, applies injected
 * faults, authenticates, routes, authorizes, dispatches, and writes JSON
 * (or text/plain for logs) the way the API server does.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { parse as parseYaml } from 'yaml';
import { authenticate, DEFAULT_USER, type AccessRules, type FaultQueue } from './access.js';
import { mediaType } from './apply-patch.js';
import { discovery } from './discovery.js';
import type { Handlers, TextAnswer } from './handlers.js';
import type { Answer } from './registry.js';
import { apiVersionOf } from './resources.js';
import { parseResourcePath, verbFor } from './router.js';
import { ApiError, generic, pathNotFound, PlainTextError, type Status } from './status.js';
import type { FakeTokenIdentity, RecordedRequest } from './types.js';
import { servedApiVersion, type VersionProfile } from './versions.js';

export interface ServerDeps {
  handlers: Handlers;
  access: AccessRules;
  faults: FaultQueue;
  requests: RecordedRequest[];
  token: string | undefined;
  user: string | undefined;
  maxRecordedRequests: number;
  serverAddress: () => string;
  profile: VersionProfile;
  tokens: Record<string, FakeTokenIdentity> | undefined;
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function parseForRecord(contentType: string | undefined, raw: string): unknown {
  if (raw === '') return undefined;
  const type = mediaType(contentType);
  try {
    if (type.includes('yaml')) return parseYaml(raw) as unknown;
    if (type === '' || type.includes('json')) return JSON.parse(raw) as unknown;
  } catch {
    return raw;
  }
  return raw;
}

function headerMap(req: IncomingMessage): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(req.headers)) {
    if (v !== undefined) out[k] = Array.isArray(v) ? v.join(', ') : v;
  }
  return out;
}

const AUTHENTICATED = 'system:authenticated';

/**
 * Impersonation as the API server reads it: the first Impersonate-User line,
 * every Impersonate-Group line as one group (headersDistinct keeps repeated
 * lines apart; req.headers would join them with commas).
 */
function impersonation(req: IncomingMessage): { user?: string; groups: string[] } {
  const user = req.headersDistinct['impersonate-user']?.[0];
  const groups = req.headersDistinct['impersonate-group'] ?? [];
  return user === undefined ? { groups: [...groups] } : { user, groups: [...groups] };
}

/** Groups the authorizer sees: the server adds system:authenticated to an impersonated user's, unless it is system:anonymous. */
function effectiveGroups(impersonated: { user?: string; groups: string[] }): string[] {
  if (impersonated.user === undefined) return [AUTHENTICATED];
  if (impersonated.user === 'system:anonymous') return [...impersonated.groups];
  return [...new Set([...impersonated.groups, AUTHENTICATED])];
}

function sendJson(res: ServerResponse, code: number, body: unknown, headers: Record<string, string> = {}): void {
  const payload = JSON.stringify(body);
  res.writeHead(code, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(payload), ...headers });
  res.end(payload);
}

function sendText(res: ServerResponse, answer: TextAnswer): void {
  if (answer.code === 204) {
    // No content: no body and no Content-Type, as the API server answers a log request for a pod with no node.
    res.writeHead(204);
    res.end();
    return;
  }
  res.writeHead(answer.code, { 'Content-Type': answer.contentType ?? 'text/plain', 'Content-Length': Buffer.byteLength(answer.text) });
  res.end(answer.text);
}

/**
 * Objects are stored at the fake's one version of each resource; an object or
 * list of a resource served at another version (HPAs at autoscaling/v2beta2
 * when emulating 1.20, same shape) names the version it was asked at.
 */
function atServedVersion(body: unknown, stored: string, served: string): unknown {
  if (stored === served || typeof body !== 'object' || body === null || Array.isArray(body)) return body;
  const obj = body as Record<string, unknown>;
  return obj.apiVersion === stored ? { ...obj, apiVersion: served } : body;
}

/** Waits `ms`, or less if the client goes away; resolves whether it is still connected. */
function delay(req: IncomingMessage, ms: number): Promise<boolean> {
  return new Promise((resolve) => {
    const onClose = (): void => {
      clearTimeout(timer);
      resolve(false);
    };
    const timer = setTimeout(() => {
      req.socket.off('close', onClose);
      resolve(true);
    }, ms);
    req.socket.once('close', onClose);
  });
}

export function createRequestListener(deps: ServerDeps): (req: IncomingMessage, res: ServerResponse) => void {
  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const raw = await readBody(req);
    const url = new URL(req.url ?? '/', 'http://fake.invalid');
    const method = (req.method ?? 'GET').toUpperCase();
    const headers = headerMap(req);
    const record: RecordedRequest = {
      method,
      path: url.pathname,
      query: Object.fromEntries(url.searchParams.entries()),
      rawQuery: url.search.replace(/^\?/, ''),
      headers,
      body: parseForRecord(headers['content-type'], raw),
      status: 0,
      impersonateGroups: [],
    };
    if (headers['content-type'] !== undefined) record.contentType = headers['content-type'];
    const impersonated = impersonation(req);
    record.impersonateGroups = impersonated.groups;
    if (impersonated.user !== undefined) record.impersonateUser = impersonated.user;
    deps.requests.push(record);
    if (deps.requests.length > deps.maxRecordedRequests) deps.requests.splice(0, deps.requests.length - deps.maxRecordedRequests);

    const respond = (code: number, body: unknown, extra: Record<string, string> = {}): void => {
      record.status = code;
      sendJson(res, code, body, extra);
    };
    try {
      const fault = deps.faults.take(method, `${url.pathname}${url.search}`);
      // A client that gave up on a slow answer gets nothing, and nothing is written.
      if (fault?.delayMs && !(await delay(req, fault.delayMs))) return;
      if (fault?.drop) {
        req.socket.destroy();
        return;
      }
      if (fault && (fault.status !== undefined || !fault.delayMs)) {
        throw generic(fault.status ?? 500, fault.reason, fault.message, fault.retryAfterSeconds);
      }

      const caller = authenticate(deps.token, deps.tokens, headers.authorization);
      if (caller && impersonated.user !== undefined) deps.access.authorizeImpersonation(caller, impersonated.user, impersonated.groups);
      const doc = method === 'GET' ? discovery(url.pathname, deps.serverAddress(), deps.profile) : undefined;
      if (doc !== undefined) return respond(200, doc);
      const route = parseResourcePath(url.pathname, deps.profile);
      if (!route) throw pathNotFound();
      const verb = verbFor(route, method, url.searchParams);
      const access = {
        user: impersonated.user ?? caller?.user ?? deps.user ?? DEFAULT_USER,
        groups: impersonated.user === undefined && caller ? caller.groups : effectiveGroups(impersonated),
        impersonated: impersonated.user !== undefined,
        verb,
        group: route.def.group,
        resource: route.def.resource,
        ...(route.subresource === undefined ? {} : { subresource: route.subresource }),
        ...(route.namespace === undefined ? {} : { namespace: route.namespace }),
        ...(route.name === undefined ? {} : { name: route.name }),
      };
      deps.access.authorize(access);
      const answer: Answer | TextAnswer = deps.handlers.handle({
        route,
        verb,
        query: url.searchParams,
        contentType: headers['content-type'],
        rawBody: raw,
        userAgent: headers['user-agent'],
      });
      if ('text' in answer) {
        record.status = answer.code;
        sendText(res, answer);
      } else {
        respond(answer.code, atServedVersion(answer.body, apiVersionOf(route.def), servedApiVersion(deps.profile, route.def)));
      }
    } catch (err) {
      if (err instanceof PlainTextError) {
        record.status = err.code;
        sendText(res, { code: err.code, text: err.text, contentType: 'text/plain; charset=utf-8' });
      } else if (err instanceof ApiError) {
        respond(err.status.code, err.status, err.headers);
      } else {
        const status: Status = {
          kind: 'Status',
          apiVersion: 'v1',
          metadata: {},
          status: 'Failure',
          message: `Internal error occurred: ${err instanceof Error ? err.message : String(err)}`,
          reason: 'InternalError',
          code: 500,
        };
        respond(500, status);
      }
    }
  }

  return (req, res) => {
    handle(req, res).catch(() => {
      if (!res.headersSent) res.writeHead(500).end();
    });
  };
}
