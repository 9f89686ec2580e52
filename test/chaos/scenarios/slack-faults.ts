/**
 * Fault 5: Slack's Web API rate-limited (429 with Retry-After), then down
 * (503 to everything), then back, while alert runs proceed and their threads
 * are written. Runs must not wait for Slack; what was held back must arrive
 * once Slack answers again, each run's thread in the order of its events.
 * Counted from the fake's own call log and message store.
 */
import type { Redis } from 'ioredis';
import { deliveryBody, mismatch, post } from '../harness/alerts.js';
import type { SlackThread } from '../harness/fakes.js';
import { allRuns, isFinished, settle, type SeenRun } from '../harness/runs.js';
import { PREFIX, Stack } from '../harness/stack.js';
import type { Row } from '../harness/table.js';
import { sleep, type Scenario, type ScenarioOptions } from './scenario.js';

const CHANNEL = 'C0ALERTS';

/** The step names of a run, in the order its event stream has them started. */
async function stepOrder(redis: Redis, runId: string): Promise<string[]> {
  const entries = (await redis.xrange(`${PREFIX}:run:${runId}:events`, '-', '+')) as Array<[string, string[]]>;
  const steps: string[] = [];
  for (const [, f] of entries) {
    const e = JSON.parse(f[f.indexOf('e') + 1] ?? '{}') as { type?: string; step?: string; phase?: string };
    if (e.type === 'step' && e.step && !steps.includes(e.step)) steps.push(e.step);
  }
  return steps;
}

interface ThreadCheck {
  /** Steps of the run missing from its thread. */
  missing: number;
  missingNames: string[];
  /** Steps present but out of the order of the run's events. */
  inOrder: boolean;
  found: boolean;
}

function checkThread(run: SeenRun, steps: string[], threads: SlackThread[]): ThreadCheck {
  // The run's own message is the one with its thread; an escalation may name the run too.
  const thread = threads
    .filter((t) => t.text.includes(run.id) || JSON.stringify(t.blocks).includes(run.id))
    .sort((a, b) => b.replies.length - a.replies.length)[0];
  if (!thread) return { missing: steps.length, missingNames: steps, inOrder: false, found: false };
  const text = thread.replies.join('\n');
  let at = 0;
  let missing = 0;
  const missingNames: string[] = [];
  let inOrder = true;
  for (const step of steps) {
    const next = text.indexOf(step, at);
    if (next >= 0) {
      at = next + step.length;
      continue;
    }
    // Present earlier than a later step's line: delivered, out of order; absent: lost.
    if (text.includes(step)) inOrder = false;
    else {
      missing += 1;
      missingNames.push(step);
    }
  }
  return { missing, missingNames, inOrder, found: true };
}

async function run(options: ScenarioOptions): Promise<Row[]> {
  const { log } = options;
  const perPhase = options.short ? 3 : 6;
  const outageMs = options.short ? 10_000 : 20_000;
  const stack = await Stack.start({ deployments: perPhase * 3, slack: true });
  const redis = stack.redis.client();
  let sent = 0;
  let accepted = 0;
  let fiveXx = 0;
  let next = 0;
  const answers: string[] = [];
  const deliver = async (n: number): Promise<void> => {
    const alerts = Array.from({ length: n }, () => mismatch(next++, new Date(Date.UTC(2026, 4, 1)).toISOString()));
    sent += n;
    const answer = await post(stack.base, deliveryBody(alerts), 30_000);
    answers.push(`${answer.status} in ${(answer.ms / 1000).toFixed(1)} s`);
    if (answer.status === 200) accepted += n;
    else if (typeof answer.status === 'number' && answer.status >= 500) fiveXx += 1;
  };
  try {
    await stack.startServe();
    await stack.startWorker();
    // Phase 1: every Slack method rate-limited a few times, Retry-After 2 s.
    await stack.fakes.slackRateLimit('*', 2, perPhase * 2);
    await deliver(perPhase);
    await sleep(3000);
    // Phase 2: Slack down; runs delivered now must still finish before it returns.
    await stack.fakes.slackDown();
    const downAt = Date.now();
    await deliver(perPhase);
    await deliver(perPhase);
    const duringOutage = await settle(redis, sent, outageMs);
    const finishedDown = duringOutage.filter(isFinished).length;
    await sleep(Math.max(0, outageMs - (Date.now() - downAt)));
    // Phase 3: Slack back. Wait until its log is quiet for 5 s (bounded).
    await stack.fakes.slackUp();
    const upAt = Date.now();
    log(`slack-faults: Slack back after ${((upAt - downAt) / 1000).toFixed(0)} s down; ${finishedDown}/${accepted} runs had finished meanwhile`);
    const runs = await settle(redis, sent, 60_000);
    let quietSince = Date.now();
    let lastCount = -1;
    for (const deadline = Date.now() + 120_000; Date.now() < deadline && Date.now() - quietSince < 5000; ) {
      const n = (await stack.fakes.slackCalls()).length;
      if (n !== lastCount) {
        lastCount = n;
        quietSince = Date.now();
      }
      await sleep(500);
    }
    const calls = await stack.fakes.slackCalls();
    const posts = calls.filter((c) => c.method === 'chat.postMessage' || c.method === 'chat.update');
    const deliveredAfter = posts.filter((c) => c.status === 200 && c.at >= upAt).length;
    const refused = { 429: posts.filter((c) => c.status === 429).length, 503: posts.filter((c) => c.status === 503).length };
    const threads = await stack.fakes.slackThreads(CHANNEL);
    const checks = await Promise.all(runs.map(async (r) => checkThread(r, await stepOrder(redis, r.id), threads)));
    const lostSteps = checks.reduce((n, c) => n + c.missing, 0);
    const noThread = checks.filter((c) => !c.found).length;
    const example = checks.find((c) => c.missing > 0);
    const outOfOrder = checks.filter((c) => c.found && !c.inOrder).length;
    const finished = runs.filter(isFinished);
    const stillRunning = (await allRuns(redis)).filter((r) => !isFinished(r)).length;
    return [
      {
        fault: 'Slack Web API 429, then down (503), then back',
        sent,
        accepted,
        finished: finished.length,
        lost: lostSteps + noThread,
        duplicated: '',
        crashes: stack.crashes(),
        fiveXx,
        leaks: await stack.leaks(),
        notes:
          `webhook answers ${answers.join(', ')}; ` +
          `${finishedDown}/${perPhase * 3} runs finished while Slack was down (runs not blocked: ${finishedDown === sent ? 'yes' : 'no'}), ${stillRunning} unfinished at the end; ` +
          `Slack answered ${refused[429]} × 429 and ${refused[503]} × 503 to posts/updates; ${deliveredAfter} posts/updates delivered after it returned; ` +
          `lost: ${lostSteps} step lines${example ? ` (e.g. ${example.missingNames.join(', ')})` : ''}, ${noThread} runs without a thread; ${outOfOrder}/${checks.length - noThread} threads out of event order`,
      },
    ];
  } finally {
    redis.disconnect();
    await stack.stop();
  }
}

export const slackFaults: Scenario = { name: 'slack-faults', run };
