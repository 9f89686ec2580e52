// `npm run bench [-- [--quick] [--keep] [--heap] [--profile] [part...]]`: Drover's speed
// and memory, each figure beside a floor measured first, in the same run, on
// the benchmark's own Redis. Runs compiled JavaScript (npm run bench builds
// first); the Drover under test runs as real processes.
import { cpus, loadavg } from 'node:os';
import { benchIngest } from './parts/ingest.js';
import { benchRuns } from './parts/runs.js';
import { benchSlackAck } from './parts/slack-ack.js';
import { benchMemory } from './parts/memory.js';
import { benchCli } from './parts/cli.js';
import { benchScaleOut } from './parts/scale-out.js';
import { benchFleet } from './parts/fleet.js';
import { parseArgs } from './support/args.js';
import { Children } from './support/children.js';
import type { BenchContext } from './support/context.js';
import { startFakeProcess } from './support/k8s-fake-process.js';
import { startRedis } from './support/redis-server.js';
import { formatTable, type Row } from './support/results.js';
import { createWorkspace } from './support/workspace.js';

const PARTS: Record<string, (ctx: BenchContext) => Promise<void>> = {
  ingest: benchIngest,
  runs: benchRuns,
  'slack-ack': benchSlackAck,
  memory: benchMemory,
  cli: benchCli,
  'scale-out': benchScaleOut,
  fleet: benchFleet,
};

const PART_LIMIT_MS = 15 * 60_000;

const args = parseArgs(process.argv.slice(2), Object.keys(PARTS));
if (typeof args === 'string') {
  process.stderr.write(`${args}\n`);
  process.exit(2);
}
// The fleet part (thousands of agents, several minutes) runs when named: `npm run bench -- fleet`.
const chosen = args.parts.length ? args.parts : Object.keys(PARTS).filter((name) => name !== 'fleet');
const out = (line: string) => process.stdout.write(`${line}\n`);
const load = () => loadavg().map((l) => l.toFixed(2)).join(', ');

const workspace = createWorkspace();
const children = new Children(workspace.logDir);
let failed = false;
const stopOnSignal = (signal: NodeJS.Signals) => {
  out(`\n${signal}: stopping every process the benchmark started`);
  void children.stopAll(5000).finally(() => {
    workspace.remove(true);
    process.exit(130);
  });
};
process.once('SIGINT', stopOnSignal);
process.once('SIGTERM', stopOnSignal);

out(`Drover benchmark: node ${process.version}, ${cpus().length} cores, ${new Date().toISOString()}${args.quick ? ', --quick (smaller sizes)' : ''}`);
out(`load average at start: ${load()}`);
const rows: Row[] = [];
try {
  const redis = await startRedis(children, workspace.dir);
  const fake = await startFakeProcess(children);
  workspace.writeKubeconfig(fake.kubeConfigYaml);
  out(`own redis-server on 127.0.0.1:${redis.port}; Kubernetes API fake at ${fake.url} (cluster "bench"); logs in ${workspace.logDir}`);
  const ctx: BenchContext = { quick: args.quick, heap: args.heap, profile: args.profile, ...(args.clusters ? { clusters: args.clusters } : {}), children, redis, fake, workspace, log: out, row: (r) => rows.push(r), rows };
  for (const name of chosen) {
    out('');
    try {
      // A part that hangs (a process that stopped answering) must not keep the rest, nor the clean-up, waiting.
      let timer: NodeJS.Timeout | undefined;
      const limit = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`still running after ${PART_LIMIT_MS / 60_000} minutes`)), PART_LIMIT_MS);
      });
      await Promise.race([PARTS[name]?.(ctx), limit]).finally(() => clearTimeout(timer));
    } catch (err) {
      failed = true;
      out(`${name} FAILED: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
    }
  }
  await redis.stop();
} catch (err) {
  failed = true;
  out(`benchmark FAILED: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
} finally {
  await children.stopAll();
}
out('');
out(`load average at end: ${load()}`);
out(formatTable(rows));
if (failed || args.keep) out(`logs kept: ${workspace.dir}`);
workspace.remove(failed || args.keep);
process.exit(failed ? 1 : 0);
