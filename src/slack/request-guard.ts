import { createHmac, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import { BodyTooLarge, readBody } from '../http/read-body.js';
import { answerUnavailable, type RedisAvailability } from '../http/redis-availability.js';
import { slackBodyShapeOk } from './payload-shape.js';

/** How far a request's timestamp may be from our clock, either way (Slack's own rule is five minutes). */
export const SLACK_TOLERANCE_SECONDS = 300;

/** How long a signature must be remembered: as long as its timestamp stays acceptable. */
export const REPLAY_MEMORY_SECONDS = 2 * SLACK_TOLERANCE_SECONDS + 60;

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

/**
 * In front of Bolt's HTTP receiver, the checks it leaves out. Bolt refuses a
 * timestamp more than five minutes old but takes any in the future, and
 * handles the same signed request as often as it is sent: here a timestamp
 * more than five minutes off either way gets 401, and a signed request seen
 * before (a replay, within the window its timestamp allows) is answered 200
 * and handled no further. While Redis is down, 503 at once. The body read
 * here is handed to Bolt as the buffered body it accepts, and Bolt verifies
 * the signature again.
 */
export function guardSlackRequests(listener: RequestListener, options: SlackRequestGuardOptions): RequestListener {
  const limit = options.maxBodyBytes ?? 4 * 1024 * 1024;
  const now = options.nowMs ?? Date.now;
  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    if (!(await options.redis.ready())) {
      req.resume();
      answerUnavailable(res, { error: 'Drover cannot take requests right now: Redis is not connected.' });
      return;
    }
    let body: Buffer;
    try {
      body = await readBody(req, limit);
    } catch (err) {
      if (err instanceof BodyTooLarge) return reply(res, 413);
      throw err;
    }
    // Slack's unsigned SSL check: Bolt answers it and ignores any other field.
    if (req.headers['content-type'] === 'application/x-www-form-urlencoded' && new URLSearchParams(body.toString('utf8')).get('ssl_check') === '1') {
      return pass(req, res, body);
    }
    const timestamp = req.headers['x-slack-request-timestamp'];
    const signature = req.headers['x-slack-signature'];
    if (typeof timestamp !== 'string' || !/^\d{1,12}$/.test(timestamp) || typeof signature !== 'string') return reply(res, 401);
    const skew = Number(timestamp) - Math.floor(now() / 1000);
    if (Math.abs(skew) > SLACK_TOLERANCE_SECONDS) {
      options.logger.warn({ skewSeconds: skew }, 'slack: refused a request whose timestamp is more than five minutes off');
      return reply(res, 401);
    }
    if (!signatureOk(options.signingSecret, timestamp, body, signature)) return reply(res, 401);
    if (!slackBodyShapeOk(req.headers['content-type'], body)) {
      options.logger.warn('slack: refused a signed request whose body does not have the shape Slack sends');
      return reply(res, 400);
    }
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
    return pass(req, res, body);
  };
  function pass(req: IncomingMessage, res: ServerResponse, body: Buffer): void {
    // Bolt reads a request whose body was already read from `rawBody`.
    (req as IncomingMessage & { rawBody?: Buffer }).rawBody = body;
    listener(req, res);
  }
  return (req, res) => {
    handle(req, res).catch((err: unknown) => {
      options.logger.error({ err }, 'slack: request failed');
      if (!res.headersSent) reply(res, 500);
      else res.end();
    });
  };
}
