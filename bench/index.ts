// `npm run bench`: Drover's speed and memory figures. Needs Redis (REDIS_URL,
// default 127.0.0.1:6379); uses its own key prefix and removes it afterwards.
import { benchRuns } from './runs.js';
import { benchSlackAck } from './slack-ack.js';
import { benchAlerts } from './alerts.js';

const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const lines = [`Drover benchmarks: node ${process.version}, ${new Date().toISOString()}`];
lines.push(...(await benchSlackAck({ requests: 200, redisUrl })));
lines.push(...(await benchAlerts({ alerts: 10_000, batch: 100, parallel: 4, latencySamples: 200, redisUrl })));
lines.push(...(await benchRuns({ runs: 1000, targets: 50, concurrency: 16, redisUrl })));
process.stdout.write(`${lines.join('\n')}\n`);
process.exit(0);
