import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AckFn, App, Logger as BoltLogger, Receiver, ReceiverEvent } from '@slack/bolt';
import { bolt } from './bolt.js';
import { answerUnavailable } from '../http/redis-availability.js';
import type { SlackBody } from './payload-shape.js';
import type { GuardedRequest } from './request-guard.js';

export interface SlackReceiverOptions {
  logger: BoltLogger;
  /**
   * True when the listener for this body acknowledges it with an empty 200
   * and nothing else, whatever it then does: such a request is answered at
   * once and handled after (Slack's events, and the commands and buttons whose
   * handlers call `ack()` first).
   */
  acksAtOnce: (body: SlackBody) => boolean;
  /** Runs the handling of a request answered at once, behind the answers to the requests still arriving. */
  defer: (what: string, work: () => Promise<void>) => void;
}

/**
 * Bolt's receiver for Slack's HTTP requests, mounted behind the request guard
 * (which has read, verified and parsed each body once). Bolt's own
 * HTTPReceiver verifies and parses a body again, then runs its middleware
 * before a listener can ack: under a burst of commands, every answer waited
 * for that work on the requests ahead of it. Here a request whose answer is
 * known beforehand (an empty 200, new or replayed alike) gets it at once, and
 * is claimed (the replay check) and processed by Bolt afterwards; any other (a
 * modal submission, answered with its errors) is claimed first and goes
 * through Bolt as its HTTPReceiver does, with Bolt's own ack,
 * unhandled-request and error answers.
 */
export class SlackReceiver implements Receiver {
  private app: App | undefined;
  private readonly bolt = bolt();

  constructor(private readonly options: SlackReceiverOptions) {}

  init(app: App): void {
    this.app = app;
  }

  /** Nothing to open: the router's server takes the requests. */
  start(): Promise<void> {
    return Promise.resolve();
  }

  stop(): Promise<void> {
    return Promise.resolve();
  }

  /** Takes a request that passed the guard, and claims it (the replay check) before anything is done for it. */
  async dispatch(req: IncomingMessage, res: ServerResponse, { body, claim }: GuardedRequest): Promise<void> {
    const { HTTPModuleFunctions: http, HTTPResponseAck, ReceiverMultipleAckError } = this.bolt;
    if (body.ssl_check === '1') return http.buildSSLCheckResponse(res);
    if (body.type === 'url_verification') return http.buildUrlVerificationResponse(res, body);
    const app = this.app;
    if (!app) throw new Error('The Slack receiver was not given to a Bolt App.');
    const { logger } = this.options;
    const retryNum = http.extractRetryNumFromHTTPRequest(req);
    const retryReason = http.extractRetryReasonFromHTTPRequest(req);
    const event = (ack: AckFn<unknown>): ReceiverEvent => ({
      body,
      ack,
      ...(retryNum !== undefined ? { retryNum } : {}),
      ...(retryReason !== undefined ? { retryReason } : {}),
    });
    const replayed = (): void => logger.warn('slack: ignored a signed request already received (a replay)');
    if (this.options.acksAtOnce(body)) {
      // The answer is the same whether the request is new or a replay: it goes first, and the replay
      // check (a Redis round trip the answer would wait for) is made after it, before anything is done.
      http.buildContentResponse(res, undefined);
      let acked = false;
      const ack: AckFn<unknown> = (response) => {
        if (acked) return Promise.reject(new ReceiverMultipleAckError());
        acked = true;
        if (response) logger.warn('slack: a listener answered a request already acknowledged; the answer was dropped');
        return Promise.resolve();
      };
      // Bolt reports a listener's error to app.error; what escapes it is logged by `defer`.
      this.options.defer('event', async () => {
        if (!(await claim())) return replayed();
        await app.processEvent(event(ack));
      });
      return;
    }
    // The answer depends on the handling (a modal's errors): claimed first, 503 if Redis goes meanwhile.
    let first: boolean;
    try {
      first = await claim({ whileConnected: true });
    } catch {
      answerUnavailable(res, { error: 'Drover cannot take requests right now: Redis is not connected.' });
      return;
    }
    if (!first) {
      replayed();
      return http.buildNoBodyResponse(res, 200);
    }
    const ack = new HTTPResponseAck({
      logger,
      processBeforeResponse: false,
      httpRequest: req,
      httpRequestBody: body,
      httpResponse: res,
    });
    app.processEvent(event(ack.bind())).catch(async (error: unknown) => {
      const acknowledged = await http.defaultProcessEventErrorHandler({
        error: error as Error,
        logger,
        request: req,
        response: res,
        storedResponse: ack.storedResponse as unknown,
      });
      if (acknowledged) ack.ack();
    });
  }
}
