/**
 * Slack's v0 request signing, and sending a signed request the way Slack
 * delivers slash commands, interactions and events to an app.
 *
 * Signature: `v0=` + hex HMAC-SHA256(signing secret, `v0:<timestamp>:<raw body>`),
 * timestamp in seconds. Bolt rejects timestamps more than five minutes old.
 */
import { createHmac } from 'node:crypto';

export interface SlackSignatureHeaders {
  'X-Slack-Signature': string;
  'X-Slack-Request-Timestamp': string;
}

export const FORM_CONTENT_TYPE = 'application/x-www-form-urlencoded';
export const JSON_CONTENT_TYPE = 'application/json';

export function signSlackRequest(
  signingSecret: string,
  rawBody: string,
  timestampSeconds: number = Math.floor(Date.now() / 1000),
): SlackSignatureHeaders {
  const digest = createHmac('sha256', signingSecret).update(`v0:${timestampSeconds}:${rawBody}`).digest('hex');
  return { 'X-Slack-Signature': `v0=${digest}`, 'X-Slack-Request-Timestamp': String(timestampSeconds) };
}

export interface PostSignedOptions {
  /**
   * Defaults to JSON for a body starting with `{`, form otherwise. Bolt compares the form type exactly:
   * `application/x-www-form-urlencoded` with a `; charset` suffix would be parsed as JSON and fail.
   */
  contentType?: string;
  timestampSeconds?: number;
  /** Extra headers (`X-Slack-Retry-Num`…); they may override the signature headers, to test rejection. */
  headers?: Record<string, string>;
}

export interface SignedResponse {
  status: number;
  text: string;
  /** Milliseconds from sending until the response headers arrived: the acknowledgement latency. */
  ms: number;
}

export async function postSigned(url: string, signingSecret: string, body: string, options: PostSignedOptions = {}): Promise<SignedResponse> {
  const contentType = options.contentType ?? (body.trimStart().startsWith('{') ? JSON_CONTENT_TYPE : FORM_CONTENT_TYPE);
  const headers = {
    'Content-Type': contentType,
    'User-Agent': 'Slackbot 1.0 (+https://api.slack.com/robots)',
    ...signSlackRequest(signingSecret, body, options.timestampSeconds),
    ...options.headers,
  };
  const started = performance.now();
  const response = await fetch(url, { method: 'POST', headers, body });
  const ms = performance.now() - started;
  return { status: response.status, text: await response.text(), ms };
}
