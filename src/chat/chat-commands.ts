import { createHash } from 'node:crypto';
import type { RunQueue, RunRequest } from '../jobs/run-queue.js';
import type { Approvals, ApprovalOutcome } from '../approvals/approvals.js';
import type { RunStore } from '../jobs/run-store.js';
import type { RunbookRegistry } from '../runbook/registry.js';
import { asDroverError } from '../errors.js';
import type { RunRecord } from '../jobs/run-record.js';
import { paramIssues, paramsFromPairs, parseParams } from '../runbook/params.js';
import { suggest } from '../runbook/suggest.js';
import type { Requester, Runbook } from '../runbook/types.js';
import { chatName } from '../runbook/registry.js';
import type { AuditLog } from '../audit/audit-log.js';
import { describeEvent, filterEvents, type AuditFilter } from '../audit/filter.js';
import {
  auditMessage,
  clustersMessage,
  errorMessage,
  helpMessage,
  historyMessage,
  noticeMessage,
  runbookDetailMessage,
  runbookListMessage,
  schedulesMessage,
  statusMessage,
} from './blocks/index.js';
import type { ScheduleStatus } from '../schedules/schedules.js';
import type { ClusterStatus } from '../fleet/agent-presence.js';
import type { ChannelPolicy } from './channel-policy.js';
import { parseCommand } from './parse-command.js';
import { secretParamNames } from '../redact/secret-params.js';
import { REDACTED } from '../redact/redactor.js';
import { runbookDetail, runbookSummary } from './runbook-detail.js';
import type { ChatMessage, ParamProblem, RunbookDetail } from './types.js';
import type { Tracer } from '@opentelemetry/api';
import { chatSpan } from '../tracing/command-spans.js';

/** Who asks, and where. */
export interface ChatActor {
  requester: Requester;
  /** Channel id (or `terminal`). */
  channel: string;
  /** Unique id of this request (Slack trigger id, event id): a retry of it creates no second run. */
  requestId?: string;
}

/** What the transport must do with a command's result. */
export type ChatOutcome =
  /** `rollout`: the message shows that rollout (Slack follows it there). */
  | { kind: 'reply'; message: ChatMessage; visibility: 'private' | 'channel'; rollout?: string }
  | { kind: 'run'; run: RunRecord }
  | {
      kind: 'form';
      runbook: RunbookDetail;
      initial: Record<string, unknown>;
      cluster?: string;
      dryRun: boolean;
      problems: ParamProblem[];
    };

export interface RunFormInput {
  runbook: string;
  params: Record<string, unknown>;
  cluster?: string;
  dryRun: boolean;
}

export interface ChatCommandsDeps {
  /** `/drover rollout …`, `/drover rollouts` and the rollout buttons (RolloutChat); absent: not available. */
  rollouts?: RolloutChatHandler;
  drover: {
    queue: RunQueue;
    /** Applies the policy: every run asked for in chat goes through it. */
    gate: {
      submit(request: RunRequest): Promise<RunRecord>;
      cancel(runId: string, by: Requester): Promise<RunRecord>;
      known(requester: Requester): Promise<boolean>;
    };
    approvals?: Approvals;
    store: RunStore;
    runbooks: RunbookRegistry;
    listClusters: () => Promise<{ names: string[]; defaultName?: string }>;
    /** The runbooks' schedules, for `/drover schedules`. */
    listSchedules?: () => Promise<ScheduleStatus[]>;
  };
  channels: ChannelPolicy;
  /** The slash command, for help texts. */
  command: string;
  /** For `/drover audit`. */
  audit?: AuditLog;
  /** Traces each command (the parent of the run it queues); absent when tracing is off. */
  tracer?: Tracer;
  /** The agent clusters, for `/drover clusters` (FleetPresence.status). */
  listFleet?: () => Promise<ClusterStatus[]>;
}

