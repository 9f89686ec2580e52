import type { App, RespondFn } from '@slack/bolt';
import type { WebClient } from '@slack/web-api';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { DroverError, errorMessage as text } from '../errors.js';
import type { RunStore } from '../jobs/run-store.js';
import { errorMessage, modalErrors, paramsModal, readModalValues, runMessage } from '../chat/blocks/index.js';
import type { ChatActor, ChatCommands, ChatOutcome } from '../chat/chat-commands.js';
import { RunNotifier } from '../chat/run-notifier.js';
import { IDS, type ChatMessage } from '../chat/types.js';
import { parseApprovalValue } from '../chat/blocks/approval.js';
import { ROLLOUT_ACTIONS, parseRolloutValue, type RolloutVerb } from '../fleet/rollout/rollout-blocks.js';
import { boltLogger } from './bolt-logger.js';
import { bolt } from './bolt.js';
import { EventDedupe } from './event-dedupe.js';
import { SlackSink } from './slack-sink.js';
import { SlackOut } from './slack-out.js';
import type { Redactor } from '../redact/redactor.js';
import { AfterAck } from './after-ack.js';
import { RedisAvailability } from '../http/redis-availability.js';
import { REPLAY_MEMORY_SECONDS, guardSlackRequests } from './request-guard.js';
import { RequestTraffic } from './request-traffic.js';
import { SlackReceiver } from './slack-receiver.js';
import type { SlackBody } from './payload-shape.js';

/** How long a shutdown waits for the work after acknowledged Slack requests. */
const STOP_WAIT_MS = 15_000;

export interface SlackSettings {
  mode: 'http' | 'socket';
  botToken: string;
  signingSecret?: string;
  appToken?: string;
  /** Web API base URL (`https://slack.com/api/` by default). */
  apiUrl?: string;
  /** The slash command, `/drover`. */
  command: string;
  /** Least time between two messages Drover posts to one channel. */
  minIntervalMs?: number;
}

export interface SlackAppDeps {
  settings: SlackSettings;
  commands: ChatCommands;
  store: RunStore;
  redis: Redis;
  prefix: string;
  logger: Logger;
  /** Everything bound for Slack goes through it (SlackOut takes nothing else). */
  redactor: Redactor;
  listClusters: () => Promise<{ names: string[]; defaultName?: string }>;
  /** A rollout's message was posted: its progress updates that message and replies in its thread. */
  onRolloutPosted?: (rolloutId: string, channel: string, ts: string) => Promise<void>;
}

/** Where a command came from, to answer in the right place. */
interface Origin {
  channel: string;
  user: string;
  triggerId?: string;
  /** Answer in this thread (app mentions). */
  threadTs?: string;
  /** The slash command's response_url, for answering where the bot is not a member. */
  respond?: RespondFn;
}

interface ModalMetadata {
  runbook: string;
  channel: string;
}

/**
 * The Slack front end: `/drover` commands, the run modal, the Cancel button and
 * app mentions, over HTTP (Events API, signed requests) or Socket Mode. Every
 * handler acknowledges first; the work happens after the ack.
 */
