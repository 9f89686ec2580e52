import { isAgentRun } from '../../fleet/names.js';
import type { Command } from 'commander';
import { Option } from 'commander';
import { DroverError } from '../../errors.js';
import type { Requester } from '../../runbook/types.js';
import { isHeld } from '../../jobs/run-record.js';
import { EXIT, exitCodeFor, formatRun, formatRunSummary } from '../output.js';
import type { CommandDeps } from '../deps.js';
import { withClient } from '../lazy-runtime.js';
import { cliSpan } from '../../tracing/command-spans.js';

// Each action imports what it needs when it runs: `history` must not load the queue, Slack or the Kubernetes client.
const storeClient = () => import('../store-client.js');

function requester(deps: CommandDeps): Requester {
  return { kind: 'cli', id: deps.user, name: deps.user };
}

export function registerRunCommands(program: Command, deps: CommandDeps, setExit: (code: number) => void): void {
  program
    .command('run <runbook> [params...]')
    .description('Enqueue a run: drover run scale-deployment namespace=demo deployment=web replicas=4')
    .option('-c, --cluster <name>', 'cluster (kubeconfig context) to act on; default: the workers\' default')
    .option('--dry-run', 'send every change with dryRun=All and print the plan; nothing changes')
    .option('-w, --wait', 'follow the run to its end; the exit code tells the outcome')
    .addOption(new Option('--id <runId>', 'idempotency key: submitting the same id twice creates one run').hideHelp())
    .action(async (runbookId: string, pairs: string[], opts: { cluster?: string; dryRun?: boolean; wait?: boolean; id?: string }) => {
      const [{ paramsFromPairs }, { followRun }] = await Promise.all([import('../../runbook/params.js'), import('../follow.js')]);
      await withClient(deps, async (rt) => {
        const runbook = rt.drover.runbooks.get(runbookId);
        const params = paramsFromPairs(runbook, pairs);
        // The root of the run's trace when tracing is on; it ends once the run is queued, not when --wait does.
        const run = await cliSpan(rt.tracing.tracer, 'run', () =>
          rt.drover.gate.submit({
            runbook: runbook.id,
            params,
            ...(opts.cluster ? { cluster: opts.cluster } : {}),
            dryRun: opts.dryRun ?? false,
            requester: requester(deps),
            ...(opts.id ? { runId: opts.id } : {}),
          }),
        );
        if (run.approval && isHeld(run.state)) {
          const where = await rt.drover.announceProposal(run);
          deps.output.out(
            `Run ${run.id} needs approval (${run.approval.needed} from ${run.approval.group ?? 'someone allowed to run it'}; ${run.approval.reason}): ${run.runbook} on ${run.cluster}.`,
          );
          deps.output.out(where ? `Its plan and the Approve button are posted in ${where}.` : 'Approvers can see its plan with `drover status` and approve in Slack (set DROVER_APPROVALS_CHANNEL to post it there), or in `drover chat` if the policy names them as CLI users (on the sandbox: `approve <run> <plan> --as reviewer`).');
        } else {
          deps.output.out(`Run ${run.id} queued: ${run.runbook} on ${run.cluster}${run.dryRun ? ' (dry run)' : ''}`);
          if (isAgentRun(run)) {
            if (!(await rt.drover.fleet.presence.isLive(run.cluster))) deps.output.out(`No agent of cluster ${run.cluster} is live right now; the run waits in its queue for one (fleet.agentWait at most).`);
          } else if (!(await rt.drover.presence.workers()).length) deps.output.out('No worker is running right now; the run waits in the queue and starts when one does.');
        }
        if (!opts.wait) return;
        const blocking = rt.redis.duplicate();
        try {
          const final = await Promise.race([
            followRun(run.id, { store: rt.drover.store, presence: rt.drover.presence, blocking, output: deps.output, agentLive: (cluster) => rt.drover.fleet.presence.isLive(cluster) }),
            deps.stopSignal.then(() => undefined),
          ]);
          if (!final) {
            deps.output.err(`Stopped following; run ${run.id} goes on. Cancel it with: drover cancel ${run.id}`);
            setExit(EXIT.failed);
            return;
          }
          const plan = await rt.drover.store.changes(run.id);
          if (final.dryRun && final.state === 'succeeded') {
            deps.output.out(plan.length ? `Plan (${plan.length} change${plan.length > 1 ? 's' : ''}, nothing was changed):` : 'Plan: no changes.');
            for (const c of plan) deps.output.out(`  ${c.summary}`);
          }
          deps.output.out(formatRunSummary(final));
          setExit(exitCodeFor(final));
        } finally {
          blocking.disconnect();
        }
      });
    });

  program
    .command('status <runId>')
    .description('Show a run: state, params, and its changes (or plan)')
    .action(async (runId: string) => {
      const { withStore } = await storeClient();
      await withStore(deps, async ({ store }) => {
        const run = await store.get(runId);
        if (!run) throw new DroverError('run_not_found', `No run with id "${runId}".`);
        deps.output.out(formatRun(run, await store.shownChanges(run)));
      });
    });

  program
    .command('cancel <runId>')
    .description('Cancel a queued or running run (a running one stops before its next step)')
    .action(async (runId: string) => {
      await withClient(deps, async (rt) => {
        const run = await rt.drover.gate.cancel(runId, requester(deps));
        deps.output.out(run.state === 'cancelled' ? `Run ${runId} cancelled.` : `Cancellation of run ${runId} requested; it stops before its next step.`);
      });
    });

  program
    .command('history [runbook]')
    .description('Recent runs, newest first')
    .option('-n, --limit <n>', 'how many', '20')
    .action(async (runbook: string | undefined, opts: { limit: string }) => {
      const { withStore } = await storeClient();
      await withStore(deps, async ({ store }) => {
        const runs = await store.recent(Number(opts.limit) || 20, runbook);
        for (const r of runs) {
          const pack = r.pack ? `  ${r.pack.name}@${/^[0-9a-f]{40}$/.test(r.pack.version) ? r.pack.version.slice(0, 12) : r.pack.version} ${r.pack.hash.slice(0, 12)}` : '';
          deps.output.out(`${r.id}  ${r.state.padEnd(9)}  ${r.runbook.padEnd(22)} ${r.cluster.padEnd(12)} ${r.requester.name ?? r.requester.id}  ${r.createdAt}${pack}`);
        }
        if (!runs.length) deps.output.out('No runs yet.');
      });
    });
}
