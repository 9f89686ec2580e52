/**
 * Fault 3: SIGTERM of workers and of the server under load, as Kubernetes
 * stops a pod. Runs are slowed by the fake (each waits on a slow events
 * list), so a worker always has runs in progress when it is told to stop.
 * Each stopped process must exit 0 within the chart's
 * terminationGracePeriodSeconds, and every accepted run must finish.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { deliveryBody, mismatch, post } from '../harness/alerts.js';
import { describeDuplicates, duplicates } from '../harness/mutations.js';
import type { Exit } from '../harness/processes.js';
import { allRuns, isFinished, settle } from '../harness/runs.js';
import { Stack } from '../harness/stack.js';
import type { Row } from '../harness/table.js';
import { ROOT } from '../../support/test-drover.js';
import { sleep, type Scenario, type ScenarioOptions } from './scenario.js';

function gracePeriodSeconds(): number {
  const values = parse(readFileSync(join(ROOT, 'helm', 'drover', 'values.yaml'), 'utf8')) as { terminationGracePeriodSeconds?: number };
  return values.terminationGracePeriodSeconds ?? 30;
}

async function run(options: ScenarioOptions): Promise<Row[]> {
  const { rng, log } = options;
  const grace = gracePeriodSeconds();
  const stops = options.short ? 3 : 6;
  const perDelivery = 3;
  // About 3 alerts a second for about 8 s a stop, each on a deployment of its own.
  const stack = await Stack.start({ deployments: stops * 40 + 60 });
  const redis = stack.redis.client();
  let sent = 0;
  let accepted = 0;
  let fiveXx = 0;
  let redeliveries = 0;
  const exits: Array<{ who: string; exit: Exit; running: number }> = [];
  try {
    await stack.startServe();
    await stack.startWorker();
    await stack.startWorker();
    await stack.fakes.fail({ method: 'GET', pathPattern: '/namespaces/chaos/events', delayMs: 1500, times: 100_000 });
    let loading = true;
    let nextDeployment = 0;
    const load = async (): Promise<void> => {
      while (loading) {
        const alerts = Array.from({ length: perDelivery }, () => mismatch(nextDeployment++, new Date(Date.UTC(2026, 2, 1)).toISOString()));
        sent += alerts.length;
        const body = deliveryBody(alerts);
        // Redelivered while the server restarts, as Alertmanager would.
        for (let attempt = 0; attempt < 60; attempt++) {
          const answer = await post(stack.base, body, 5000);
          if (answer.status === 200) {
            accepted += alerts.length;
            break;
          }
          if (typeof answer.status === 'number' && answer.status >= 500 && answer.status !== 503) fiveXx += 1;
          redeliveries += 1;
          await sleep(500);
        }
        await sleep(400);
      }
    };
    const loader = load();
    for (let s = 0; s < stops; s++) {
      await sleep(rng.int(2500, 4000));
      const target = s % 3 === 2 ? 'serve' : 'worker';
      const running = (await allRuns(redis)).filter((r) => r.state === 'running').length;
      if (target === 'serve' && stack.serve) {
        exits.push({ who: 'serve', exit: await stack.serve.stop('SIGTERM', (grace + 5) * 1000), running });
        await stack.startServe();
      } else {
        const worker = stack.liveWorkers()[0];
        if (!worker) continue;
        exits.push({ who: worker.name, exit: await worker.stop('SIGTERM', (grace + 5) * 1000), running });
        await stack.startWorker();
      }
      const last = exits[exits.length - 1];
      log(`sigterm: ${last?.who} exited ${last?.exit.code ?? last?.exit.signal} in ${last?.exit.ms} ms (${running} runs running in all)`);
    }
    loading = false;
    await loader;
    await stack.fakes.clear();
    const runs = await settle(redis, accepted, 90_000);
    const finished = runs.filter(isFinished);
    const badExits = exits.filter((e) => e.exit.code !== 0 || e.exit.ms > grace * 1000);
    const slowest = Math.max(...exits.map((e) => e.exit.ms));
    const restarts = duplicates(await stack.fakes.mutations(), /^\/apis\/apps\/v1\/namespaces\/chaos\/deployments\/d-\d+$/);
    const failed = runs.filter((r) => isFinished(r) && r.state !== 'succeeded');
    return [
      {
        fault: `SIGTERM ×${stops} (workers, serve) under load`,
        sent,
        accepted,
        finished: finished.length,
        lost: accepted - finished.length,
        duplicated: describeDuplicates(restarts),
        crashes: stack.crashes(),
        fiveXx,
        leaks: await stack.leaks(),
        notes:
          `exits (runs running then, all workers): ${exits.map((e) => `${e.who} ${e.exit.code ?? e.exit.signal} in ${(e.exit.ms / 1000).toFixed(1)} s (${e.running})`).join(', ')}; ` +
          `${badExits.length} not 0 within the ${grace} s grace period (slowest ${(slowest / 1000).toFixed(1)} s); ` +
          `${failed.length} runs did not succeed${failed.length ? ` (${[...new Set(failed.map((r) => `${r.state}: ${r.error?.code ?? '?'}`))].join(', ')})` : ''}; ${redeliveries} redeliveries`,
      },
    ];
  } finally {
    redis.disconnect();
    await stack.stop();
  }
}

export const sigterm: Scenario = { name: 'sigterm', run };
