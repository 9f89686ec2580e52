import { DroverError } from '../../../src/errors.js';
import { describeEvent } from '../../../src/audit/filter.js';
import type { FleetCluster } from '../../../src/fleet/registry.js';
import { batchesOf, describePlan, rolloutHash, rolloutRunId, type Rollout, type RolloutBindingInput, type RolloutPlan } from '../../../src/fleet/rollout/plan.js';
import { rolloutLines } from '../../../src/fleet/rollout/rollout-text.js';
import { newsReplies } from '../../../src/fleet/rollout/rollout-blocks.js';
import { matches, parseSelector, selectClusters } from '../../../src/fleet/rollout/selector.js';

const cluster = (name: string, labels: Record<string, string>): FleetCluster => ({ name, labels, createdAt: '2026-01-01T00:00:00Z', user: `u-${name}` });

const fleet = [
  cluster('store-002', { region: 'eu', tier: 'store' }),
  cluster('store-001', { region: 'eu', tier: 'store' }),
  cluster('store-003', { region: 'us', tier: 'store' }),
  cluster('hq', { region: 'eu', tier: 'core', pci: '' }),
];

describe('cluster selectors', () => {
  it('ANDs equalities, inequalities and existence, and sorts what they pick', () => {
    expect(selectClusters(parseSelector('region=eu,tier=store'), fleet).map((c) => c.name)).toEqual(['store-001', 'store-002']);
    expect(selectClusters(parseSelector('region!=us'), fleet).map((c) => c.name)).toEqual(['hq', 'store-001', 'store-002']);
    expect(selectClusters(parseSelector('pci'), fleet).map((c) => c.name)).toEqual(['hq']);
    expect(selectClusters(parseSelector(' tier = store , region==us '), fleet).map((c) => c.name)).toEqual(['store-003']);
    expect(parseSelector(' tier = store , region==us ').text).toBe('tier=store,region=us');
    expect(matches(parseSelector('pci='), { pci: '' })).toBe(true);
    expect(matches(parseSelector('team!=a'), {})).toBe(true);
  });

  it('refuses what is not a selector, saying what is wrong and echoing at most 40 characters', () => {
    const bad = ['', '   ', ',', 'a=b,,c=d', '=eu', 'region=e u', 'reg ion=eu', '-x=1', 'a=b=c', '__proto__', 'region=eu;rm -rf /', `k=${'v'.repeat(5000)}`, 'x'.repeat(2000), 'region=*', 'ü=1', 'a!=b!=c'];
    for (const input of bad) {
      let error: unknown;
      try {
        parseSelector(input);
      } catch (err) {
        error = err;
      }
      expect(error).toBeInstanceOf(DroverError);
      const e = error as DroverError;
      expect(e.code).toBe('params_invalid');
      expect(e.message).toMatch(/^Invalid cluster selector: /);
      expect(e.message.length).toBeLessThan(300);
    }
    expect(parseSelector('a!=').terms).toEqual([{ key: 'a', op: '!=', value: '' }]);
  });

  it('is not fooled by prototype keys in labels', () => {
    expect(matches(parseSelector('constructor'), {})).toBe(false);
    expect(matches(parseSelector('toString'), { region: 'eu' })).toBe(false);
  });

  it('says how many clusters exist when none matches, and that kubeconfig clusters have no labels when none does', () => {
    expect(() => selectClusters(parseSelector('region=mars'), fleet)).toThrow('No cluster matches region=mars (4 agent clusters registered; drover clusters shows their labels).');
    expect(() => selectClusters(parseSelector('region=eu'), [])).toThrow(/no agent cluster is registered\. Only agent clusters have labels .*kubeconfig cannot be selected/);
  });
});

const plan = (over: Partial<RolloutPlan> = {}): RolloutPlan => ({
  id: 'o123',
  runbook: 'restart-deployment',
  params: { namespace: 'shop', deployment: 'web' },
  selector: 'region=eu,tier=store',
  clusters: Array.from({ length: 40 }, (_, i) => `store-${String(i + 1).padStart(3, '0')}`),
  batchSize: 5,
  canary: false,
  pauseOnFailure: true,
  maxFailures: 2,
  dryRun: false,
  requester: { kind: 'slack', id: 'U1', name: 'ada' },
  createdAt: '2026-01-01T00:00:00Z',
  ...over,
});

