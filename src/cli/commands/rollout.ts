import type { Command } from 'commander';
import { createInterface } from 'node:readline';
import { DroverError } from '../../errors.js';
import type { Requester } from '../../runbook/types.js';
import { EXIT } from '../output.js';
import type { CommandDeps } from '../deps.js';
import { withClient } from '../lazy-runtime.js';
import type { Runtime } from '../runtime.js';

function requester(deps: CommandDeps): Requester {
  return { kind: 'cli', id: deps.user, name: deps.user };
}

function count(name: string): (value: string) => number {
  return (value) => {
    if (!/^\d{1,5}$/.test(value) || Number(value) < 1) throw new DroverError('params_invalid', `${name} must be a whole number of at least 1 (got "${value}").`);
    return Number(value);
  };
}

/** Reads one answer from the terminal; anything but y/yes is no. */
async function confirmed(deps: CommandDeps, question: string): Promise<boolean> {
  const rl = createInterface({ input: deps.input, terminal: false });
  try {
    deps.output.out(question);
    const answer = await Promise.race([new Promise<string>((resolve) => rl.once('line', resolve).once('close', () => resolve(''))), deps.stopSignal.then(() => '')]);
    return /^\s*y(es)?\s*$/i.test(answer);
  } finally {
    rl.close();
  }
}

const rollouts = async (rt: Runtime) => (await import('../../fleet/rollout/create-rollouts.js')).createRollouts(rt.drover, rt.redis);
const lines = async () => (await import('../../fleet/rollout/rollout-text.js')).rolloutLines;

interface RolloutOptions {
  clusters: string;
  batch?: number;
  maxFailures?: number;
  pauseOnFailure: boolean;
  canary: boolean;
  dryRun?: boolean;
  yes?: boolean;
}

/**
 * `drover rollout RUNBOOK --clusters SELECTOR …` and its subcommands, and
 * `drover rollouts`. The plan is printed before anything starts.
 */
