import { createInterface } from 'node:readline';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { RunStore } from '../jobs/run-store.js';
import type { Redactor, Redacted, SafeText } from '../redact/redactor.js';
import type { Requester } from '../runbook/types.js';
import { blocksToText, paramsModal, runMessage, statusMessage } from './blocks/index.js';
import { isTerminal } from '../jobs/run-record.js';
import type { ChatActor, ChatCommands, ChatOutcome, RunFormInput } from './chat-commands.js';
import { fillForm } from './terminal-form.js';
import { TerminalIdentity } from './terminal-identity.js';
import type { ChatSink } from './chat-sink.js';
import { RunNotifier } from './run-notifier.js';
import type { ChatMessage } from './types.js';

const CHANNEL = 'terminal';

/** Run threads printed to the terminal, each line tagged with its run. */
class TerminalSink implements ChatSink {
  readonly name = 'terminal';
  private replies = 0;
  private readonly shown = new Map<string, Set<string>>();

  constructor(
    private readonly print: (text: SafeText) => void,
    private readonly redactor: Redactor,
    private readonly command: string,
    /** On the sandbox: how to approve one's own proposal, under its Approve line. */
    private readonly approveHint?: (approveCommand: string) => string,
  ) {}

  /** Adds the hint under an `[approve: …]` line. */
  private withHint(text: string): string {
    const hint = this.approveHint;
    if (!hint) return text;
    return text.replace(/\[approve: ([^\]]+)\][^\n]*/g, (line, cmd: string) => `${line}\n${hint(cmd)}`);
  }

  post(_channel: string, message: Redacted<ChatMessage>, threadTs?: string): Promise<string> {
    const tag = threadTs ? `[${threadTs}] ` : '';
    this.print(this.redactor.text(indent(this.withHint(blocksToText(message, { command: this.command })), tag)));
    return Promise.resolve(`${threadTs ?? 'message'}.${++this.replies}`);
  }

  /** A run's message is reprinted only by its lines that changed (state, duration, error), not all its facts again. */
  update(_channel: string, ts: string, message: Redacted<ChatMessage>): Promise<void> {
    const seen = this.shown.get(ts) ?? new Set<string>();
    this.shown.set(ts, seen);
    const fresh = this.withHint(blocksToText(message, { command: this.command }))
      .split('\n')
      .filter((line) => line.trim() && !seen.has(line));
    for (const line of fresh) seen.add(line);
    if (fresh.length) this.print(this.redactor.text(indent(fresh.join('\n'), `[${ts}] `)));
    return Promise.resolve();
  }

  /** A run message with the approval hint, as post and update print it. */
  hinted(text: string): string {
    return this.withHint(text);
  }

  /** Remembers the lines of a run message printed when the run started. */
  shownAs(ts: string, text: string): void {
    this.shown.set(ts, new Set(text.split('\n')));
  }
}

function indent(text: string, tag: string): string {
  return text
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => `${tag}${l}`)
    .join('\n');
}

export interface TerminalChatDeps {
  commands: ChatCommands;
  store: RunStore;
  redis: Redis;
  prefix: string;
  logger: Logger;
  input: NodeJS.ReadableStream;
  /** The terminal: it takes redacted text only. */
  print: (text: SafeText) => void;
  redactor: Redactor;
  requester: Requester;
  command: string;
  listClusters: () => Promise<{ names: string[]; defaultName?: string }>;
  /**
   * True only when the built-in sandbox and its policy are all there is: then
   * `as NAME` (or `--as NAME`) acts as a second local identity, to approve.
   */
  sandbox?: boolean;
  /**
   * Ctrl-C (the process's stop signal): reading stops, so a question waiting
   * for its answer gets none and a form runs nothing, even if a `y` is typed
   * while the process winds down; the chat then ends.
   */
  stop?: Promise<unknown>;
}

/**
 * A chat in the terminal for trying Drover without a Slack workspace: the same
 * `/drover` commands, the same messages rendered as text, run threads printed
 * as they progress. A form (Slack's modal) becomes questions, one per parameter,
 * and a real run is confirmed first. On the sandbox, `as NAME` switches to a
 * second local identity (see TerminalIdentity). Resolves when the input ends.
 */
