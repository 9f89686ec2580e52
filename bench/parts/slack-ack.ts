// Slack's 3-second deadline: 200 signed slash commands at once from a client
// in its own process, answered by a compiled `drover serve --no-worker`
// (Bolt's HTTP receiver, signatures checked, the run validated, decided,
// queued and announced after the ack), beside the floor measured first: the
// same client against a no-op HTTP server in its own process.
import { type BenchContext, resetRedis } from '../support/context.js';
import { startDrover, SLACK_SECRET } from '../support/drover-process.js';
import { ask } from '../support/ipc.js';
import { deployment } from '../support/k8s-fake-process.js';
import { benchJs } from '../support/paths.js';
import { goalText, meets } from '../support/results.js';
import { ms, sleep, summary, waitFor } from '../support/stats.js';

const ACK_GOAL = { atMost: 1.5 };
/** Bursts measured on each side; the figure is the median of their p99s (one burst's p99 is its two slowest answers). */
const ROUNDS = 3;
const BOT_TOKEN = 'xoxb-bench';

function medianOf(rounds: Array<{ p50: number; p99: number }>): { p50: number; p99: number } {
  const mid = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? Number.NaN;
  return { p50: mid(rounds.map((r) => r.p50)), p99: mid(rounds.map((r) => r.p99)) };
}

async function load(ctx: BenchContext, url: string, requests: number, name: string): Promise<Array<{ status: number; ms: number }>> {
  const result = await ctx.children.run(name, process.execPath, [benchJs('processes/slack-load.js'), url, SLACK_SECRET, String(requests)], { timeoutMs: 60_000 });
  if (result.code !== '0') throw new Error(`the load client exited with ${result.code} (log: ${ctx.workspace.logDir}/${name}.log)`);
  return JSON.parse(result.stdout) as Array<{ status: number; ms: number }>;
}

export async function benchSlackAck(ctx: BenchContext): Promise<void> {
  const requests = 200;
  ctx.log(`slack ack: bursts of ${requests} concurrent signed "/drover run restart-deployment … --dry-run" commands, client in its own process`);

  const noop = ctx.children.start('noop-http', benchJs('processes/noop-http.js'), [], { ipc: true, execArgv: [] });
  const noopUrl = await ask<string>(noop.process, undefined, 'url');
  await load(ctx, `${noopUrl}/slack/events`, 20, 'slack-load-warm-floor');
  const floors = [];
  for (let i = 0; i < ROUNDS; i++) floors.push(summary((await load(ctx, `${noopUrl}/slack/events`, requests, 'slack-load-floor')).map((r) => r.ms)));
  await noop.stop();
  const floor = medianOf(floors);
  ctx.log(`  floor: no-op HTTP server in its own process, same client, ${ROUNDS} bursts: p50 ${ms(floor.p50)}, p99 ${ms(floor.p99)} (p99s ${floors.map((f) => ms(f.p99)).join(', ')})`);

  const slack = ctx.children.start('slack-fake', benchJs('processes/slack-fake.js'), [BOT_TOKEN], { ipc: true, execArgv: [] });
  const slackUrl = await ask<string>(slack.process, undefined, 'url');
  await ctx.fake.seed(Array.from({ length: requests }, (_, i) => deployment('demo', `web-${i}`)));
  const env = { SLACK_BOT_TOKEN: BOT_TOKEN, SLACK_SIGNING_SECRET: SLACK_SECRET, SLACK_API_URL: slackUrl, DROVER_SLACK_MODE: 'http' };
  // A worker announces the cluster and runs the dry runs the commands ask for.
  const worker = await startDrover(ctx.children, { name: 'slack-worker', args: ['worker'], redisUrl: ctx.redis.url, workspace: ctx.workspace, env });
  const serve = await startDrover(ctx.children, { name: 'slack-serve', args: ['serve', '--no-worker'], redisUrl: ctx.redis.url, workspace: ctx.workspace, env });
  try {
    const url = `${serve.url}/slack/events`;
    await load(ctx, url, 20, 'slack-load-warm'); // code paths loaded and compiled
    await waitFor(async () => (await ask<number>(slack.process, 'count', 'count')) >= 20, 20_000, 100);
    const postedBefore = await ask<number>(slack.process, 'count', 'count');
    const rounds = [];
    let failed = 0;
    for (let i = 0; i < ROUNDS; i++) {
      const results = await load(ctx, url, requests, 'slack-load');
      failed += results.filter((r) => r.status !== 200).length;
      rounds.push(summary(results.map((r) => r.ms)));
    }
    const lat = medianOf(rounds);
    let posted = 0;
    await waitFor(async () => (posted = (await ask<number>(slack.process, 'count', 'count')) - postedBefore) >= requests * ROUNDS, 30_000, 200);
    const ratio = lat.p99 / floor.p99;
    ctx.log(`  Drover, ${ROUNDS} bursts: p50 ${ms(lat.p50)}, p99 ${ms(lat.p99)} (p99s ${rounds.map((r) => ms(r.p99)).join(', ')}); ratio of p99s ${ratio.toFixed(2)} (goal ≤ ${ACK_GOAL.atMost}); non-200 answers ${failed}; Slack messages posted after the acks ${posted} (a run message per command, more as dry runs finish)`);
    ctx.row({ figure: `Slack ack p99, ${requests} concurrent commands (median of ${ROUNDS})`, drover: ms(lat.p99), floor: `${ms(floor.p99)} (no-op server)`, ratio, goal: goalText(ACK_GOAL, 'ratio'), met: failed === 0 ? meets(ratio, ACK_GOAL) : false });
    await sleep(500); // the dry runs finish before the processes stop
  } finally {
    await Promise.all([serve.stop(), worker.stop(), slack.stop()]);
    await resetRedis(ctx);
  }
}