describe('rollout plans', () => {
  it('reads as one line before anything starts', () => {
    expect(describePlan(plan())).toBe(
      'Rollout o123 of restart-deployment (namespace=shop deployment=web) on 40 clusters matching region=eu,tier=store: 8 batches of 5 (first: store-001 … store-005), pause on failure, stop after 2 failures',
    );
    expect(describePlan(plan({ canary: true, pauseOnFailure: false, maxFailures: 1, dryRun: true }))).toBe(
      'Rollout o123 of restart-deployment (namespace=shop deployment=web) (dry run) on 40 clusters matching region=eu,tier=store: a canary (store-001), then 8 batches of 5, the last of 4, no pause on failure, stop after 1 failure',
    );
    expect(describePlan(plan({ clusters: ['a'], batchSize: 1, params: {} }))).toBe('Rollout o123 of restart-deployment on 1 cluster matching region=eu,tier=store: 1 batch of 1 (first: a), pause on failure, stop after 2 failures');
  });

  it('cuts clusters into batches in order, a canary first when asked', () => {
    expect(batchesOf({ clusters: ['a', 'b', 'c', 'd', 'e'], batchSize: 2, canary: false })).toEqual([['a', 'b'], ['c', 'd'], ['e']]);
    expect(batchesOf({ clusters: ['a', 'b', 'c', 'd', 'e'], batchSize: 2, canary: true })).toEqual([['a'], ['b', 'c'], ['d', 'e']]);
    expect(batchesOf({ clusters: ['a', 'b'], batchSize: 1, canary: true })).toEqual([['a'], ['b']]);
  });

  it('gives each cluster a run id of its own that a resubmission finds again', () => {
    expect(rolloutRunId('o123', 'store-001')).toBe('store-001.o123');
  });

  it('binds the approval to runbook, code, params, secrets, the exact clusters and how it rolls out', () => {
    const key = Buffer.alloc(32, 3);
    const base: RolloutBindingInput = { id: 'o1', runbook: 'r', runbookDigest: 'd', params: { a: 1 }, secrets: { token: 's' }, clusters: ['a', 'b'], batchSize: 1, canary: true, pauseOnFailure: true, maxFailures: 1, dryRun: false };
    const h = rolloutHash(base, key);
    expect(rolloutHash({ ...base }, key)).toBe(h);
    const changed: Array<Partial<RolloutBindingInput>> = [
      { id: 'o2' },
      { runbook: 'x' },
      { runbookDigest: 'e' },
      { params: { a: 2 } },
      { secrets: { token: 't' } },
      { clusters: ['a'] },
      { clusters: ['b', 'a'] },
      { batchSize: 2 },
      { canary: false },
      { pauseOnFailure: false },
      { maxFailures: 2 },
      { dryRun: true },
    ];
    for (const change of changed) expect(rolloutHash({ ...base, ...change }, key)).not.toBe(h);
    expect(rolloutHash(base, Buffer.alloc(32, 4))).not.toBe(h);
  });
});

describe('rollout progress text', () => {
  it('stays a few lines for 2,000 clusters: counts, the current batch, the first failures', () => {
    const clusters = Array.from({ length: 2000 }, (_, i) => `c-${String(i).padStart(4, '0')}`);
    const targets = Object.fromEntries(clusters.map((c, i) => [c, i < 1000 ? (i % 20 === 0 ? { state: 'failed' as const, runId: `${c}.o1`, error: 'no' } : { state: 'succeeded' as const }) : i < 1050 ? { state: 'running' as const, runId: `${c}.o1` } : { state: 'pending' as const }]));
    const rollout: Rollout = { ...plan({ clusters, batchSize: 50, maxFailures: 100 }), hash: 'ab'.repeat(32), state: 'running', batch: 20, targets, updatedAt: '2026-01-01T00:00:00Z' };
    const lines = rolloutLines(rollout);
    expect(lines.length).toBeLessThanOrEqual(14);
    expect(lines[1]).toBe('running: ✓ 950 succeeded, ✗ 50 failed, … 50 in progress, · 950 not started (of 2000).');
    expect(lines[2]).toMatch(/^Batch 21 of 40: … c-1000 {2}… c-1001 .* \(\+30 more\)$/);
    expect(lines.filter((l) => l.startsWith('✗ '))).toHaveLength(10);
    expect(lines).toContain('… and 40 more failed.');
    const replies = newsReplies(Array.from({ length: 30 }, (_, i) => ({ type: 'failed' as const, cluster: `c-${i}`, error: 'no' })));
    expect(replies).toHaveLength(6);
    expect(replies[5]).toBe('✗ … and 25 more cluster(s) failed (drover rollout status shows them).');
  });
});

describe('rollout audit events', () => {
  it('read as one line each in drover audit', () => {
    const at = { v: 1 as const, time: '2026-01-01T00:00:00Z', seq: 7, prev: '', hash: '' };
    expect(describeEvent({ ...at, type: 'rollout.finished', rolloutId: 'o1', outcome: 'stopped', succeeded: 3, failed: 2, skipped: 35 })).toBe(
      '2026-01-01T00:00:00Z #7 rollout.finished rollout=o1 stopped: 3 succeeded, 2 failed, 35 skipped',
    );
    expect(describeEvent({ ...at, type: 'rollout.batch.started', rolloutId: 'o1', batch: 2, batches: 8, clusters: ['a', 'b'] })).toBe('2026-01-01T00:00:00Z #7 rollout.batch.started rollout=o1 batch 2/8: 2 cluster(s)');
  });
});
