import { errorMessage, noticeMessage } from '../../chat/blocks/index.js';
import type { ChatActor, ChatOutcome, RolloutChatHandler } from '../../chat/chat-commands.js';
import { splitWords } from '../../chat/parse-command.js';
import type { ChatMessage } from '../../chat/types.js';
import { paramsFromPairs } from '../../runbook/params.js';
import { DroverError, asDroverError } from '../../errors.js';
import type { Rollout } from './plan.js';
import { rolloutMessage, type RolloutVerb } from './rollout-blocks.js';
import type { RolloutNews } from './rollout-controller.js';
import { countTargets, type Rollouts } from './rollouts.js';

const privately = (message: ChatMessage): ChatOutcome => ({ kind: 'reply', message, visibility: 'private' });

export interface RolloutChatDeps {
  rollouts: Rollouts;
  /** The slash command, for help texts. */
  command: string;
  /** Told when a person changed a rollout (approved, rejected, resumed, aborted): its message follows. */
  onChange?: (rollout: Rollout, news: RolloutNews[]) => Promise<void>;
}

interface Parsed {
  runbook?: string;
  pairs: string[];
  selector?: string;
  batch?: number;
  maxFailures?: number;
  pauseOnFailure: boolean;
  canary: boolean;
  dryRun: boolean;
  yes: boolean;
}

function whole(flag: string, value: string | undefined): number {
  if (!value || !/^\d{1,5}$/.test(value) || Number(value) < 1) throw new DroverError('params_invalid', `${flag} needs a whole number of at least 1.`);
  return Number(value);
}

function parse(words: string[]): Parsed {
  const p: Parsed = { pairs: [], pauseOnFailure: true, canary: true, dryRun: false, yes: false };
  for (let i = 0; i < words.length; i++) {
    // Slack and phones turn `--` into an em or en dash.
    const word = (words[i] ?? '').replace(/^[—–]/, '--');
    const [flag, inline] = word.startsWith('--') && word.includes('=') ? [word.slice(0, word.indexOf('=')), word.slice(word.indexOf('=') + 1)] : [word, undefined];
    const value = () => inline ?? words[++i];
    if (flag === '--clusters') p.selector = value();
    else if (flag === '--batch') p.batch = whole('--batch', value());
    else if (flag === '--max-failures') p.maxFailures = whole('--max-failures', value());
    else if (flag === '--no-pause-on-failure') p.pauseOnFailure = false;
    else if (flag === '--no-canary') p.canary = false;
    else if (flag === '--dry-run' || flag === '--dryrun') p.dryRun = true;
    else if (flag === '--yes' || flag === '-y') p.yes = true;
    else if (flag.startsWith('--')) throw new DroverError('params_invalid', `Unknown option ${flag.slice(0, 40)}. Options: --clusters SELECTOR, --batch N, --max-failures N, --no-pause-on-failure, --no-canary, --dry-run, --yes.`);
    else if (!p.runbook) p.runbook = word;
    else p.pairs.push(word);
  }
  return p;
}

/**
 * `/drover rollout …` and `/drover rollouts`, and the rollout message's
 * buttons. A rollout that needs approval is posted at once (one message, with
 * Approve and Reject); one that does not is shown privately first and starts
 * with `--yes`.
 */
export class RolloutChat implements RolloutChatHandler {
  constructor(private readonly deps: RolloutChatDeps) {}

  async handle(verb: string, text: string, actor: ChatActor): Promise<ChatOutcome> {
    const { rollouts, command } = this.deps;
    const words = splitWords(text).slice(1);
    try {
      if (verb === 'rollouts') return privately(this.list(await rollouts.deps.store.recent(10)));
      const [sub, id, hash] = words;
      switch (sub) {
        case 'status':
          if (!id) return privately(errorMessage('Which rollout?', `Try \`${command} rollout status <id>\`.`));
          return privately(rolloutMessage(await rollouts.status(id)));
        case 'approve':
        case 'reject':
        case 'resume':
        case 'abort': {
          if (!id) return privately(errorMessage('Which rollout?', `Try \`${command} rollout ${sub} <id>\`.`));
          if (sub !== 'approve') return this.act(sub, id, '', actor);
          const current = await rollouts.get(id);
          const given = (hash ?? '').toLowerCase();
          if (given.length >= 8 && current.hash.startsWith(given)) return this.act('approve', id, current.hash, actor);
          if (given) return privately(errorMessage(`Plan ${given.slice(0, 20)} is not the plan of rollout ${id}; nothing was approved.`));
          return privately({ ...rolloutMessage(current), text: `To approve exactly this plan: ${command} rollout approve ${id} ${current.hash.slice(0, 12)}` });
        }
        default:
          return this.propose(words, actor);
      }
    } catch (err) {
      return privately(errorMessage(asDroverError(err).message));
    }
  }

