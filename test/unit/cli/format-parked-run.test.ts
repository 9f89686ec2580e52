/** `drover status` of a run waiting outside Drover says what for and when it looks again; once it wakes, nothing. */
import { formatRun } from '../../../src/cli/output.js';
import type { RunRecord } from '../../../src/jobs/run-record.js';

const base: RunRecord = {
  id: 'r1',
  runbook: 'scale-deployment',
  cluster: 'prod',
  params: { namespace: 'shop', deployment: 'web', replicas: 5 },
  dryRun: false,
  requester: { kind: 'slack', id: 'U1', name: 'alice' },
  state: 'running',
  concurrencyKey: 'deployment/shop/web',
  timeoutMs: 60_000,
  createdAt: '2026-12-07T00:00:00.000Z',
  attempts: 1,
};

it('a parked run says what it waits for', () => {
  const text = formatRun({ ...base, parkedUntil: '2026-12-07T00:05:00.000Z', parkedReason: 'review of pull request #12 (https://github.com/acme/fleet/pull/12)' }, []);
  expect(text).toContain('Waiting:    for review of pull request #12 (https://github.com/acme/fleet/pull/12) (next look 2026-12-07T00:05:00.000Z)');
});

it('a run that woke (no parkedUntil) or ended says nothing of it', () => {
  expect(formatRun({ ...base, parkedReason: 'review of pull request #12' }, [])).not.toContain('Waiting:');
  expect(formatRun({ ...base, state: 'succeeded', parkedUntil: '2026-12-07T00:05:00.000Z', parkedReason: 'x' }, [])).not.toContain('Waiting:');
});
