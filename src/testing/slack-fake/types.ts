/** Public types of the Slack Web API fake. */

/** Who the fake bot is. Payload builders default to the same ids, so Bolt sees one consistent workspace. */
export interface SlackIdentity {
  teamId: string;
  teamName: string;
  /** Workspace subdomain: `https://<teamDomain>.slack.com/`. */
  teamDomain: string;
  appId: string;
  /** The bot user (`auth.test` `user_id`, what `<@U…>` mentions of the bot contain). */
  botUserId: string;
  /** The bot (`auth.test` `bot_id`, `bot_id` on the messages it posts). */
  botId: string;
  botName: string;
}

/** A channel the fake knows. Unconfigured channel ids exist as public channels the bot is in, unless `strict`. */
export interface FakeChannel {
  id: string;
  name: string;
  /** Whether the bot is a member (default true). Posting where it is not answers `not_in_channel`. */
  isMember?: boolean;
  /** Private channel (default false): a private channel the bot is not in is `channel_not_found`, as in Slack. */
  isPrivate?: boolean;
  isArchived?: boolean;
}

/** A user the fake knows. Unconfigured `U…`/`W…` ids exist with their id as name, unless `strict`. */
export interface FakeUser {
  id: string;
  name: string;
  realName?: string;
  displayName?: string;
  isBot?: boolean;
  /** Deactivated accounts still answer `users.info` with `deleted: true`, as in Slack. */
  deleted?: boolean;
  tz?: string;
}

export interface SlackFakeOptions {
  /** The only token accepted (default `xoxb-drover-test`); anything else is `invalid_auth`. */
  botToken?: string;
  identity?: Partial<SlackIdentity>;
  channels?: readonly FakeChannel[];
  users?: readonly FakeUser[];
  /** `usergroups.users.list` answers, by group id (`S…`). Unknown groups are `no_such_subteam`. */
  userGroups?: Readonly<Record<string, readonly string[]>>;
  /** Trigger ids that `views.open`/`views.push` reject with `expired_trigger_id`. */
  expiredTriggerIds?: readonly string[];
  /**
   * Bot scopes granted. When set, a method whose scope is missing answers `missing_scope` with
   * `needed`/`provided`, as Slack does. When unset nothing is checked, except that posting to a public
   * channel the bot is not in needs `chat:write.public` listed here.
   */
  scopes?: readonly string[];
  /** Only configured channels and users exist (default false). */
  strict?: boolean;
  port?: number;
  /** Clock in epoch milliseconds for message timestamps (default Date.now). */
  now?: () => number;
}

/** One request the fake answered. */
export interface RecordedCall {
  /** Web API method (`chat.postMessage`), or `response_url` for a post to `responseUrl()`. */
  method: string;
  /** URL path: `/api/chat.postMessage`, `/response/<key>`. */
  path: string;
  /**
   * Arguments as decoded: form fields and JSON bodies alike, with JSON-in-form fields (`blocks`, `view`,
   * `attachments`, `metadata`…) parsed. Other form values stay strings (`reply_broadcast: 'true'`).
   */
  args: Record<string, unknown>;
  /** Lower-cased header names. */
  headers: Record<string, string>;
  /** Epoch milliseconds when the request arrived. */
  at: number;
  /** HTTP status answered (200, or 429 when rate limited). */
  status: number;
  /** JSON body answered. */
  response: Record<string, unknown>;
}

/** The latest state of a message the bot posted. */
export interface FakeMessage {
  channel: string;
  ts: string;
  text: string;
  blocks?: unknown[];
  threadTs?: string;
  /** The bot user that posted it. */
  user: string;
  /** How many `chat.update` calls changed it. */
  edits: number;
}

/** An ephemeral message: only `user` saw it, and Slack keeps no copy. */
export interface FakeEphemeral {
  channel: string;
  user: string;
  messageTs: string;
  text: string;
  blocks?: unknown[];
  threadTs?: string;
}

/** A modal as Slack holds it: the latest view definition plus the fields Slack adds (`id`, `hash`…). */
export type FakeView = Record<string, unknown> & { id: string; hash: string };

export interface RateLimitOptions {
  /** Seconds sent in `Retry-After`. */
  retryAfterSeconds: number;
  /** How many consecutive calls are rate limited (default 1). */
  times?: number;
}

export interface SlackFake {
  /** Base URL for `slackApiUrl`, ending in `/api/`. */
  readonly url: string;
  readonly botToken: string;
  readonly identity: SlackIdentity;
  stop(): Promise<void>;

  /** Calls answered so far, oldest first; all of them, or those to one method. */
  calls(method?: string): RecordedCall[];
  /**
   * Resolves with the first call to `method` (recorded already, or still to come) matching `predicate`.
   * Rejects after `timeoutMs` (default 5000) listing the calls seen.
   */
  waitForCall(method: string, predicate?: (call: RecordedCall) => boolean, timeoutMs?: number): Promise<RecordedCall>;
  /** Forgets recorded calls (messages, views and faults stay). */
  clear(): void;

  /** The next call(s) to `method` (`*` for any) get HTTP 429 with `Retry-After`, as Slack rate limits. */
  rateLimitNext(method: string, options: RateLimitOptions): void;
  /** The next call(s) to `method` (`*` for any) answer `{ ok: false, error }`. */
  failNext(method: string, error: string, times?: number): void;
  /** The next call(s) to `method` (`*` for any) get HTTP 503: the Web API is down. */
  unavailableNext(method: string, times?: number): void;
  clearFaults(): void;

  message(channel: string, ts: string): FakeMessage | undefined;
  /** Top-level messages of a channel, oldest first. */
  messages(channel: string): FakeMessage[];
  /** Replies in a thread, oldest first (without the parent). */
  thread(channel: string, threadTs: string): FakeMessage[];
  ephemerals(channel?: string): FakeEphemeral[];
  view(id: string): FakeView | undefined;

  setChannel(channel: FakeChannel): void;
  setUser(user: FakeUser): void;
  setUserGroup(id: string, userIds: readonly string[]): void;
  expireTrigger(triggerId: string): void;
  /** A response URL served by the fake; posts to it are recorded as `response_url` calls. */
  responseUrl(key?: string): string;
}