export function createSlackApp(deps: SlackAppDeps) {
  const { settings, commands, logger } = deps;
  const log = boltLogger(logger);
  const Bolt = bolt();
  const clientOptions = settings.apiUrl ? { slackApiUrl: settings.apiUrl } : {};
  const traffic = new RequestTraffic();
  const afterAck = new AfterAck((err) => logger.error({ err }, 'slack: handling failed'), { holdWhile: () => traffic.busy() });
  /** Runs work after the handler returned, so Slack gets its ack at once. */
  function later(what: string, work: () => Promise<void>): void {
    afterAck.push(() => work().catch((err: unknown) => logger.error({ err, what }, 'slack: handling failed')));
  }
  // The listeners below whose first act is an empty ack(): such requests are answered before Bolt processes them.
  const ownActions = new Set<string>([IDS.cancelAction, IDS.approveAction, IDS.rejectAction, ...Object.values(ROLLOUT_ACTIONS)]);
  function acksAtOnce(body: SlackBody): boolean {
    // Classified as Bolt does (App.processEvent): an event, then a command, then an action (only the first is dispatched).
    const event = body.event as { type?: unknown } | null | undefined;
    if (event !== undefined) return event?.type !== 'function_executed';
    if (body.command !== undefined) return body.command === settings.command;
    if (body.name !== undefined || body.type !== 'block_actions' || !Array.isArray(body.actions)) return false;
    const first = body.actions[0] as { action_id?: unknown } | undefined;
    return typeof first?.action_id === 'string' && ownActions.has(first.action_id);
  }
  let receiver: SlackReceiver | undefined;
  let app: App;
  // No conversation store: no listener reads one, and Bolt's default costs a look-up per event.
  if (settings.mode === 'socket') {
    app = new Bolt.App({
      token: settings.botToken,
      appToken: settings.appToken,
      socketMode: true,
      deferInitialization: true,
      logger: log,
      clientOptions,
      installerOptions: { clientOptions },
      convoStore: false,
    });
  } else {
    receiver = new SlackReceiver({ logger: log, acksAtOnce, defer: later });
    // Deferred, so that a bad token fails start() with a clear message instead of an unhandled rejection.
    app = new Bolt.App({ token: settings.botToken, receiver, logger: log, clientOptions, deferInitialization: true, convoStore: false });
  }
  const client: WebClient = app.client;
  const out = new SlackOut(client);
  const { redactor } = deps;
  const notifier = new RunNotifier({
    redis: deps.redis,
    prefix: deps.prefix,
    store: deps.store,
    sink: new SlackSink(out),
    redactor,
    logger,
    ...(settings.minIntervalMs !== undefined ? { minIntervalMs: settings.minIntervalMs } : {}),
    // Run threads wait too while a burst of requests is being answered.
    holdWhile: () => traffic.busy(),
  });
  const dedupe = new EventDedupe(deps.redis, deps.prefix);
  const replays = new EventDedupe(deps.redis, deps.prefix, REPLAY_MEMORY_SECONDS);

  async function tellPrivately(origin: Origin, message: ChatMessage): Promise<void> {
    const safe = redactor.chat(message);
    try {
      await out.postEphemeral(origin.channel, origin.user, safe, origin.threadTs);
    } catch (err) {
      // Not a member of the channel (or a DM with someone else): the response_url still works.
      if (!origin.respond) throw err;
      await SlackOut.respond(origin.respond, safe);
    }
  }

  async function deliver(outcome: ChatOutcome, origin: Origin): Promise<void> {
    switch (outcome.kind) {
      case 'reply':
        if (outcome.visibility === 'private') return tellPrivately(origin, outcome.message);
        {
          const ts = await out.post(origin.channel, redactor.chat(outcome.message), origin.threadTs);
          if (ts && outcome.rollout) await deps.onRolloutPosted?.(outcome.rollout, origin.channel, ts);
        }
        return;
      case 'run': {
        const { run } = outcome;
        // The run is redacted before rendering too: a value cut to fit a block could hide a secret from the rules.
        const message = runMessage(redactor.value(run), { cancellable: true });
        let ts: string | undefined;
        try {
          ts = await out.post(origin.channel, redactor.chat(message));
        } catch (err) {
          const code = (err as { data?: { error?: string } }).data?.error ?? text(err);
          await tellPrivately(
            origin,
            errorMessage(
              `Run ${run.id} is queued, but I cannot post in this channel (${code}).`,
              `Invite me with /invite, or follow it with \`${settings.command} status ${run.id}\`.`,
            ),
          );
          return;
        }
        if (ts) await notifier.follow(run.id, origin.channel, ts, run.state);
        return;
      }
      case 'form': {
        if (!origin.triggerId) {
          const problems = outcome.problems.map((p) => p.message).join('; ');
          return tellPrivately(origin, errorMessage(`Cannot run ${outcome.runbook.id}: ${problems}.`, `Use \`${settings.command} run\` to get a form.`));
        }
        const clusters = await deps.listClusters();
        const metadata: ModalMetadata = { runbook: outcome.runbook.id, channel: origin.channel };
        await out.openView(
          origin.triggerId,
          redactor.chat(
            paramsModal({
            runbook: outcome.runbook,
            clusters: clusters.names,
            ...(clusters.defaultName ? { defaultCluster: clusters.defaultName } : {}),
            initial: outcome.initial,
            ...(outcome.cluster ? { cluster: outcome.cluster } : {}),
            dryRun: outcome.dryRun,
            problems: outcome.problems,
            privateMetadata: JSON.stringify(metadata),
          }),
          ),
        );
        return;
      }
    }
  }

  const actor = (user: { id: string; name?: string }, channel: string, requestId: string): ChatActor => ({
    requester: { kind: 'slack', id: user.id, ...(user.name ? { name: user.name } : {}) },
    channel,
    requestId,
  });

  app.command(settings.command, async ({ ack, command, respond }) => {
    await ack();
    later('command', async () => {
      const outcome = await commands.handle(command.text, actor({ id: command.user_id, name: command.user_name }, command.channel_id, `cmd:${command.trigger_id}`));
      await deliver(outcome, { channel: command.channel_id, user: command.user_id, triggerId: command.trigger_id, respond });
    });
  });

  app.action(IDS.cancelAction, async ({ ack, body, action }) => {
    await ack();
    later('cancel', async () => {
      const runId = 'value' in action && typeof action.value === 'string' ? action.value : '';
      const channel = 'channel' in body && body.channel?.id ? body.channel.id : '';
      const outcome = await commands.cancel(runId, actor({ id: body.user.id, ...('name' in body.user && body.user.name ? { name: body.user.name } : {}) }, channel, `cancel:${runId}`));
      await deliver(outcome, { channel, user: body.user.id });
    });
  });

  // Approve and Reject carry the run and the hash of the plan the clicker saw.
  for (const [actionId, verb] of [
    [IDS.approveAction, 'approve'],
    [IDS.rejectAction, 'reject'],
  ] as const) {
    app.action(actionId, async ({ ack, body, action }) => {
      await ack();
      later(verb, async () => {
        const value = parseApprovalValue('value' in action && typeof action.value === 'string' ? action.value : undefined);
        const channel = 'channel' in body && body.channel?.id ? body.channel.id : '';
        const who = actor({ id: body.user.id, ...('name' in body.user && body.user.name ? { name: body.user.name } : {}) }, channel, `${verb}:${value?.run ?? ''}`);
        const outcome = !value
          ? ({ kind: 'reply', visibility: 'private', message: errorMessage('This button is malformed; use the buttons on the run message.') } as const)
          : verb === 'approve'
            ? await commands.approve(value.run, value.hash, who)
            : await commands.reject(value.run, who);
        await deliver(outcome, { channel, user: body.user.id });
      });
    });
  }

  // A rollout message's buttons carry the rollout and the hash of the plan the clicker saw.
  for (const [verb, actionId] of Object.entries(ROLLOUT_ACTIONS) as Array<[RolloutVerb, string]>) {
    app.action(actionId, async ({ ack, body, action }) => {
      await ack();
      later(`rollout ${verb}`, async () => {
        const value = parseRolloutValue('value' in action && typeof action.value === 'string' ? action.value : undefined);
        const channel = 'channel' in body && body.channel?.id ? body.channel.id : '';
        const who = actor({ id: body.user.id, ...('name' in body.user && body.user.name ? { name: body.user.name } : {}) }, channel, `rollout-${verb}:${value?.rollout ?? ''}`);
        const outcome = value
          ? await commands.rolloutAction(verb, value.rollout, value.hash, who)
          : ({ kind: 'reply', visibility: 'private', message: errorMessage('This button is malformed; use the buttons on the rollout message.') } as const);
        await deliver(outcome, { channel, user: body.user.id });
      });
    });
  }

  app.view(IDS.runModal, async ({ ack, body, view }) => {
    let metadata: ModalMetadata;
    try {
      metadata = JSON.parse(view.private_metadata) as ModalMetadata;
    } catch {
      await ack();
      return;
    }
    const detail = commands.detail(commands.runbook(metadata.runbook));
    const input = readModalValues(view.state.values, detail);
    const request = { runbook: metadata.runbook, params: input.params, ...(input.cluster ? { cluster: input.cluster } : {}), dryRun: input.dryRun };
    const who = actor({ id: body.user.id, name: body.user.name }, metadata.channel, `view:${view.id}:${view.hash}`);
    const problems = await commands.validateRun(request, who);
    if (problems.length) {
      const blockIds = view.blocks.map((b) => b.block_id).filter((id): id is string => typeof id === 'string');
      await ack({ response_action: 'errors', errors: redactor.chat(modalErrors(problems, detail, { blockIds })) });
      return;
    }
    await ack();
    later('modal', async () => deliver(await commands.submitRun(request, who), { channel: metadata.channel, user: body.user.id }));
  });

  app.event('app_mention', async ({ event, body }) => {
    const eventId = (body as { event_id?: string }).event_id ?? `${event.channel}:${event.ts}`;
    if (!(await dedupe.first(eventId))) return;
    const textAfterMention = event.text.replace(/^\s*<@[A-Z0-9]+(\|[^>]*)?>\s*/, '');
    // A mention posted by a bot or a workflow step has no person behind it: it must never
    // act (run, approve, cancel) under an empty or borrowed identity.
    const user = event.user;
    if (!user || (event as { bot_id?: string }).bot_id) {
      logger.info({ channel: event.channel, bot: (event as { bot_id?: string }).bot_id }, 'slack: ignored a mention with no user behind it (bot or workflow)');
      return;
    }
    later('mention', async () => {
      const outcome = await commands.handle(textAfterMention, actor({ id: user }, event.channel, `event:${eventId}`));
      await deliver(outcome, { channel: event.channel, user, threadTs: event.thread_ts ?? event.ts });
    });
  });

  app.error(async (err) => {
    logger.error({ err: err.message, code: err.code }, 'slack: unhandled error');
    return Promise.resolve();
  });

  let socketStarted = false;
  return {
    app,
    client,
    /** Slack's write methods, for redacted content only. */
    out,
    notifier,
    /** Mount on POST /slack/events (HTTP mode only): Drover's Bolt receiver behind the timestamp, signature, shape, replay and Redis checks. */
    requestListener: receiver
      ? traffic.track(
          guardSlackRequests((req, res, request) => receiver.dispatch(req, res, request), {
            signingSecret: settings.signingSecret ?? '',
            firstSeen: (signature) => replays.first(`sig:${signature}`),
            redis: new RedisAvailability(deps.redis),
            logger,
          }),
        )
      : undefined,
    /** `receive: false` (a worker) posts to Slack but takes no command or action from it (no Socket Mode connection). */
    async start(options: { receive?: boolean } = {}): Promise<void> {
      try {
        await app.init();
      } catch (err) {
        const code = (err as { data?: { error?: string } }).data?.error ?? text(err);
        throw new DroverError('config_invalid', `Slack rejected SLACK_BOT_TOKEN (${code}). Check the bot token of the installed app.`, { cause: err });
      }
      if (settings.mode === 'socket' && options.receive !== false) {
        await app.start();
        socketStarted = true;
      }
      notifier.start();
    },
    async stop(): Promise<void> {
      const left = await afterAck.drain(STOP_WAIT_MS);
      if (left) logger.warn({ left }, 'stopping with Slack commands still being handled (acknowledged, not finished): Redis or Slack did not answer in time');
      await notifier.stop();
      if (socketStarted) await app.stop();
    },
  };
}

export type SlackApp = ReturnType<typeof createSlackApp>;
