/**
 * The chaos suite: `npm run chaos [-- --short] [--seed N] [--only a,b]`; the
 * default runs the full sizes (about 7 to 10 minutes on 2 cores), --short a few
 * rounds of each.
 * Runs each scenario against real separate processes and prints one table.
 */
import { Rng } from './harness/rng.js';
import { renderTable, type Row } from './harness/table.js';
import type { Scenario } from './scenarios/scenario.js';
import { workerKill } from './scenarios/worker-kill.js';
import { redisKill } from './scenarios/redis-kill.js';
import { sigterm } from './scenarios/sigterm.js';
import { k8sFaults } from './scenarios/k8s-faults.js';
import { fuzz } from './scenarios/fuzz.js';
import { slackFaults } from './scenarios/slack-faults.js';
import { auditKill } from './scenarios/audit-kill.js';
import { idempotency } from './scenarios/idempotency.js';
import { alertmanagerStorm } from './scenarios/alertmanager-storm.js';
import { agentKill } from './scenarios/agent-kill.js';

const SCENARIOS: Scenario[] = [workerKill, redisKill, alertmanagerStorm, sigterm, k8sFaults, fuzz, slackFaults, auditKill, idempotency, agentKill];

const args = process.argv.slice(2);
const flag = (name: string): string | undefined => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};
const short = args.includes('--short');
// The full sizes (10,000 alerts in the storm, 10,000 bodies per endpoint) are the default; --long stays as an alias.
const long = !short;
const seed = Number(flag('--seed') ?? '1');
const only = flag('--only')?.split(',');

const started = Date.now();
const log = (line: string): void => void process.stderr.write(`[${((Date.now() - started) / 1000).toFixed(0).padStart(4)}s] ${line}\n`);
const rows: Row[] = [];
let failures = 0;
for (const scenario of SCENARIOS) {
  if (only && !only.includes(scenario.name)) continue;
  log(`${scenario.name}: starting`);
  try {
    rows.push(...(await scenario.run({ short, long, rng: new Rng(seed), log })));
  } catch (err) {
    failures += 1;
    const message = err instanceof Error ? err.message : String(err);
    rows.push({ fault: scenario.name, sent: '-', accepted: '-', finished: '-', lost: '-', duplicated: '-', crashes: '-', fiveXx: '-', leaks: '-', notes: `scenario failed: ${message}` });
  }
  log(`${scenario.name}: done`);
}
process.stdout.write(`\nChaos suite (${short ? 'short' : 'full'}, seed ${seed}, ${Math.round((Date.now() - started) / 1000)} s)\n\n${renderTable(rows)}\n`);
// 1: a scenario could not run; 2: the figures show a defect (lost, crashed, 5xx, applied twice, leaked).
// A count leads the cell ("3 (logs 3, …)"); in the duplicated column only "applied twice" is a defect ("1 sent again" is a harmless repeat).
const bad = (v: number | string): boolean => (typeof v === 'number' ? v > 0 : /^[1-9]/.test(v));
const appliedTwice = (v: number | string): boolean => (typeof v === 'number' ? v > 0 : /(^|\D)[1-9]\d* applied twice/.test(v));
const defects = rows.filter((r) => [r.lost, r.crashes, r.fiveXx, r.leaks].some(bad) || appliedTwice(r.duplicated));
process.exit(failures ? 1 : defects.length ? 2 : 0);
