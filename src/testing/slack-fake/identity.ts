/** The default workspace shared by the fake and the payload builders, so Bolt sees one consistent team. */
import { randomBytes, randomUUID } from 'node:crypto';
import type { SlackIdentity } from './types.js';

export const DEFAULT_BOT_TOKEN = 'xoxb-drover-test';

/** Slack's deprecated verification token, still sent in every payload; Bolt ignores it. */
export const DEFAULT_VERIFICATION_TOKEN = 'dR0verVerificationT0ken';

export const DEFAULT_IDENTITY: Readonly<SlackIdentity> = Object.freeze({
  teamId: 'T0DROVER1',
  teamName: 'Drover Test',
  teamDomain: 'drover-test',
  appId: 'A0DROVER1',
  botUserId: 'U0DROVERBOT',
  botId: 'B0DROVER1',
  botName: 'drover',
});

/** Shaped like Slack's: `13345224609.738474920.8088930838d88f008e0`. */
export function newTriggerId(): string {
  const digits = (n: number): string => Array.from(randomBytes(n), (b) => String(b % 10)).join('');
  return `${digits(11)}.${digits(9)}.${randomBytes(16).toString('hex')}`;
}

/** A `ts`-shaped value for now (`action_ts`, `event_ts`). */
export function nowTs(): string {
  const micros = BigInt(Date.now()) * 1000n + BigInt(randomBytes(1)[0] ?? 0);
  return `${micros / 1_000_000n}.${(micros % 1_000_000n).toString().padStart(6, '0')}`;
}

export function defaultResponseUrl(kind: 'commands' | 'actions', teamId: string): string {
  return `https://hooks.slack.com/${kind}/${teamId}/${Date.now()}/${randomBytes(12).toString('hex')}`;
}

export function newClientMsgId(): string {
  return randomUUID();
}
