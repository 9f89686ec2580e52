import type { RunRecord } from '../../../src/jobs/run-record.js';
import { buildTestDrover, type TestDrover } from '../../support/test-drover.js';
import { waitFor } from '../../support/wait-for.js';

describe('retention by the serving process', () => {
  let t: TestDrover;

  beforeAll(async () => {
    t = await buildTestDrover({ configure: (c) => (c.jobs.retention = 60_000) });
  });

  afterAll(async () => {
    await t.close();
  });

  const run = (id: string, createdAt: Date): RunRecord => ({
    id,
    runbook: 'restart-deployment',
    cluster: 'test',
    params: { namespace: 'demo', deployment: 'web' },
    dryRun: false,
    requester: { kind: 'cli', id: 'ops@host' },
    state: 'succeeded',
    concurrencyKey: 'deployment/demo/web',
    timeoutMs: 60_000,
    createdAt: createdAt.toISOString(),
    attempts: 1,
  });

  it('drops index entries of runs older than jobs.retention, keeps the rest', async () => {
    await t.drover.store.createMany(
      [
        { record: run('old-run', new Date(Date.now() - 120_000)), secrets: {} },
        { record: run('new-run', new Date()), secrets: {} },
      ],
      60_000,
    );
    const indexed = async (key: string) => (await t.redis.zrange(key, 0, -1)).sort();
    expect(await indexed(`${t.prefix}:runs`)).toEqual(['new-run', 'old-run']);
    t.drover.startHousekeeping();
    await waitFor(async () => (await indexed(`${t.prefix}:runs`)).length === 1, 'the old entry to go');
    expect(await indexed(`${t.prefix}:runs`)).toEqual(['new-run']);
    await waitFor(async () => (await indexed(`${t.prefix}:runs:restart-deployment`)).length === 1, 'the per-runbook entry to go');
    expect(await indexed(`${t.prefix}:runs:restart-deployment`)).toEqual(['new-run']);
  });
});
