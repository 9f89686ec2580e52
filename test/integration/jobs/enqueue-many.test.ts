import { DroverError } from '../../../src/errors.js';
import type { PreparedRun } from '../../../src/jobs/run-queue.js';
import { defineRunbook, secret, z } from '../../../src/sdk/index.js';
import { buildTestDrover, type TestDrover } from '../../support/test-drover.js';

const tokenRunbook = defineRunbook({
  id: 'call-api',
  summary: 'Calls an API with a token',
  params: z.object({ target: z.string(), apiKey: secret(z.string()) }),
  concurrencyKey: (p) => `api/${p.target}`,
  async run() {},
});

describe('queue: validating and enqueueing many runs at once', () => {
  let t: TestDrover;

  beforeAll(async () => {
    // No worker: runs stay queued.
    t = await buildTestDrover({ runbooks: [tokenRunbook] });
  });

  afterAll(async () => {
    await t.close();
  });

  const requester = { kind: 'alert' as const, id: 'f00', name: 'ThingBroken' };
  const request = (runId: string, params: Record<string, unknown> = { target: runId, apiKey: `key-${runId}-0123456789` }) => ({ runbook: 'call-api', params, requester, runId });
  const prepared = async (...runIds: string[]) => (await t.drover.queue.prepareMany(runIds.map((id) => request(id)))) as PreparedRun[];

  it('rejects each bad request with the error submit would give, writing nothing', async () => {
    const results = await t.drover.queue.prepareMany([request('ok-1'), request('bad-1', { target: 'x' }), { ...request('bad-2'), cluster: 'nowhere' }, { ...request('bad-3'), runbook: 'nope' }]);
    expect(results[0]).not.toBeInstanceOf(DroverError);
    expect(results.slice(1).map((r) => (r instanceof DroverError ? r.code : 'ok'))).toEqual(['params_invalid', 'cluster_unknown', 'runbook_not_found']);
    expect((results[1] as DroverError).message).toMatch(/apiKey is required/);
    await expect(t.drover.queue.submit(request('bad-1', { target: 'x' }))).rejects.toThrow((results[1] as DroverError).message);
    expect((await t.drover.store.getMany(['ok-1', 'bad-1'])).map((r) => r?.state)).toEqual([undefined, undefined]);
  });

  it('stores, audits and queues every run once, keeping secrets apart; a second call returns the same runs', async () => {
    const runs = await t.drover.queue.enqueueMany(await prepared('many-1', 'many-2', 'many-3', 'many-2'));
    expect(runs.map((r) => r.id)).toEqual(['many-1', 'many-2', 'many-3', 'many-2']);
    expect(runs[0]).toMatchObject({ state: 'queued', cluster: 'test', concurrencyKey: 'api/many-1', params: { target: 'many-1', apiKey: '[redacted]' } });
    expect(await t.drover.store.get('many-1')).toMatchObject({ state: 'queued', params: { apiKey: '[redacted]' } });
    expect(await t.drover.store.secrets('many-1')).toEqual({ apiKey: 'key-many-1-0123456789' });
    expect((await t.drover.store.getMany(['many-1', 'many-3', 'missing'])).map((r) => r?.state)).toEqual(['queued', 'queued', undefined]);
    expect((await t.drover.store.events('many-2')).map((e) => e.type === 'state' && e.state)).toEqual(['queued']);
    expect((await t.drover.store.recent(10, 'call-api')).map((r) => r.id).sort()).toEqual(['many-1', 'many-2', 'many-3']);
    for (const id of ['many-1', 'many-2', 'many-3']) expect((await t.drover.queue.queue.getJob(id))?.data).toEqual({ runId: id, runbook: 'call-api', cluster: 'test', dryRun: false });

    const again = await t.drover.queue.enqueueMany(await prepared('many-1', 'many-4'));
    expect(again.map((r) => [r.id, r.state])).toEqual([
      ['many-1', 'queued'],
      ['many-4', 'queued'],
    ]);
    const queued = (await t.drover.audit.read()).filter((e) => e.type === 'run.queued' && e.runId.startsWith('many-'));
    expect(queued.map((e) => ('runId' in e ? e.runId : '')).sort()).toEqual(['many-1', 'many-2', 'many-3', 'many-4']);
    expect(JSON.stringify(queued)).not.toContain('key-many');
  });

  it('queues again a stored run whose job is missing (an earlier attempt failed after storing it), and leaves a started one alone', async () => {
    await t.drover.queue.enqueueMany(await prepared('lost-1', 'done-1'));
    await (await t.drover.queue.queue.getJob('lost-1'))?.remove();
    await (await t.drover.queue.queue.getJob('done-1'))?.remove();
    await t.drover.store.transition('done-1', ['queued'], 'succeeded');
    const runs = await t.drover.queue.enqueueMany(await prepared('lost-1', 'done-1'));
    expect(runs.map((r) => r.state)).toEqual(['queued', 'succeeded']);
    expect(await t.drover.queue.queue.getJob('lost-1')).toBeDefined();
    expect(await t.drover.queue.queue.getJob('done-1')).toBeUndefined();
  });

  it('a failing queue is a retryable redis_unavailable error, and the retry completes the runs', async () => {
    const addBulk = t.drover.queue.queue.addBulk.bind(t.drover.queue.queue);
    t.drover.queue.queue.addBulk = () => Promise.reject(new Error('Connection is closed.'));
    try {
      await expect(t.drover.queue.enqueueMany(await prepared('retry-1'))).rejects.toMatchObject({ code: 'redis_unavailable', retryable: true });
    } finally {
      t.drover.queue.queue.addBulk = addBulk;
    }
    expect((await t.drover.store.getMany(['retry-1'])).map((r) => r?.state)).toEqual(['queued']);
    await t.drover.queue.enqueueMany(await prepared('retry-1'));
    expect(await t.drover.queue.queue.getJob('retry-1')).toBeDefined();
  });
});
