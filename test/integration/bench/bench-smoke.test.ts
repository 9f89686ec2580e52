// The benchmark still runs: compiled, on its own redis-server, the smallest
// sizes of one part (about 10 s on a quiet machine, build included). The
// figures themselves are read by hand (npm run bench); this checks that each
// is measured beside its floor and printed in the closing table.
import { execFile } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const run = promisify(execFile);

test('npm run bench -- --quick runs: floor first, then Drover, every run succeeded, the table printed', async () => {
  await run(process.execPath, [join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.bench.json'], { cwd: ROOT, timeout: 90_000 });
  const { stdout } = await run(process.execPath, ['dist/bench/index.js', '--quick', 'runs'], { cwd: ROOT, timeout: 120_000, maxBuffer: 10_000_000 });
  expect(stdout.indexOf('floor: raw BullMQ, 2,000 no-op jobs')).toBeGreaterThan(-1);
  expect(stdout.indexOf('floor: raw BullMQ')).toBeLessThan(stdout.indexOf('Drover: '));
  expect(stdout).toContain('500 bench-noop runs on distinct targets (500/500 finished');
  expect(stdout).toContain('states {"succeeded":500}');
  expect(stdout).toMatch(/\| no-op runs, distinct targets, concurrency 50 +\| [\d,]+ runs\/s +\| [\d,]+ jobs\/s \(raw Worker\) +\| \d+\.\d\d +\| ratio ≥ 0\.5/);
  expect(stdout).toMatch(/\| Redis commands per run \(submit \+ execute\) +\| \d+\.\d +\| \d+\.\d \(add \+ process\)/);
}, 240_000);