  private async propose(words: string[], actor: ChatActor): Promise<ChatOutcome> {
    const { rollouts, command } = this.deps;
    const p = parse(words);
    if (!p.runbook || !p.selector) {
      return privately(errorMessage('Which runbook, on which clusters?', `Try \`${command} rollout <runbook> --clusters region=eu,tier=store [--batch 5] key=value …\`.`));
    }
    const runbook = rollouts.deps.runbooks.get(p.runbook);
    const planned = await rollouts.plan({
      runbook: runbook.id,
      params: paramsFromPairs(runbook, p.pairs),
      selector: p.selector,
      ...(p.batch ? { batchSize: p.batch } : {}),
      ...(p.maxFailures ? { maxFailures: p.maxFailures } : {}),
      pauseOnFailure: p.pauseOnFailure,
      canary: p.canary,
      dryRun: p.dryRun,
      requester: actor.requester,
    });
    if (!planned.rollout.approval && !p.yes) {
      return privately(noticeMessage(`${planned.text}. Nothing started: to start it, repeat the command with --yes.`));
    }
    const started = await rollouts.start(planned);
    return { kind: 'reply', message: rolloutMessage(started), visibility: 'channel', rollout: started.id };
  }

  /** A button click or a typed approve/reject/resume/abort; the answer is for the clicker only. */
  async act(verb: RolloutVerb, id: string, hash: string, actor: ChatActor): Promise<ChatOutcome> {
    const { rollouts } = this.deps;
    try {
      let notice: string;
      let news: RolloutNews[] = [];
      switch (verb) {
        case 'approve': {
          const answer = await rollouts.approve(id, actor.requester, hash);
          notice =
            answer.kind === 'approved'
              ? `Approved (${answer.approvals}/${answer.needed}): rollout ${id} starts.`
              : answer.kind === 'duplicate'
                ? `You have already approved rollout ${id}; it counts once (${answer.approvals}/${answer.needed}).`
                : `Your approval of rollout ${id} is recorded (${answer.approvals}/${answer.needed}).`;
          break;
        }
        case 'reject': {
          const r = await rollouts.reject(id, actor.requester);
          notice = `Rollout ${id} ${r.state === 'rejected' ? 'rejected' : r.state}; nothing was started.`;
          news = [{ type: 'ended', state: 'rejected', reason: r.reason ?? 'rejected' }];
          break;
        }
        case 'resume':
          await rollouts.resume(id, actor.requester);
          notice = `Rollout ${id} resumed.`;
          break;
        case 'abort': {
          const r = await rollouts.abort(id, actor.requester);
          notice = `Rollout ${id} aborted; runs already under way finish.`;
          news = [{ type: 'ended', state: 'cancelled', reason: r.reason ?? 'aborted' }];
          break;
        }
      }
      await this.deps.onChange?.(await rollouts.get(id), news).catch(() => undefined);
      return privately(noticeMessage(notice));
    } catch (err) {
      return privately(errorMessage(asDroverError(err).message));
    }
  }

  private list(recent: Rollout[]) {
    if (!recent.length) return noticeMessage('No rollouts yet.');
    const lines = recent.map((r) => {
      const c = countTargets(r.targets);
      return `${r.id}  ${r.state.replace('_', ' ')}  ${r.runbook} on ${r.clusters.length} cluster(s) matching ${r.selector}: ✓${c.succeeded} ✗${c.failed}`;
    });
    return noticeMessage(lines.join('\n'));
  }
}
