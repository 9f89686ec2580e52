import { createHmac, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import { parse } from 'node:querystring';
import type { Logger } from 'pino';
import { BodyTooLarge, readBody } from '../http/read-body.js';
import { answerUnavailable, type RedisAvailability } from '../http/redis-availability.js';
import { parseSlackBody, type SlackBody } from './payload-shape.js';

/** How far a request's timestamp may be from our clock, either way (Slack's own rule is five minutes). */
export const SLACK_TOLERANCE_SECONDS = 300;

/** How long a signature must be remembered: as long as its timestamp stays acceptable. */
export const REPLAY_MEMORY_SECONDS = 2 * SLACK_TOLERANCE_SECONDS + 60;

/**
 * How long a body may take to arrive in all. Slack sends it at once and wants
 * its answer within 3 s; a body still arriving after this is an attack (one
 * byte now and then defeats an idle timeout), and was held until Node's
 * 5-minute request timeout, counted all along as a request being answered.
 */
export const BODY_TIMEOUT_MS = 5000;

const FORM = 'application/x-www-form-urlencoded';

class BodyTooSlow extends Error {}

/** A request that passed the guard's checks, its body read, verified and parsed once. */
export interface GuardedRequest {
  body: SlackBody;
  /**
   * Claims the signed request: true the first time it is seen (by any Drover,
   * for REPLAY_MEMORY_SECONDS), false for a replay, which must be handled no
   * further. Made before anything is done for the request: before its answer
   * when the answer depends on the handling (`whileConnected`: fails with
   * redis_unavailable as soon as the connection drops, so the client is told
   * 503), otherwise just after it (waits for Redis to come back).
   */
  claim: (options?: { whileConnected?: boolean }) => Promise<boolean>;
}

/** Where a request that passed every check goes. */
export type SlackRequestHandler = (req: IncomingMessage, res: ServerResponse, request: GuardedRequest) => void | Promise<void>;

/** Slack's SSL check: unsigned, nothing in it is read, nothing to claim. */
const SSL_CHECK: GuardedRequest = { body: { ssl_check: '1' }, claim: () => Promise.resolve(false) };

export interface SlackRequestGuardOptions {
  signingSecret: string;
  /** True the first time a signature is seen (remembered for REPLAY_MEMORY_SECONDS). */
  firstSeen: (signature: string) => Promise<boolean>;
  redis: RedisAvailability;
  logger: Logger;
  /** Bolt's own limit (4 MB). */
  maxBodyBytes?: number;
  /** BODY_TIMEOUT_MS by default. */
  bodyTimeoutMs?: number;
  nowMs?: () => number;
}

function reply(res: ServerResponse, status: number): void {
  res.writeHead(status).end();
}

/** The body, or BodyTooSlow when it has not all arrived within `ms`. */
async function readBodyWithin(req: IncomingMessage, limit: number, ms: number): Promise<Buffer> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new BodyTooSlow()), ms);
  });
  try {
    return await Promise.race([readBody(req, limit), late]);
  } finally {
    clearTimeout(timer);
  }
}

function signatureOk(secret: string, timestamp: string, body: Buffer, signature: string): boolean {
  const expected = Buffer.from(`v0=${createHmac('sha256', secret).update(`v0:${timestamp}:`).update(body).digest('hex')}`);
  const given = Buffer.from(signature);
  return given.length === expected.length && timingSafeEqual(given, expected);
}

/** Slack's unsigned SSL check (`ssl_check=1` in a form), read as Bolt reads it. */
function isSslCheck(req: IncomingMessage, body: Buffer): boolean {
  return req.headers['content-type'] === FORM && parse(body.toString('utf8')).ssl_check === '1';
}

/**
 * In front of Drover's Slack receiver, every check a request must pass before
 * it is acknowledged: while Redis is down, 503 at once; a body beyond 4 MB,
 * 413; a body not all arrived within BODY_TIMEOUT_MS, 408 and the connection
 * closed; a timestamp more than five minutes off either way, or a wrong
 * signature, 401; a signed body that does not have the shape Slack sends,
 * 400. Slack's unsigned SSL check is let through as a bare
 * `{ ssl_check: '1' }` (nothing else it carries is read). The body is read,
 * verified and parsed once here, and handed on parsed, with the replay check
 * (`claim`) for the receiver to make before it acts: a replay is answered 200
 * as the original was, and handled no further.
 */
export function guardSlackRequests(next: SlackRequestHandler, options: SlackRequestGuardOptions): RequestListener {
  const limit = options.maxBodyBytes ?? 4 * 1024 * 1024;
  const bodyTimeoutMs = options.bodyTimeoutMs ?? BODY_TIMEOUT_MS;
  const now = options.nowMs ?? Date.now;
  /** 401, unless the request is Slack's SSL check, which is not signed. */
  const unsigned = (req: IncomingMessage, res: ServerResponse, body: Buffer, why?: () => void): void | Promise<void> => {
    if (isSslCheck(req, body)) return next(req, res, SSL_CHECK);
    why?.();
    reply(res, 401);
  };
  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    if (!(await options.redis.ready())) {
      req.resume();
      answerUnavailable(res, { error: 'Drover cannot take requests right now: Redis is not connected.' });
      return;
    }
    let raw: Buffer;
    try {
      raw = await readBodyWithin(req, limit, bodyTimeoutMs);
    } catch (err) {
      if (err instanceof BodyTooLarge) return reply(res, 413);
      if (err instanceof BodyTooSlow) {
        options.logger.warn({ ms: bodyTimeoutMs }, 'slack: refused a request whose body did not arrive in time');
        // The rest of the body is not waited for: the connection goes with the answer.
        res.writeHead(408, { connection: 'close' }).end(() => req.socket.destroy());
        return;
      }
      // The client went away mid-body: nobody to answer, and no failure of ours (an error line each was anyone's to write).
      if (req.destroyed || (err as NodeJS.ErrnoException).code === 'ECONNRESET') {
        options.logger.debug({ err }, 'slack: a request was abandoned before its body arrived');
        return;
      }
      throw err;
    }
    const timestamp = req.headers['x-slack-request-timestamp'];
    const signature = req.headers['x-slack-signature'];
    if (typeof timestamp !== 'string' || !/^\d{1,12}$/.test(timestamp) || typeof signature !== 'string') return unsigned(req, res, raw);
    const skew = Number(timestamp) - Math.floor(now() / 1000);
    if (Math.abs(skew) > SLACK_TOLERANCE_SECONDS) {
      return unsigned(req, res, raw, () => options.logger.warn({ skewSeconds: skew }, 'slack: refused a request whose timestamp is more than five minutes off'));
    }
    if (!signatureOk(options.signingSecret, timestamp, raw, signature)) return unsigned(req, res, raw);
    const body = parseSlackBody(req.headers['content-type'], raw);
    if (!body) {
      options.logger.warn('slack: refused a signed request whose body does not have the shape Slack sends');
      return reply(res, 400);
    }
    if (body.ssl_check === '1') return next(req, res, SSL_CHECK);
    // Bolt's helpers (its unhandled-request answer) read a buffered request's body from `rawBody`.
    (req as IncomingMessage & { rawBody?: Buffer }).rawBody = raw;
    const claim = ({ whileConnected = false } = {}): Promise<boolean> =>
      whileConnected ? options.redis.guard(() => options.firstSeen(signature)) : options.firstSeen(signature);
    await next(req, res, { body, claim });
  };
  return (req, res) => {
    handle(req, res).catch((err: unknown) => {
      options.logger.error({ err }, 'slack: request failed');
      if (!res.headersSent) reply(res, 500);
      else res.end();
    });
  };
}
