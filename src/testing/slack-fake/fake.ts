/**
 * startSlackFake(): wires the workspace, message store, call log and HTTP
 * front, listens on 127.0.0.1, and returns the control API tests use.
 */
import { listen } from '../../http/listen.js';
import { createServer } from 'node:http';
import { CallLog } from './call-log.js';
import { Directory } from './directory.js';
import { FaultQueue } from './faults.js';
import { DEFAULT_BOT_TOKEN, DEFAULT_IDENTITY } from './identity.js';
import { MessageStore } from './message-store.js';
import { createRequestListener } from './server.js';
import type { FakeState } from './state.js';
import { createTsClock } from './ts-clock.js';
import type { FakeView, SlackFake, SlackFakeOptions, SlackIdentity } from './types.js';

function idSource(): (prefix: string) => string {
  let counter = 0;
  return (prefix) => {
    counter += 1;
    return `${prefix}0${counter.toString(36).toUpperCase().padStart(8, '0')}`;
  };
}

function copyView(view: FakeView | undefined): FakeView | undefined {
  return view === undefined ? undefined : structuredClone(view);
}

export async function startSlackFake(options: SlackFakeOptions = {}): Promise<SlackFake> {
  const botToken = options.botToken ?? DEFAULT_BOT_TOKEN;
  const identity: SlackIdentity = { ...DEFAULT_IDENTITY, ...options.identity };
  const directory = new Directory({
    strict: options.strict ?? false,
    channels: options.channels ?? [],
    users: options.users ?? [],
    userGroups: options.userGroups ?? {},
  });
  const state: FakeState = {
    identity,
    directory,
    messages: new MessageStore(),
    views: new Map(),
    expiredTriggers: new Set(options.expiredTriggerIds ?? []),
    scopes: options.scopes === undefined ? undefined : [...options.scopes],
    nextTs: createTsClock(options.now ?? Date.now),
    nextId: idSource(),
  };
  const log = new CallLog();
  const faults = new FaultQueue();
  const server = createServer(createRequestListener({ state, log, faults, botToken }));
  const port = await listen(server, options.port ?? 0);
  const origin = `http://127.0.0.1:${port}`;
  let responseUrls = 0;

  return {
    url: `${origin}/api/`,
    botToken,
    identity,
    async stop(): Promise<void> {
      log.abandon('stopped before the call arrived');
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
    calls: (method) => log.calls(method),
    waitForCall: (method, predicate, timeoutMs) => log.waitFor(method, predicate, timeoutMs),
    clear: () => log.clear(),
    rateLimitNext(method, { retryAfterSeconds, times }) {
      if (!Number.isInteger(retryAfterSeconds) || retryAfterSeconds < 0) {
        throw new Error(`slack fake: retryAfterSeconds must be a whole number of seconds, got ${retryAfterSeconds}`);
      }
      faults.add(method, { kind: 'rate_limit', retryAfterSeconds }, times);
    },
    failNext: (method, error, times) => faults.add(method, { kind: 'error', error }, times),
    unavailableNext: (method, times) => faults.add(method, { kind: 'unavailable' }, times),
    clearFaults: () => faults.clear(),
    message: (channel, ts) => state.messages.get(channel, ts),
    messages: (channel) => state.messages.topLevel(channel),
    thread: (channel, threadTs) => state.messages.thread(channel, threadTs),
    ephemerals: (channel) => state.messages.ephemerals(channel),
    view: (id) => copyView(state.views.get(id)),
    setChannel: (channel) => directory.setChannel(channel),
    setUser: (user) => directory.setUser(user),
    setUserGroup: (id, userIds) => directory.setGroup(id, userIds),
    expireTrigger: (triggerId) => state.expiredTriggers.add(triggerId),
    responseUrl(key) {
      responseUrls += 1;
      return `${origin}/response/${encodeURIComponent(key ?? `r${responseUrls}`)}`;
    },
  };
}
