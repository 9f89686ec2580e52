/** Shared by the Slack fake tests: a quiet real WebClient, and the error of a call that must fail. */
import { ErrorCode, LogLevel, WebClient, type Logger, type WebAPIPlatformError, type WebClientOptions } from '@slack/web-api';
import type { SlackFake } from '../../../src/testing/index.js';

/** WebClient logs every platform error and retry; the tests assert on them instead. */
export const silentLogger: Logger = {
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
  setLevel: () => undefined,
  getLevel: () => LogLevel.ERROR,
  setName: () => undefined,
};

/** A real WebClient pointed at the fake; `token: null` sends none. */
export function clientFor(fake: SlackFake, options: WebClientOptions = {}, token: string | null = fake.botToken): WebClient {
  return new WebClient(token ?? undefined, { slackApiUrl: fake.url, logger: silentLogger, ...options });
}

/** The error of a call that must fail with a Slack platform error (`{ ok: false }`). */
export async function platformError(call: Promise<unknown>): Promise<WebAPIPlatformError> {
  const err: unknown = await call.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toMatchObject({ code: ErrorCode.PlatformError });
  return err as WebAPIPlatformError;
}
