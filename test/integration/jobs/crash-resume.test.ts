import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadRunbooks } from '../../../src/runbook/registry.js';
import { isTerminal, type RunRecord } from '../../../src/jobs/run-record.js';
import { buildTestDrover, ROOT, type TestDrover } from '../../support/test-drover.js';
import { seedDemo } from '../../support/seed.js';
import { waitFor } from '../../support/wait-for.js';

const runbooksDir = join(ROOT, 'test', 'fixtures', 'crash', 'runbooks');

describe('a worker killed mid-run', () => {
  let t: TestDrover;
  let child: ChildProcess | undefined;
  let dir: string;

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'drover-crash-'));
    const { registry } = await loadRunbooks(runbooksDir);
    t = await buildTestDrover({ runbooks: registry.list() });
    seedDemo(t.fake);
  });

  afterEach(async () => {
    child?.kill('SIGKILL');
    await t.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('is resumed by another worker that skips the steps already completed', async () => {
    const goFile = join(dir, 'go');
    child = spawn(
      process.execPath,
      [
        '--import',
        'tsx',
        join(ROOT, 'test', 'fixtures', 'crash', 'worker-process.ts'),
        JSON.stringify({
          prefix: t.prefix,
          queueName: t.queueName,
          kubeconfig: t.fake.kubeConfigYaml({ contextName: 'test' }),
          runbooks: runbooksDir,
          lockDurationMs: 1500,
        }),
      ],
      { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] },
    );
    await new Promise<void>((resolve, reject) => {
      child!.stdout!.on('data', (d: Buffer) => d.toString().includes('ready') && resolve());
      child!.once('exit', (code) => reject(new Error(`worker process exited early (${code})`)));
    });

    const run = await t.drover.queue.submit({
      runbook: 'scale-then-wait',
      params: { replicas: 5, goFile },
      requester: { kind: 'cli', id: 'carol@laptop' },
    });
    await waitFor(() => t.drover.store.checkpoint(run.id, 'scale'), 'the scale step to complete in the doomed worker');
    await waitFor(
      async () => (await t.drover.store.events(run.id)).some((e) => e.type === 'step' && e.step === 'wait for go' && e.phase === 'started'),
      'the doomed worker to enter the waiting step',
    );
    child.kill('SIGKILL');
    await new Promise((r) => child!.once('exit', r));
    expect((await t.drover.store.get(run.id))?.state).toBe('running');

    await t.drover.startWorker({ lockDurationMs: 1500, stalledIntervalMs: 500 });
    writeFileSync(goFile, 'go');
    const final = await waitFor<RunRecord>(async () => {
      const r = await t.drover.store.get(run.id);
      return r && isTerminal(r.state) ? r : undefined;
    }, 'the resumed run to finish', 20_000);

    expect(final.state).toBe('succeeded');
    expect(final.attempts).toBe(2);
    const scalePatches = t.fake.requests.filter((r) => r.method === 'PATCH' && r.path.endsWith('/scale'));
    expect(scalePatches).toHaveLength(1);
    expect((t.fake.get('deployments', 'demo', 'web') as unknown as { spec: { replicas: number } }).spec.replicas).toBe(5);

    const audit = await t.drover.audit.forRun(run.id);
    const started = audit.filter((e) => e.type === 'run.started');
    expect(started.map((e) => ('resumed' in e ? e.resumed : undefined))).toEqual([false, true]);
    const outcomes = audit.filter((e) => e.type === 'run.step.finished').map((e) => ('step' in e && 'outcome' in e ? `${e.step}:${e.outcome}` : ''));
    expect(outcomes).toEqual(['scale:succeeded', 'scale:replayed', 'wait for go:succeeded', 'restart:succeeded']);
    // "wait for go" was interrupted once, so its second execution knows it.
    const waitStarts = audit.filter((e) => e.type === 'run.step.started' && e.step === 'wait for go');
    expect(waitStarts.map((e) => ('execution' in e ? e.execution : 0))).toEqual([1, 2]);
  }, 40_000);
});
