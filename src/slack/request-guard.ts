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

const FORM = 'application/x-www-form-urlencoded';

/** Where a request that passed every check goes, with its body read and parsed once. */
export type SlackRequestHandler = (req: IncomingMessage, res: ServerResponse, body: SlackBody) => void;

export interface SlackRequestGuardOptions {
  signingSecret: string;
  /** True the first time a signature is seen (remembered for REPLAY_MEMORY_SECONDS). */
  firstSeen: (signature: string) => Promise<boolean>;
  redis: RedisAvailability;
  logger: Logger;
  /** Bolt's own limit (4 MB). */
  maxBodyBytes?: number;
  nowMs?: () => number;
}

function reply(res: ServerResponse, status: number): void {
  res.writeHead(status).end();
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
 * it is acknowledged: while Redis is down, 503 at once; a timestamp more than
 * five minutes off either way, or a wrong signature, 401; a signed body that
 * does not have the shape Slack sends, 400; a signed request seen before (a
 * replay, within the window its timestamp allows) is answered 200 and handled
 * no further. Slack's unsigned SSL check is let through as a bare
 * `{ ssl_check: '1' }` (nothing else it carries is read). The body is read,
 * verified and parsed once here, and handed on parsed.
 */
export function guardSlackRequests(next: SlackRequestHandler, options: SlackRequestGuardOptions): RequestListener {
  const limit = options.maxBodyBytes ?? 4 * 1024 * 1024;
  const now = options.nowMs ?? Date.now;
  /** 401, unless the request is Slack's SSL check, which is not signed. */
  const unsigned = (req: IncomingMessage, res: ServerResponse, body: Buffer, why?: () => void): void => {
    if (isSslCheck(req, body)) return next(req, res, { ssl_check: '1' });
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
      raw = await readBody(req, limit);
    } catch (err) {
      if (err instanceof BodyTooLarge) return reply(res, 413);
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
    if (body.ssl_check === '1') return next(req, res, { ssl_check: '1' });
    let first: boolean;
    try {
      first = await options.redis.guard(() => options.firstSeen(signature));
    } catch {
      answerUnavailable(res, { error: 'Drover cannot take requests right now: Redis is not connected.' });
      return;
    }
    if (!first) {
      options.logger.warn('slack: ignored a signed request already received (a replay)');
      return reply(res, 200);
    }
    // Bolt's helpers (its unhandled-request answer) read a buffered request's body from `rawBody`.
    (req as IncomingMessage & { rawBody?: Buffer }).rawBody = raw;
    next(req, res, body);
  };
  return (req, res) => {
    handle(req, res).catch((err: unknown) => {
      options.logger.error({ err }, 'slack: request failed');
      if (!res.headersSent) reply(res, 500);
      else res.end();
    });
  };
}
