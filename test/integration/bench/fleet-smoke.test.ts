// The fleet benchmark still runs: compiled, on its own redis-server, its
// smallest size (20 simulated agent clusters, 5 s idle windows; about 40 s
// on a quiet machine, build included). The figures are read by hand
// (npm run bench -- fleet, docs/scaling.md); this checks each is measured
// beside its floor, every run succeeds, the chain verifies, the table prints.
import { execFile } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const run = promisify(execFile);

test('npm run bench -- --quick fleet: floor first, 20 agents idle, runs started, a rollout relayed into a verified chain', async () => {
  await run(process.execPath, [join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.bench.json'], { cwd: ROOT, timeout: 90_000 });
  const { stdout } = await run(process.execPath, ['dist/bench/index.js', '--quick', 'fleet'], { cwd: ROOT, timeout: 150_000, maxBuffer: 10_000_000 });
  expect(stdout.indexOf('floor: 20 raw BullMQ Workers')).toBeGreaterThan(-1);
  expect(stdout.indexOf('floor: 20 raw BullMQ Workers')).toBeLessThan(stdout.indexOf('Drover: 20 agents'));
  expect(stdout).toMatch(/4\.00 connections per agent/);
  expect(stdout).toContain('20/20 up');
  expect(stdout).toMatch(/10 runs of restart-deployment on random clusters at 10\/s: p50 [\d.]+ ms, p99 [\d.]+ ms, max [\d.]+ ms; states \{"succeeded":10\}/);
  expect(stdout).toMatch(/states \{"succeeded":20\}/);
  expect(stdout).toContain('run.finished for 20/20; 0 left unrelayed; audit verify ok');
  expect(stdout).toMatch(/\| fleet idle: Redis commands per cluster per minute +\| [\d.]+ +\| [\d.]+ \(raw Worker\) +\| \d+\.\d\d/);
  expect(stdout).toMatch(/\| fleet: enqueue → run start, p99 +\| [\d.]+ ms/);
  expect(stdout).toMatch(/\| fleet rollout: 20 runs terminal and relayed +\| [\d.]+ s .*\| yes +\|/);
  expect(stdout).toMatch(/\| fleet rollout controller: 20 clusters, batches of 200 +\| [\d.]+ s .*\| yes +\|/);
}, 240_000);