const VERBS = ['help', 'runbooks', 'list', 'describe', 'run', 'status', 'cancel', 'approve', 'reject', 'history', 'audit', 'schedules', 'clusters'];

/** Fleet rollouts in chat (src/fleet/rollout/rollout-chat.ts). */
export interface RolloutChatHandler {
  /** `verb` is `rollout` or `rollouts`; `text` the whole command. */
  handle(verb: string, text: string, actor: ChatActor): Promise<ChatOutcome>;
  act(verb: 'approve' | 'reject' | 'resume' | 'abort', rolloutId: string, hash: string, actor: ChatActor): Promise<ChatOutcome>;
}

const ROLLOUT_VERBS = ['rollout', 'rollouts'];

const privately = (message: ChatMessage): ChatOutcome => ({ kind: 'reply', message, visibility: 'private' });

/** Run ids derived from a chat request id, so that a redelivered request maps to the same run. */
export function runIdFor(requestId: string): string {
  return `s${createHash('sha256').update(requestId).digest('hex').slice(0, 20)}`;
}

/**
 * The `/drover` commands, independent of any chat transport: Slack and the
 * terminal chat both turn text into a ChatOutcome and render it their way.
 */
export class ChatCommands {
  constructor(private readonly deps: ChatCommandsDeps) {}

  async handle(text: string, actor: ChatActor): Promise<ChatOutcome> {
    if (!this.deps.tracer) return this.handleUntraced(text, actor);
    // Only the known verbs name a span: whatever else was typed could be anything, a pasted token included.
    const typed = parseCommand(text).verb;
    const verb = VERBS.includes(typed) || ROLLOUT_VERBS.includes(typed) ? typed : 'unknown';
    return chatSpan(this.deps.tracer, verb, actor.requester, () => this.handleUntraced(text, actor));
  }

  private async handleUntraced(text: string, actor: ChatActor): Promise<ChatOutcome> {
    try {
      await this.received(text, actor);
      return await this.dispatch(text, actor);
    } catch (err) {
      return privately(errorMessage(asDroverError(err).message));
    }
  }

  detail(runbook: Runbook): RunbookDetail {
    return runbookDetail(runbook, this.deps.channels);
  }

  runbook(idOrChatName: string): Runbook {
    return this.deps.drover.runbooks.get(idOrChatName);
  }

  /** Typed params from text answers (the terminal's form), as `key=value` words would be. */
  coerceParams(runbookId: string, answers: Record<string, unknown>): Record<string, unknown> {
    const runbook = this.runbook(runbookId);
    const words = Object.entries(answers).map(([k, v]) => `${k}=${Array.isArray(v) ? v.join(',') : String(v as string)}`);
    return paramsFromPairs(runbook, words);
  }