export function registerRolloutCommands(program: Command, deps: CommandDeps, setExit: (code: number) => void): void {
  const rollout = program
    .command('rollout')
    .description('Run a runbook on every agent cluster a label selector picks, in batches: drover rollout restart-deployment namespace=shop deployment=web --clusters region=eu,tier=store --batch 5')
    .argument('[runbook]', 'the runbook')
    .argument('[params...]', 'key=value params')
    .option('--clusters <selector>', 'agent clusters by label: key=value, key!=value, key (has it), joined by commas')
    .option('--batch <n>', 'clusters per batch (default 1)', count('--batch'))
    .option('--max-failures <n>', 'stop once this many clusters have failed (default 1)', count('--max-failures'))
    .option('--no-pause-on-failure', 'go on to the next batch after a failed one (still stops at --max-failures)')
    .option('--no-canary', 'start with a full batch instead of one cluster')
    .option('--dry-run', 'every run a dry run; nothing changes')
    .option('-y, --yes', 'start without asking')
    .action(async (runbookId: string | undefined, pairs: string[], opts: RolloutOptions) => {
      if (!runbookId || !opts.clusters) {
        deps.output.err('Usage: drover rollout RUNBOOK --clusters SELECTOR [--batch N] [--max-failures N] [--no-pause-on-failure] [--dry-run] [--yes] [key=value ...]');
        setExit(EXIT.usage);
        return;
      }
      const { paramsFromPairs } = await import('../../runbook/params.js');
      await withClient(deps, async (rt) => {
        const service = await rollouts(rt);
        const runbook = rt.drover.runbooks.get(runbookId);
        const planned = await service.plan({
          runbook: runbook.id,
          params: paramsFromPairs(runbook, pairs),
          selector: opts.clusters,
          ...(opts.batch ? { batchSize: opts.batch } : {}),
          ...(opts.maxFailures ? { maxFailures: opts.maxFailures } : {}),
          pauseOnFailure: opts.pauseOnFailure,
          canary: opts.canary,
          dryRun: opts.dryRun ?? false,
          requester: requester(deps),
        });
        deps.output.out(planned.text);
        if (!opts.yes && !(await confirmed(deps, 'Start it? [y/N]'))) {
          deps.output.out('Not started.');
          setExit(EXIT.cancelled);
          return;
        }
        const started = await service.start(planned);
        if (started.state === 'awaiting_approval') {
          deps.output.out(`Rollout ${started.id} awaits approval of plan ${started.hash.slice(0, 12)}: drover rollout approve ${started.id} ${started.hash.slice(0, 12)} (by someone else), or Approve in Slack.`);
        } else {
          deps.output.out(`Rollout ${started.id} started. Follow it: drover rollout status ${started.id} --wait`);
        }
      });
    });

  rollout
    .command('status <id>')
    .description('A rollout: its plan, counts, current batch and failures')
    .option('-w, --wait', 'follow it until it ends or pauses; the exit code tells the outcome')
    .action(async (id: string, opts: { wait?: boolean }) => {
      await withClient(deps, async (rt) => {
        const service = await rollouts(rt);
        const show = await lines();
        let current = await service.status(id);
        let last = '';
        const print = () => {
          const text = show(current).join('\n');
          if (text !== last) deps.output.out(text);
          last = text;
        };
        print();
        let stopped = false;
        void deps.stopSignal.then(() => {
          stopped = true;
        });
        let delay = 500;
        while (opts.wait && !stopped && ['running', 'awaiting_approval'].includes(current.state)) {
          await new Promise((r) => setTimeout(r, delay));
          delay = Math.min(5000, Math.round(delay * 1.5));
          current = await service.status(id);
          print();
        }
        if (!opts.wait) return;
        if (stopped) setExit(EXIT.failed);
        else if (current.state === 'succeeded') setExit(EXIT.ok);
        else if (current.state === 'cancelled') setExit(EXIT.cancelled);
        else if (current.state === 'rejected' || current.state === 'expired') setExit(EXIT.notApproved);
        else setExit(EXIT.failed);
      });
    });

  rollout
    .command('approve <id> [plan]')
    .description('Approve a rollout\'s whole plan (name its plan hash, as status shows it); not your own')
    .action(async (id: string, plan: string | undefined) => {
      await withClient(deps, async (rt) => {
        const service = await rollouts(rt);
        const current = await service.get(id);
        const given = (plan ?? '').toLowerCase();
        if (given.length < 8 || !current.hash.startsWith(given)) {
          for (const line of (await lines())(current)) deps.output.out(line);
          deps.output.err(
            given ? `Plan ${given} is not the plan of rollout ${id}; nothing was approved.` : `To approve exactly this plan: drover rollout approve ${id} ${current.hash.slice(0, 12)}`,
          );
          setExit(EXIT.usage);
          return;
        }
        const answer = await service.approve(id, requester(deps), current.hash);
        deps.output.out(
          answer.kind === 'approved'
            ? `Approved (${answer.approvals}/${answer.needed}): rollout ${id} starts.`
            : answer.kind === 'duplicate'
              ? `You have already approved rollout ${id}; it counts once (${answer.approvals}/${answer.needed}).`
              : `Your approval of rollout ${id} is recorded (${answer.approvals}/${answer.needed}).`,
        );
      });
    });

  const simple = (verb: 'reject' | 'resume' | 'abort', description: string, done: (id: string) => string) =>
    rollout
      .command(`${verb} <id>`)
      .description(description)
      .action(async (id: string) => {
        await withClient(deps, async (rt) => {
          const service = await rollouts(rt);
          await service[verb](id, requester(deps));
          deps.output.out(done(id));
        });
      });
  simple('reject', 'Reject a rollout awaiting approval (or withdraw your own)', (id) => `Rollout ${id} rejected; nothing was started.`);
  simple('resume', 'Resume a paused rollout with its next batch', (id) => `Rollout ${id} resumed.`);
  simple('abort', 'Abort a rollout: no further batch starts, queued runs of the current one are cancelled', (id) => `Rollout ${id} aborted; runs already under way finish.`);

  program
    .command('rollouts')
    .description('Recent rollouts, newest first')
    .option('-n, --limit <n>', 'how many', '20')
    .action(async (opts: { limit: string }) => {
      await withClient(deps, async (rt) => {
        const service = await rollouts(rt);
        const recent = await service.deps.store.recent(Math.min(200, Number(opts.limit) || 20));
        const { countTargets } = await import('../../fleet/rollout/rollouts.js');
        for (const r of recent) {
          const c = countTargets(r.targets);
          deps.output.out(`${r.id}  ${r.state.padEnd(17)} ${r.runbook.padEnd(22)} ${String(r.clusters.length).padStart(5)} clusters  ✓${c.succeeded} ✗${c.failed}  ${r.selector}  ${r.requester.name ?? r.requester.id}  ${r.createdAt}`);
        }
        if (!recent.length) deps.output.out('No rollouts yet.');
      });
    });
}