export async function runTerminalChat(deps: TerminalChatDeps): Promise<void> {
  const { commands, redactor } = deps;
  const print = (text: string) => deps.print(redactor.text(text));
  const identity = new TerminalIdentity(deps.requester, deps.sandbox === true);
  const hint = identity.sandbox ? (cmd: string) => `  (sandbox: the requester cannot approve; as a second local identity: ${cmd} --as reviewer)` : undefined;
  const sink = new TerminalSink(deps.print, redactor, deps.command, hint);
  const notifier = new RunNotifier({
    redis: deps.redis,
    prefix: deps.prefix,
    store: deps.store,
    sink,
    redactor,
    logger: deps.logger,
    minIntervalMs: 0,
    blockMs: 200,
  });
  notifier.start();
  const rl = createInterface({ input: deps.input, terminal: false });
  const lines = rl[Symbol.asyncIterator]();
  let stopped = false;
  void deps.stop?.then(() => {
    stopped = true;
    rl.close();
  });
  const ask = async (question: string): Promise<string | undefined> => {
    print(question);
    const next = await lines.next();
    // An answer that arrives with or after Ctrl-C is no answer.
    return next.done || stopped ? undefined : next.value.trim();
  };
  const actorAs = (requester: Requester) => ({ requester, channel: CHANNEL });

  /** A dry run of the form's request, waited for (15 s at most, as a person would), as its status text. */
  const dryRunPlan = async (request: RunFormInput, actor: ChatActor): Promise<string> => {
    const outcome = await commands.submitRun({ ...request, dryRun: true }, actor);
    if (outcome.kind === 'reply') return blocksToText(outcome.message, { command: deps.command });
    if (outcome.kind !== 'run') return 'The dry run could not start.';
    let run = outcome.run;
    const deadline = Date.now() + 15_000;
    while (!isTerminal(run.state) && run.state !== 'awaiting_approval' && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 100));
      run = (await deps.store.get(run.id)) ?? run;
    }
    if (!isTerminal(run.state) && run.state !== 'awaiting_approval') return `The dry run ${run.id} has not finished (${run.state}); \`${deps.command} status ${run.id}\` shows it when it has.`;
    const text = blocksToText(statusMessage(redactor.value(run), await deps.store.shownChanges(run)), { command: deps.command });
    // The policy held even the dry run for approval: its plan is known; the proposal is withdrawn.
    if (run.state === 'awaiting_approval') await commands.reject(run.id, actor);
    return text;
  };

  const show = async (outcome: ChatOutcome, requester: Requester): Promise<void> => {
    switch (outcome.kind) {
      case 'reply':
        print(blocksToText(outcome.message, { command: deps.command }));
        return;
      case 'run': {
        const text = sink.hinted(blocksToText(runMessage(redactor.value(outcome.run), { cancellable: true }), { command: deps.command }));
        print(text);
        sink.shownAs(`run ${outcome.run.id}`, text);
        await notifier.follow(outcome.run.id, CHANNEL, `run ${outcome.run.id}`, outcome.run.state);
        return;
      }
      case 'form': {
        const clusters = await deps.listClusters();
        print(
          blocksToText(
            paramsModal({
              runbook: outcome.runbook,
              clusters: clusters.names,
              ...(clusters.defaultName ? { defaultCluster: clusters.defaultName } : {}),
              initial: outcome.initial,
              dryRun: outcome.dryRun,
              problems: outcome.problems,
              privateMetadata: '',
            }),
          ),
        );
        const next = await fillForm(outcome, actorAs(requester), { commands, ask, print, listClusters: deps.listClusters, dryRunPlan });
        // A form that comes back again holds a problem no question fixes; it was printed.
        if (next && next.kind !== 'form') await show(next, requester);
        else if (next) for (const p of next.problems) print(`  ⚠ ${p.message}`);
        return;
      }
    }
  };

  print(`Drover terminal chat, as ${deps.requester.id}. Type ${deps.command} help (the ${deps.command} prefix is optional); Ctrl-D to leave.`);
  const greeting = identity.greeting(deps.command);
  if (greeting) print(greeting);
  try {
    for (;;) {
      const next = await lines.next();
      if (next.done || stopped) break;
      const text = next.value.trim().replace(new RegExp(`^${deps.command}\\b`), '').trim();
      if (!text) continue;
      if (text === 'exit' || text === 'quit') break;
      const line = identity.read(text);
      if (line.kind === 'said') {
        print(line.text);
        continue;
      }
      await show(await commands.handle(line.text, actorAs(line.requester)), line.requester);
      // The terminal's own command, after Slack's list.
      if (greeting && /^help\b/.test(line.text)) print(greeting);
    }
  } finally {
    rl.close();
    await notifier.stop();
  }
}