  private async dispatch(text: string, actor: ChatActor): Promise<ChatOutcome> {
    const cmd = parseCommand(text);
    const { drover, command } = this.deps;
    const [first, ...rest] = cmd.args;
    if (ROLLOUT_VERBS.includes(cmd.verb)) {
      return this.deps.rollouts ? this.deps.rollouts.handle(cmd.verb, text, actor) : privately(errorMessage('Fleet rollouts are not available here.'));
    }
    switch (cmd.verb) {
      case 'help':
        return privately(helpMessage(command));
      case 'runbooks':
      case 'list':
        return privately(this.catalogue(cmd.args));
      case 'describe':
        if (!first) return privately(errorMessage('Which runbook?', `Try \`${command} describe <runbook>\`; \`${command} list\` shows them all.`));
        return privately(runbookDetailMessage(this.detail(drover.runbooks.get(first)), command));
      case 'run':
        if (cmd.unknownFlags.length) {
          return privately(errorMessage(`Unknown option ${cmd.unknownFlags.join(', ')}.`, 'Options: --cluster NAME, --dry-run.'));
        }
        if (!first) return privately(errorMessage('Which runbook?', `Try \`${command} run <runbook> key=value …\`; \`${command} list\` shows them all.`));
        return this.startRun(drover.runbooks.get(first), rest, cmd.cluster, cmd.dryRun, actor);
      case 'status': {
        if (!first) return privately(errorMessage('Which run?', `Try \`${command} status <run-id>\`.`));
        const run = await drover.queue.get(first);
        return privately(statusMessage(run, await drover.store.shownChanges(run)));
      }
      case 'cancel': {
        if (!first) return privately(errorMessage('Which run?', `Try \`${command} cancel <run-id>\`.`));
        return this.cancel(first, actor);
      }
      case 'approve':
      case 'reject': {
        if (!first) return privately(errorMessage('Which run?', `Try \`${command} ${cmd.verb} <run-id>\`.`));
        if (cmd.verb === 'reject') return this.reject(first, actor);
        // Typed approvals name the plan too (its hash, as the message shows it), so nobody approves unseen.
        const run = await drover.queue.get(first);
        const hash = run.approval?.hash ?? '';
        const given = (rest[0] ?? '').toLowerCase();
        if (given.length >= 8 && hash.startsWith(given)) return this.approve(first, hash, actor);
        if (given) return privately(errorMessage(`Plan ${given} is not the current plan of run ${first}; nothing was approved.`, `See it with \`${command} status ${first}\`.`));
        if (run.state !== 'awaiting_approval') return this.approve(first, hash, actor);
        return privately(
          statusMessage(run, await drover.store.plan(run.id), `To approve exactly this plan: \`${command} approve ${first} ${hash.slice(0, 12)}\` (or use the buttons on the run's message).`),
        );
      }
      case 'history': {
        const runbookId = first ? drover.runbooks.get(first).id : undefined;
        const runs = await drover.store.recent(15, runbookId);
        return privately(historyMessage(runs, first));
      }
      case 'schedules': {
        if (!drover.listSchedules) return privately(errorMessage('Schedules are not available here.'));
        return privately(schedulesMessage(await drover.listSchedules()));
      }
      case 'clusters': {
        const [workers, fleet] = await Promise.all([drover.listClusters(), this.deps.listFleet?.()]);
        return privately(clustersMessage({ workers, ...(fleet ? { fleet } : {}) }));
      }
      case 'audit': {
        if (!this.deps.audit) return privately(errorMessage('The audit log is not available here.'));
        if (!(await drover.gate.known(actor.requester))) return privately(errorMessage('Denied: the audit log is for people the policy knows, and you are in none of its groups.'));
        const filter: AuditFilter = {};
        if (first) filter.runbook = drover.runbooks.get(first).id;
        const events = filterEvents(await this.deps.audit.read(), filter).slice(-15);
        const result = await this.deps.audit.verify();
        const detail = result.ok ? `${result.checked} events verified` : `at event #${result.broken?.seq ?? '?'}: ${result.broken?.reason ?? ''}`;
        return privately(auditMessage(events.map(describeEvent), { ok: result.ok, detail }));
      }
      default: {
        const guess = suggest(cmd.verb, VERBS);
        return privately(
          errorMessage(`Unknown command "${cmd.verb}".${guess ? ` Did you mean \`${command} ${guess}\`?` : ''}`, `\`${command} help\` lists the commands.`),
        );
      }
    }
  }

  /**
   * `runbooks [filter] [page]`: the catalogue, a page at a time; `runbooks <name>`
   * shows that runbook in full (as `describe` does). `list` is the same command.
   */
  private catalogue(args: string[]): ChatMessage {
    const { drover, command } = this.deps;
    const last = args[args.length - 1];
    const page = last !== undefined && /^\d{1,4}$/.test(last) ? Number(last) : undefined;
    const words = page === undefined ? args : args.slice(0, -1);
    const filter = words.join(' ').toLowerCase();
    if (words.length === 1 && page === undefined && drover.runbooks.has(filter)) return runbookDetailMessage(this.detail(drover.runbooks.get(filter)), command);
    const runbooks = drover.runbooks
      .list()
      .filter((rb) => !filter || rb.id.includes(filter) || (chatName(rb) ?? '').includes(filter) || rb.summary.toLowerCase().includes(filter))
      .sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
      .map(runbookSummary);
    return runbookListMessage(runbooks, filter || undefined, { ...(page !== undefined ? { page } : {}), command });
  }

  async cancel(runId: string, actor: ChatActor): Promise<ChatOutcome> {
    try {
      const run = await this.deps.drover.gate.cancel(runId, actor.requester);
      return privately(
        noticeMessage(run.state === 'cancelled' ? `Run ${run.id} cancelled.` : `Cancellation of run ${run.id} requested; it stops before its next step.`),
      );
    } catch (err) {
      return privately(errorMessage(asDroverError(err).message));
    }
  }

  /**
   * Audits a command as received: verb and words, with the values of a
   * runbook's secret params masked (the audit log's redactor masks tokens and
   * passwords on top).
   */
  private async received(text: string, actor: ChatActor): Promise<void> {
    if (!this.deps.audit) return;
    // Redacted as one text before it is split: a key and its value can be two words (`x-api-key: …`).
    const cmd = parseCommand(this.deps.drover.store.redacted(text));
    let args = cmd.args;
    // A rollout names its runbook where a run does: its secret params are masked the same way.
    if ((cmd.verb === 'run' || cmd.verb === 'rollout') && args[0]) {
      let runbook: Runbook | undefined;
      try {
        runbook = this.deps.drover.runbooks.get(args[0]);
      } catch {
        runbook = undefined;
      }
      const secret = new Set(runbook ? secretParamNames(runbook.params) : []);
      args = args.map((word, i) => {
        const eq = word.indexOf('=');
        return i > 0 && eq > 0 && (secret.has(word.slice(0, eq)) || !runbook) ? `${word.slice(0, eq)}=${REDACTED}` : word;
      });
    }
    await this.deps.audit.append({
      type: 'command.received',
      actor: actor.requester,
      channel: actor.channel,
      verb: cmd.verb,
      args,
      ...(cmd.cluster ? { cluster: cmd.cluster } : {}),
      ...(cmd.dryRun ? { dryRun: true } : {}),
    });
  }

  /** An approver's click (or `approve <run-id>`): the answer is for the approver only. */
  async approve(runId: string, hash: string, actor: ChatActor): Promise<ChatOutcome> {
    const approvals = this.deps.drover.approvals;
    if (!approvals) return privately(errorMessage('Approvals are not available here.'));
    try {
      return privately(noticeMessage(approvalNotice(await approvals.approve(runId, actor.requester, hash))));
    } catch (err) {
      return privately(errorMessage(asDroverError(err).message));
    }
  }

  /** A Reject click (or `reject <run-id>`); the requester may withdraw their own proposal. */
  async reject(runId: string, actor: ChatActor): Promise<ChatOutcome> {
    const approvals = this.deps.drover.approvals;
    if (!approvals) return privately(errorMessage('Approvals are not available here.'));
    try {
      return privately(noticeMessage(approvalNotice(await approvals.reject(runId, actor.requester))));
    } catch (err) {
      return privately(errorMessage(asDroverError(err).message));
    }
  }

  /** A rollout message's button (approve, reject, resume, abort); the answer is for the clicker only. */
  async rolloutAction(verb: 'approve' | 'reject' | 'resume' | 'abort', rolloutId: string, hash: string, actor: ChatActor): Promise<ChatOutcome> {
    if (!this.deps.rollouts) return privately(errorMessage('Fleet rollouts are not available here.'));
    return this.deps.rollouts.act(verb, rolloutId, hash, actor);
  }

  private async startRun(runbook: Runbook, pairs: string[], cluster: string | undefined, dryRun: boolean, actor: ChatActor): Promise<ChatOutcome> {
    const refusal = this.channelRefusal(runbook, actor.channel);
    if (refusal) return refusal;
    // Unknown keys and malformed words are typos to fix on the command line, with a suggestion.
    const params = paramsFromPairs(runbook, pairs);
    return this.submitRunUntraced({ runbook: runbook.id, params, ...(cluster ? { cluster } : {}), dryRun }, actor);
  }

  /** Every problem with a run request, each attached to its parameter when it can be; empty when it may run. */
  async validateRun(input: RunFormInput, actor: ChatActor): Promise<ParamProblem[]> {
    const { drover } = this.deps;
    const runbook = drover.runbooks.get(input.runbook);
    const allowed = this.deps.channels.allowed(runbook.id);
    if (allowed && !allowed.includes(actor.channel)) return [{ message: `${runbook.id} can only be run in ${allowed.map((c) => `#${c}`).join(', ')}.` }];
    const problems: ParamProblem[] = [];
    try {
      parseParams(runbook, input.params);
    } catch (err) {
      const issues = paramIssues(err);
      if (!issues.length) throw err;
      problems.push(...issues.map((i) => (i.param ? { param: i.param, message: i.message } : { message: i.message })));
    }
    const clusters = await drover.listClusters();
    if (input.cluster && clusters.names.length && !clusters.names.includes(input.cluster)) {
      problems.push({ param: 'cluster', message: `Unknown cluster "${input.cluster}". Known: ${clusters.names.join(', ')}.` });
    }
    return problems;
  }

  /**
   * Validates and enqueues a run. Missing or invalid params come back as a
   * form (a Slack modal) with each problem attached to its parameter.
   */
  async submitRun(input: RunFormInput, actor: ChatActor): Promise<ChatOutcome> {
    return chatSpan(this.deps.tracer, 'submit', actor.requester, () => this.submitRunUntraced(input, actor));
  }

  private async submitRunUntraced(input: RunFormInput, actor: ChatActor): Promise<ChatOutcome> {
    const { drover } = this.deps;
    const runbook = drover.runbooks.get(input.runbook);
    const refusal = this.channelRefusal(runbook, actor.channel);
    if (refusal) return refusal;
    const problems = await this.validateRun(input, actor);
    if (problems.length) {
      return {
        kind: 'form',
        runbook: this.detail(runbook),
        initial: input.params,
        ...(input.cluster ? { cluster: input.cluster } : {}),
        dryRun: input.dryRun,
        problems,
      };
    }
    try {
      const run = await drover.gate.submit({
        runbook: runbook.id,
        params: input.params,
        ...(input.cluster ? { cluster: input.cluster } : {}),
        dryRun: input.dryRun,
        requester: actor.requester,
        ...(actor.requestId ? { runId: runIdFor(actor.requestId) } : {}),
      });
      return { kind: 'run', run };
    } catch (err) {
      // A refusal (policy, identity) goes to the requester only; it is in the audit log.
      return privately(errorMessage(asDroverError(err).message));
    }
  }

  private channelRefusal(runbook: Runbook, channel: string): ChatOutcome | undefined {
    const allowed = this.deps.channels.allowed(runbook.id);
    if (!allowed || allowed.includes(channel)) return undefined;
    return privately(
      errorMessage(`${runbook.id} can only be run in ${allowed.map((c) => `#${c}`).join(', ')}.`, 'Ask in one of those channels.'),
    );
  }
}

function approvalNotice(outcome: ApprovalOutcome): string {
  const id = outcome.run.id;
  switch (outcome.kind) {
    case 'approved':
      return `Approved (${outcome.approvals}/${outcome.needed}): run ${id} is queued.`;
    case 'counted':
      return `Your approval of run ${id} is recorded (${outcome.approvals}/${outcome.needed}).`;
    case 'duplicate':
      return `You have already approved run ${id}; it counts once (${outcome.approvals}/${outcome.needed}).`;
    case 'rejected':
      return `Run ${id} rejected; nothing was changed.`;
  }
}
