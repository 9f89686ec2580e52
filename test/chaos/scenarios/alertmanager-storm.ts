/**
 * Redis SIGKILLed while a real Alertmanager (Debian's prometheus-alertmanager)
 * delivers a storm to `drover serve`: Alertmanager's own grouping, resending
 * and retries, not an imitation of them. Alerts are pushed in waves into one
 * group (group_by alertname), so every notification carries the whole group
 * and Drover must deduplicate; Redis dies after the third wave and comes back.
 * Lost: alerts pushed that have no finished run once Alertmanager has
 * delivered again.
 */
import { startAlertmanager } from '../../support/alertmanager.js';
import { crashLoop } from '../harness/alerts.js';
import { allRuns, isFinished } from '../harness/runs.js';
import { Stack, WEBHOOK_TOKEN } from '../harness/stack.js';
import type { Row } from '../harness/table.js';
import { sleep, type Scenario, type ScenarioOptions } from './scenario.js';

const WAVES = 10;

/** A counter from Alertmanager's own /metrics, summed over its labels. */
async function amCounter(url: string, name: string): Promise<number> {
  const text = await fetch(`${url}/metrics`).then((r) => r.text(), () => '');
  return text
    .split('\n')
    .filter((l) => l.startsWith(`${name}{`) || l.startsWith(`${name} `))
    .reduce((sum, l) => sum + Number(l.split(' ').at(-1) ?? 0), 0);
}

async function run(options: ScenarioOptions): Promise<Row[]> {
  const { rng, log } = options;
  const total = options.short ? 200 : 1000;
  const stack = await Stack.start({ deployments: 1 });
  const redis = stack.redis.client();
  let am: Awaited<ReturnType<typeof startAlertmanager>> | undefined;
  try {
    await stack.startServe();
    await stack.startWorker();
    am = await startAlertmanager({
      webhookUrl: `${stack.base}/webhooks/alertmanager`,
      bearerToken: WEBHOOK_TOKEN,
      groupBy: ['alertname'],
      groupWait: '100ms',
      groupInterval: '1s',
      sendResolved: false,
    });
    const startsAt = new Date(Date.UTC(2026, 2, 1)).toISOString();
    const pods = Array.from({ length: total }, (_, i) => `am-${i}`);
    const perWave = Math.ceil(total / WAVES);
    let killed: Promise<void> = Promise.resolve();
    for (let w = 0; w < WAVES; w++) {
      await am.pushAlerts(pods.slice(w * perWave, (w + 1) * perWave).map((p) => crashLoop(p, startsAt)));
      if (w === 1) {
        killed = (async () => {
          await stack.redis.kill();
          log('alertmanager-storm: Redis SIGKILLed');
          await sleep(rng.int(2000, 4000));
          await stack.redis.restart();
          log('alertmanager-storm: Redis restarted');
        })();
      }
      await sleep(500);
    }
    await killed;
    // Alertmanager keeps resending the group (each notification carries every firing alert) until all are in.
    const deadline = Date.now() + (options.short ? 90_000 : 180_000);
    let runs = await allRuns(redis);
    const mine = () => runs.filter((r) => pods.includes(String(r.params.pod)));
    while (Date.now() < deadline && !(mine().length >= total && mine().every(isFinished))) {
      await sleep(1000);
      runs = await allRuns(redis);
    }
    const withRun = new Set(mine().map((r) => String(r.params.pod)));
    const finished = mine().filter(isFinished).length;
    const missing = pods.filter((p) => !withRun.has(p)).length;
    // Failed requests (each 503 while Redis was down), and notifications that failed after Alertmanager's own retries.
    const failedRequests = await amCounter(am.url, 'alertmanager_notification_requests_failed_total');
    const failedNotifications = await amCounter(am.url, 'alertmanager_notifications_failed_total');
    return [
      {
        fault: `Redis SIGKILL during a ${total}-alert storm from a real Alertmanager`,
        sent: total,
        accepted: withRun.size,
        finished,
        lost: missing + (withRun.size - finished),
        duplicated: mine().length - withRun.size,
        crashes: stack.crashes(),
        fiveXx: 0,
        leaks: await stack.leaks(),
        notes: `${missing} pushed without a run, ${withRun.size - finished} runs unfinished; ${mine().length} runs for ${withRun.size} alerts; Alertmanager: ${failedRequests} failed requests (503 while Redis was down), ${failedNotifications} notifications given up, then delivered again`,
      },
    ];
  } finally {
    await am?.stop();
    redis.disconnect();
    await stack.stop();
  }
}

export const alertmanagerStorm: Scenario = { name: 'alertmanager-storm', run };
