// The CLI as an operator runs it (`node bin/drover.js …`, compiled): wall
// time of history, status and runbooks list beside `node -e 0`; and the time
// from spawning `drover start` (what `npm start` runs) to /readyz answering 200.
import { type BenchContext, resetRedis } from '../support/context.js';
import { droverEnv, startDrover } from '../support/drover-process.js';
import { droverBin, repoRoot } from '../support/paths.js';
import { meets } from '../support/results.js';
import { ms, summary, waitFor } from '../support/stats.js';
import { openSubmitter } from '../support/submitter.js';
import { droverQueue } from '../support/drover-queue.js';

const CLI_GOAL = { atMost: 500 };
const START_GOAL = { atMost: 3000 };

export async function benchCli(ctx: BenchContext): Promise<void> {
  const samples = ctx.quick ? 3 : 7;
  ctx.log(`cli: compiled, node bin/drover.js …, ${samples} calls each (the first one apart: caches may be cold)`);
  const env = droverEnv({ redisUrl: ctx.redis.url, workspace: ctx.workspace, port: 0 });
  const time = async (name: string, command: string, args: string[]) => {
    const runs = [];
    for (let i = 0; i < samples; i++) {
      const r = await ctx.children.run(name, command, args, { cwd: repoRoot, env, timeoutMs: 60_000 });
      if (r.code !== '0') throw new Error(`${name} exited with ${r.code} (log: ${ctx.workspace.logDir}/${name}.log)`);
      runs.push(r.ms);
    }
    return { first: runs[0] ?? Number.NaN, rest: summary(runs.slice(1)) };
  };
  const floor = await time('node-e-0', process.execPath, ['-e', '0']);
  ctx.log(`  floor: node -e 0: median ${ms(floor.rest.p50)}`);

  const worker = await startDrover(ctx.children, { name: 'cli-worker', args: ['worker'], redisUrl: ctx.redis.url, workspace: ctx.workspace });
  const submitter = await openSubmitter(ctx.redis.url, ctx.workspace);
  const queue = droverQueue(ctx.redis.url);
  try {
    const ids = await submitter.submitAll(Array.from({ length: 100 }, (_, i) => ({ runbook: 'bench-noop', params: { target: `cli-${i}` } })), 10);
    await waitFor(async () => ((await queue.queue.getJobCounts('completed')).completed ?? 0) >= ids.length, 30_000);
    const commands: Array<[string, string[]]> = [
      ['history', ['history']],
      [`status <id>`, ['status', ids[0] ?? '']],
      ['runbooks list', ['runbooks', 'list']],
    ];
    for (const [label, args] of commands) {
      const t = await time(`cli-${args[0]}`, process.execPath, [droverBin, ...args]);
      ctx.log(`  drover ${label}: first ${ms(t.first)}, then median ${ms(t.rest.p50)}, max ${ms(t.rest.max)}`);
      ctx.row({ figure: `drover ${label}, wall time`, drover: ms(t.rest.p50), floor: `${ms(floor.rest.p50)} (node -e 0)`, ratio: t.rest.p50 / floor.rest.p50, goal: '< 500 ms', met: meets(t.rest.p50, CLI_GOAL) });
    }
  } finally {
    await queue.close();
    await submitter.close();
    await worker.stop();
    await resetRedis(ctx);
  }

  // `npm start` runs `drover start`: everything in one process; with no kubeconfig, the sandbox cluster.
  const starts = [];
  for (let i = 0; i < (ctx.quick ? 1 : 3); i++) {
    const p = await startDrover(ctx.children, { name: `start-${i}`, args: ['start'], entry: [droverBin], unset: ['KUBECONFIG', 'DROVER_SANDBOX', 'DROVER_POLICY'], redisUrl: ctx.redis.url, workspace: ctx.workspace });
    starts.push(p.readyMs);
    await p.stop();
    await resetRedis(ctx);
  }
  const start = summary(starts);
  ctx.log(`  drover start (npm start), spawn → /readyz 200: median ${ms(start.p50)}, max ${ms(start.max)} (${starts.length} starts)`);
  ctx.row({ figure: 'drover start → /readyz 200', drover: ms(start.p50), floor: '-', goal: '< 3 s', met: meets(start.p50, START_GOAL) });
}
