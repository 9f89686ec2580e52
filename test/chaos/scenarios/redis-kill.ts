/**
 * Fault 2: Redis SIGKILLed and restarted (AOF everysec) during an alert storm
 * through the webhook. The sender behaves as Alertmanager: a delivery answered
 * 5xx, or not at all, is sent again later, the same body. Every alert is a
 * delete-pod on a pod of its own (which does not exist, so its run ends fast),
 * so a run record names the alert it came from. Lost: alerts in a delivery
 * answered 2xx that have no run after recovery, or whose run never finishes.
 */
import { crashLoop, deliveryBody, post, type Delivery } from '../harness/alerts.js';
import { summarise } from '../harness/latency.js';
import { isFinished, settle } from '../harness/runs.js';
import { Stack } from '../harness/stack.js';
import type { Row } from '../harness/table.js';
import { sleep, type Scenario, type ScenarioOptions } from './scenario.js';

const BATCH = 100;
const PARALLEL = 4;
const MAX_ATTEMPTS = 40;

async function run(options: ScenarioOptions): Promise<Row[]> {
  const { rng, log } = options;
  const total = options.short ? 1000 : options.long ? 10_000 : 2000;
  const kills = options.short ? 1 : 2;
  const stack = await Stack.start({ deployments: 1 });
  const redis = stack.redis.client();
  const batches: string[][] = [];
  for (let b = 0; b < total / BATCH; b++) batches.push(Array.from({ length: BATCH }, (_, i) => `storm-${b * BATCH + i}`));
  // Kill points: after these many batches have been handed out.
  const killAt = Array.from({ length: kills }, (_, k) => Math.floor(((k + 0.3 + rng.next() * 0.4) / kills) * batches.length));
  let down = false;
  const whileDown: Delivery[] = [];
  const acceptedPods = new Set<string>();
  let fiveXx = 0;
  let unanswered = 0;
  let exhausted = 0;
  let retries = 0;
  try {
    await stack.startServe();
    await stack.startWorker();
    let next = 0;
    let killing: Promise<void> = Promise.resolve();
    const sender = async (): Promise<void> => {
      while (next < batches.length) {
        const index = next++;
        if (killAt.includes(index)) {
          killing = (async () => {
            await stack.redis.kill();
            down = true;
            log(`redis-kill: Redis SIGKILLed after ${index} of ${batches.length} deliveries`);
            await sleep(rng.int(2000, 4000));
            await stack.redis.restart();
            down = false;
            log('redis-kill: Redis restarted');
          })();
        }
        const pods = batches[index] ?? [];
        const startsAt = new Date(Date.UTC(2026, 1, 1)).toISOString();
        const body = deliveryBody(pods.map((p) => crashLoop(p, startsAt)));
        for (let attempt = 1; ; attempt++) {
          const wasDown = down;
          const answer = await post(stack.base, body, 5000);
          if (wasDown) whileDown.push(answer);
          if (answer.status === 'no answer') unanswered += 1;
          else if (answer.status >= 500 && answer.status !== 503) fiveXx += 1;
          if (typeof answer.status === 'number' && answer.status < 300) {
            for (const p of pods) acceptedPods.add(p);
            break;
          }
          if (attempt >= MAX_ATTEMPTS) {
            exhausted += 1;
            break;
          }
          retries += 1;
          await sleep(500);
        }
      }
    };
    await Promise.all(Array.from({ length: PARALLEL }, sender));
    await killing;
    log(`redis-kill: ${acceptedPods.size} of ${total} alerts accepted; waiting for their runs`);
    const runs = await settle(redis, acceptedPods.size, options.long ? 240_000 : 120_000);
    const runPods = new Set(runs.map((r) => String(r.params.pod)));
    const missing = [...acceptedPods].filter((p) => !runPods.has(p)).length;
    const unfinished = runs.filter((r) => !isFinished(r)).length;
    const refused = whileDown.filter((d) => d.status === 503);
    const hung = whileDown.filter((d) => d.status === 'no answer').length;
    return [
      {
        fault: `Redis SIGKILL ×${kills} during a ${total}-alert storm`,
        sent: total,
        accepted: acceptedPods.size,
        finished: runs.filter(isFinished).length,
        lost: missing + unfinished,
        duplicated: '-',
        crashes: stack.crashes(),
        fiveXx,
        leaks: await stack.leaks(),
        notes:
          `${missing} accepted without a run, ${unfinished} runs unfinished; ` +
          `while Redis was down: ${whileDown.length} answers, ${refused.length}×503 (${summarise(refused.map((d) => d.ms))}), ${hung} no answer in 5 s; ` +
          `${retries} redeliveries, ${exhausted} deliveries given up, ${unanswered} unanswered in all`,
      },
    ];
  } finally {
    redis.disconnect();
    await stack.stop();
  }
}

export const redisKill: Scenario = { name: 'redis-kill', run };
