// `npm run bench [-- name...]`: Drover's speed and memory figures (all benches,
// or those named: slack-ack, alerts, runs). Needs Redis (REDIS_URL, default
// 127.0.0.1:6379); uses its own key prefix and removes it afterwards.
import { benchRuns } from './runs.js';
import { benchSlackAck } from './slack-ack.js';
import { benchAlerts } from './alerts.js';

const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const benches: Record<string, () => Promise<string[]>> = {
  'slack-ack': () => benchSlackAck({ requests: 200, redisUrl }),
  alerts: () => benchAlerts({ alerts: 10_000, batch: 100, parallel: 4, latencySamples: 200, redisUrl }),
  runs: () => benchRuns({ runs: 1000, targets: 50, concurrency: 16, redisUrl }),
};
const chosen = process.argv.slice(2).filter((a) => a !== '--');
const unknown = chosen.filter((name) => !(name in benches));
if (unknown.length) {
  process.stderr.write(`Unknown bench ${unknown.join(', ')}; choose from ${Object.keys(benches).join(', ')}.\n`);
  process.exit(2);
}
const lines = [`Drover benchmarks: node ${process.version}, ${new Date().toISOString()}`];
for (const [name, run] of Object.entries(benches)) {
  if (!chosen.length || chosen.includes(name)) lines.push(...(await run()));
}
process.stdout.write(`${lines.join('\n')}\n`);
process.exit(0);
