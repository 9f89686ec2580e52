/**
 * The HTTP front of the fake: `POST /api/<method>` answered like
 * slack.com/api (HTTP 200 with `ok: false` for every platform error, 429 only
 * for rate limits), and `POST /response/<key>` standing in for response URLs.
 * Every answer is recorded.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { CallLog } from './call-log.js';
import { chatMethods } from './chat-methods.js';
import { SlackFailure } from './failure.js';
import type { FaultQueue } from './faults.js';
import { infoMethods } from './info-methods.js';
import { checkScope } from './scopes.js';
import type { FakeState, MethodHandler } from './state.js';
import { viewMethods } from './view-methods.js';
import { bearerToken, decodeBody, headerMap, readBody, sendJson, type DecodedBody } from './wire.js';

const METHODS: Readonly<Record<string, MethodHandler>> = { ...chatMethods, ...viewMethods, ...infoMethods };

export const RESPONSE_URL_METHOD = 'response_url';

export interface ServerDeps {
  state: FakeState;
  log: CallLog;
  faults: FaultQueue;
  botToken: string;
}

interface Answer {
  status: number;
  body: Record<string, unknown>;
  headers?: Record<string, string>;
}

function platformError(error: string, extra: Record<string, unknown> = {}): Answer {
  return { status: 200, body: { ok: false, error, ...extra } };
}

/** Faults first (Slack rate limits before it looks at anything), then method, body, token, scope. */
function answerApi(method: string, decoded: DecodedBody, headers: Record<string, string>, deps: ServerDeps): Answer {
  const fault = deps.faults.take(method);
  if (fault?.kind === 'rate_limit') {
    return { status: 429, body: { ok: false, error: 'ratelimited' }, headers: { 'Retry-After': String(fault.retryAfterSeconds) } };
  }
  if (fault?.kind === 'unavailable') return { status: 503, body: { ok: false, error: 'service_unavailable' } };
  if (fault) return platformError(fault.error);
  const handler = METHODS[method];
  if (!handler) return platformError('unknown_method', { req_method: method });
  if (decoded.error) return platformError(decoded.error);
  const token = bearerToken(headers.authorization) ?? decoded.bodyToken;
  if (token === undefined) return platformError('not_authed');
  if (token !== deps.botToken) return platformError('invalid_auth');
  try {
    checkScope(method, decoded.args, deps.state);
    return { status: 200, body: handler(decoded.args, deps.state) };
  } catch (err) {
    if (err instanceof SlackFailure) return { status: 200, body: err.toBody() };
    // A bug in the fake: answer a platform error, because WebClient retries HTTP 5xx for minutes.
    return platformError('fatal_error', { fake_error: err instanceof Error ? err.message : String(err) });
  }
}

function answerResponseUrl(deps: ServerDeps): Answer {
  const fault = deps.faults.take(RESPONSE_URL_METHOD);
  if (fault?.kind === 'rate_limit') return { status: 429, body: { ok: false, error: 'ratelimited' }, headers: { 'Retry-After': String(fault.retryAfterSeconds) } };
  if (fault?.kind === 'unavailable') return { status: 503, body: { ok: false, error: 'service_unavailable' } };
  if (fault) return { status: 404, body: { ok: false, error: fault.error } };
  return { status: 200, body: { ok: true } };
}

export function createRequestListener(deps: ServerDeps): (req: IncomingMessage, res: ServerResponse) => void {
  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const raw = await readBody(req);
    const url = new URL(req.url ?? '/', 'http://fake.invalid');
    const headers = headerMap(req);
    const apiMethod = /^\/api\/([^/]*)$/.exec(url.pathname)?.[1];
    const isResponseUrl = url.pathname.startsWith('/response/');
    if (apiMethod === undefined && !isResponseUrl) {
      sendJson(res, 404, { ok: false, error: 'not_found' });
      return;
    }
    const method = isResponseUrl ? RESPONSE_URL_METHOD : decodeURIComponent(apiMethod ?? '');
    const at = Date.now();
    const decoded = decodeBody(headers['content-type'], raw, url.searchParams);
    const answer = isResponseUrl ? answerResponseUrl(deps) : answerApi(method, decoded, headers, deps);
    sendJson(res, answer.status, answer.body, answer.headers);
    deps.log.record({ method, path: url.pathname, args: decoded.args, headers, at, status: answer.status, response: answer.body });
  }

  return (req, res) => {
    handle(req, res).catch(() => {
      if (!res.headersSent) res.writeHead(500).end();
    });
  };
}
