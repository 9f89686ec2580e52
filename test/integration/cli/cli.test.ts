import { EXIT } from '../../../src/cli/output.js';
import { startDemoDrover } from '../../support/demo-drover.js';
import type { TestDrover } from '../../support/test-drover.js';
import { drover } from '../../support/cli.js';

describe('drover CLI', () => {
  let t: TestDrover;

  beforeAll(async () => {
    t = await startDemoDrover();
  });

  afterAll(async () => {
    await t.close();
  });

  it('run --wait follows the steps and exits 0 on success', async () => {
    const r = await drover(t, ['run', 'scale-deployment', 'namespace=demo', 'deployment=web', 'replicas=4', '--wait']);
    expect(r.err).toBe('');
    expect(r.code).toBe(EXIT.ok);
    expect(r.out).toMatch(/^Run \S+ queued: scale-deployment on test$/m);
    expect(r.out).toMatch(/✓ read current scale/);
    expect(r.out).toMatch(/scale Deployment demo\/web: replicas 3 → 4/);
    expect(r.out).toMatch(/» Scaled demo\/web from 3 to 4 replicas\./);
    expect(r.out).toMatch(/^Run \S+ succeeded in /m);
    const runId = /Run (\S+) queued/.exec(r.out)![1]!;
    expect((await t.drover.store.get(runId))?.requester).toEqual({ kind: 'cli', id: 'dave@laptop', name: 'dave@laptop' });
  });

  it('--dry-run --wait prints the plan and changes nothing', async () => {
    const r = await drover(t, ['run', 'restart-deployment', 'namespace=demo', 'deployment=web', '--dry-run', '--wait']);
    expect(r.code).toBe(EXIT.ok);
    expect(r.out).toMatch(/queued: restart-deployment on test \(dry run\)/);
    expect(r.out).toMatch(/\[dry run\] restart Deployment demo\/web/);
    expect(r.out).toMatch(/^\s+\+\s+kubectl\.kubernetes\.io\/restartedAt: /m);
    expect(r.out).toMatch(/Plan \(1 change, nothing was changed\):/);
    const web = t.fake.get('deployments', 'demo', 'web') as unknown as { spec: { template: { metadata: { annotations?: Record<string, string> } } } };
    expect(web.spec.template.metadata.annotations?.['kubectl.kubernetes.io/restartedAt']).toBeUndefined();
  });

  it('a refused run exits 1 with the reason', async () => {
    const r = await drover(t, ['run', 'delete-pod', 'namespace=demo', 'pod=debug-shell', '--wait']);
    expect(r.code).toBe(EXIT.failed);
    expect(r.out).toMatch(/failed in .*: Refusing to delete demo\/debug-shell: no controller owns it/);
  });

  it('bad input exits 2 with a suggestion and enqueues nothing', async () => {
    const before = (await t.drover.store.recent(100)).length;
    const typo = await drover(t, ['run', 'scale-deployment', 'namespace=demo', 'deploymnet=web', 'replicas=3']);
    expect(typo.code).toBe(EXIT.usage);
    expect(typo.err).toMatch(/unknown parameter "deploymnet" \(did you mean "deployment"\?\)/);
    const cluster = await drover(t, ['run', 'restart-deployment', 'namespace=demo', 'deployment=web', '--cluster', 'prod']);
    expect(cluster.code).toBe(EXIT.usage);
    expect(cluster.err).toBe('error: Unknown cluster "prod". Known clusters: test (default: test).');
    const runbook = await drover(t, ['run', 'restart-deploymnt']);
    expect(runbook.err).toMatch(/Did you mean "restart-deployment"\?/);
    expect((await t.drover.store.recent(100)).length).toBe(before);
  });

  it('status shows a run with its changes; history lists runs; cancel refuses a finished run', async () => {
    const r = await drover(t, ['run', 'scale-deployment', 'namespace=demo', 'deployment=web', 'replicas=5', '--wait']);
    const runId = /Run (\S+) queued/.exec(r.out)![1]!;
    const status = await drover(t, ['status', runId]);
    expect(status.out).toMatch(/State:\s+succeeded/);
    expect(status.out).toMatch(/Changes:\n\s+scale Deployment demo\/web: replicas \d → 5/);
    const history = await drover(t, ['history', 'scale-deployment']);
    expect(history.out.split('\n')[0]).toMatch(new RegExp(`^${runId}\\s+succeeded\\s+scale-deployment`));
    const cancel = await drover(t, ['cancel', runId]);
    expect(cancel.code).toBe(EXIT.failed);
    expect(cancel.err).toMatch(/already succeeded; nothing to cancel/);
    expect((await drover(t, ['status', 'no-such-run'])).err).toMatch(/No run with id "no-such-run"/);
  });

  it('lists the clusters the workers serve', async () => {
    const r = await drover(t, ['clusters']);
    expect(r.out).toMatch(/^test \(default\)\s+worker\s+up\s+1\b/m);
  });

  it('an invalid configuration stops with every problem listed, exit 2', async () => {
    const r = await drover(undefined, ['worker'], { PORT: 'eighty', REDIS_URL: 'localhost:6379', DROVER_WORKER_CONCURRENCY: '0' });
    expect(r.code).toBe(EXIT.usage);
    expect(r.err).toMatch(/Drover's configuration is invalid:/);
    expect(r.err).toMatch(/- REDIS_URL: /);
    expect(r.err).toMatch(/- PORT: /);
    expect(r.err).toMatch(/- DROVER_WORKER_CONCURRENCY: /);
  });

  it('an unreachable Redis is a clear error, exit 5', async () => {
    const r = await drover(undefined, ['history'], { REDIS_URL: 'redis://127.0.0.1:1' });
    expect(r.code).toBe(EXIT.unavailable);
    expect(r.err).toMatch(/Redis is not answering at redis:\/\/127\.0\.0\.1:1/);
  });

  it('runbooks validate reports problems with file names and exits 1', async () => {
    const good = await drover(undefined, ['runbooks', 'validate']);
    expect(good.code).toBe(EXIT.ok);
    expect(good.out).toMatch(/^15 runbook\(s\) valid in /);
    const bad = await drover(undefined, ['runbooks', 'validate', 'test/fixtures/runbooks-bad']);
    expect(bad.code).toBe(EXIT.failed);
    expect(bad.err).toMatch(/test\/fixtures\/runbooks-bad\/c-bad-shape\.ts: id must be kebab-case/);
  });
});
