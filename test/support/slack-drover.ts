import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { startSlackFake, postSigned, type SlackFake, type SlackFakeOptions } from '../../src/testing/index.js';
import type { PolicySource } from '../../src/app.js';
import type { Runbook } from '../../src/runbook/types.js';
import type { Config } from '../../src/config/schema.js';
import type { Logger } from 'pino';
import type { Tracer } from '@opentelemetry/api';
import { buildTestDrover, shippedRunbooks, type TestDrover } from './test-drover.js';
import { seedDemo } from './seed.js';

export const SIGNING_SECRET = 'test-signing-secret-0123456789';
export const BOT_TOKEN = 'xoxb-test-token';

export interface SlackTestDrover extends TestDrover {
  slack: SlackFake;
  base: string;
  /** POSTs a body to /slack/events, signed like Slack signs it. */
  send(body: string, contentType: string, options?: { timestampSeconds?: number; headers?: Record<string, string>; secret?: string }): Promise<{ status: number; text: string; ms: number }>;
}

/** A whole Drover with its Slack app on Bolt's real HTTP receiver, talking to a fake Slack Web API. */
export async function buildSlackTestDrover(
  options: {
    runbooks?: Runbook[];
    channels?: Record<string, string[]>;
    configure?: (c: Config) => void;
    port?: number;
    policy?: PolicySource;
    slackFake?: Omit<SlackFakeOptions, 'botToken'>;
    redisUrl?: string;
    logger?: Logger;
    tracer?: Tracer;
  } = {},
): Promise<SlackTestDrover> {
  const slack = await startSlackFake({ ...options.slackFake, botToken: BOT_TOKEN });
  const runbooks = [...(await shippedRunbooks()), ...(options.runbooks ?? [])];
  const t = await buildTestDrover({
    runbooks,
    ...(options.policy ? { policy: options.policy } : {}),
    ...(options.redisUrl ? { redisUrl: options.redisUrl } : {}),
    ...(options.logger ? { logger: options.logger } : {}),
    ...(options.tracer ? { tracer: options.tracer } : {}),
    configure: (c) => {
      c.slack = {
        ...c.slack,
        botToken: BOT_TOKEN,
        signingSecret: SIGNING_SECRET,
        apiUrl: slack.url,
        minInterval: 100,
        channels: options.channels ?? {},
      };
      options.configure?.(c);
    },
  });
  seedDemo(t.fake);
  await t.drover.startWorker();
  await t.drover.slack!.start();
  const server: Server = createServer(t.drover.router.listener);
  await new Promise<void>((r) => server.listen(options.port ?? 0, '127.0.0.1', r));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    ...t,
    slack,
    base,
    send: (body, contentType, o = {}) =>
      postSigned(`${base}/slack/events`, o.secret ?? SIGNING_SECRET, body, {
        contentType,
        ...(o.timestampSeconds !== undefined ? { timestampSeconds: o.timestampSeconds } : {}),
        ...(o.headers ? { headers: o.headers } : {}),
      }),
    async close() {
      await new Promise((r) => server.close(r));
      await t.close();
      await slack.stop();
    },
  };
}
