/** What the method handlers share: the workspace, the messages and views, and id sources. */
import type { Directory } from './directory.js';
import type { MessageStore } from './message-store.js';
import type { FakeView, SlackIdentity } from './types.js';
import type { Args } from './wire.js';

export interface FakeState {
  identity: SlackIdentity;
  directory: Directory;
  messages: MessageStore;
  views: Map<string, FakeView>;
  expiredTriggers: Set<string>;
  /** Granted bot scopes; undefined means scopes are not checked. */
  scopes: readonly string[] | undefined;
  nextTs: () => string;
  /** Ids shaped like Slack's: a type letter then uppercase alphanumerics (`V0001ABCD`). */
  nextId: (prefix: string) => string;
}

/** A Web API method: arguments in, the `{ ok: true, … }` body out, or a thrown SlackFailure. */
export type MethodHandler = (args: Args, state: FakeState) => Record<string, unknown>;
