import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isTerminal, type RunRecord } from '../../../src/jobs/run-record.js';
import { ALLOW_ALL_POLICY, buildTestDrover, type TestDrover } from '../../support/test-drover.js';
import { runDroverProcess, spawnDrover, stopProcess } from '../../support/cli-process.js';
import { freePort } from '../../support/free-port.js';
import { seedDemo } from '../../support/seed.js';
import { waitFor } from '../../support/wait-for.js';

describe('drover run while no worker is running', () => {
  let t: TestDrover;
  let dir: string;
  let env: Record<string, string>;
  const workers: ChildProcess[] = [];

  beforeAll(async () => {
    // This process only reads the run store and serves the fake API server; the worker and the CLI are processes of their own.
    t = await buildTestDrover();
    seedDemo(t.fake);
    dir = mkdtempSync(join(tmpdir(), 'drover-no-worker-'));
    const kubeconfig = join(dir, 'kubeconfig');
    writeFileSync(kubeconfig, t.fake.kubeConfigYaml({ contextName: 'test' }));
    env = { DROVER_REDIS_PREFIX: t.prefix, DROVER_POLICY: ALLOW_ALL_POLICY, KUBECONFIG: kubeconfig, DROVER_SANDBOX: 'off', LOG_LEVEL: 'warn' };
  });

  afterAll(async () => {
    for (const w of workers) await stopProcess(w, 'SIGKILL');
    await t.close();
    rmSync(dir, { recursive: true, force: true });
  }, 30_000);

  async function startWorker(): Promise<ChildProcess> {
    const worker = spawnDrover(['worker'], { ...env, PORT: String(await freePort()) });
    workers.push(worker);
    await waitFor(async () => (await t.drover.presence.workers()).length > 0, 'the worker to announce itself', 20_000);
    return worker;
  }

  it('queues the run on the cluster the stopped worker served; it starts when a worker does', async () => {
    const first = await startWorker();
    expect(await stopProcess(first, 'SIGTERM')).toBe(0);
    expect(await t.drover.presence.workers()).toEqual([]);

    const r = await runDroverProcess(['run', 'scale-deployment', 'namespace=demo', 'deployment=web', 'replicas=4'], env);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^Run \S+ queued: scale-deployment on test$/m);
    expect(r.out).toMatch(/^No worker is running right now; the run waits in the queue and starts when one does\.$/m);
    const runId = /^Run (\S+) queued/m.exec(r.out)![1]!;
    expect((await t.drover.store.get(runId))?.state).toBe('queued');

    await startWorker();
    const final = await waitFor<RunRecord>(async () => {
      const run = await t.drover.store.get(runId);
      return run && isTerminal(run.state) ? run : undefined;
    }, 'the run to finish on the new worker', 20_000);
    expect(final.state).toBe('succeeded');
    expect((t.fake.get('deployments', 'demo', 'web') as unknown as { spec: { replicas: number } }).spec.replicas).toBe(4);
  }, 90_000);
});
