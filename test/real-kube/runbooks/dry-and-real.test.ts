/**
 * Every shipped runbook, through the whole Drover pipeline (policy gate,
 * queue, BullMQ worker, runbook, Drover's Kubernetes layer) against a real
 * kube-apiserver 1.20 with its controllers. The cluster's state is checked
 * by independent reads: a dry run writes nothing at all; a real run changes
 * exactly what its plan said, and the controllers do the rest.
 * Prints the table of results at the end (npm run kube:runbooks).
 */
import { shippedRunbooks } from '../../support/test-drover.js';
import { freshNamespace, useRealKube } from '../support.js';
import { CASES } from './cases/index.js';
import { baseline, expectNothingWritten, expectPlannedChange, expectReports } from './checks.js';
import { drive, useDrover } from './drive.js';
import { kubeRead } from './kube-read.js';
import { Seeder } from './seed.js';
import { ResultTable } from './table.js';

const TEST_MS = 120_000;
const kube = useRealKube();

const plural = (n: number, what: string) => `${n} ${what}${n === 1 ? '' : 's'}`;
/** Names without the test's random namespace (`ns/web` → `web`, Node `ns-worker` → `worker`), for the table. */
const local = (text: string, namespace: string) => text.replaceAll(`${namespace}/`, '').replaceAll(`${namespace}-`, '');

describe('every shipped runbook against a real kube-apiserver', () => {
  const drover = useDrover(kube);
  const table = new ResultTable('Shipped runbooks on a real kube-apiserver 1.20.2 (through queue, worker and approvals)');
  afterAll(() => {
    table.publish('runbooks.md');
  });

  it('every runbook in runbooks/ has a case here', async () => {
    const shipped = (await shippedRunbooks()).map((r) => r.id).sort();
    expect(CASES.map((c) => c.runbook).sort()).toEqual(shipped);
  });

  describe.each(CASES.map((c) => [c.runbook, c] as const))('%s', (_id, c) => {
    it('dry run: plans from the server\'s dry run, writes nothing', async () => {
      const s = new Seeder(kube(), await freshNamespace(kube(), 'dry'));
      const scenario = await c.seed(s);
      const base = await baseline(kube(), s.namespace);
      const run = await drive(drover(), c.runbook, scenario.params, {
        dryRun: true,
        whileHeld: () => expectNothingWritten(kube(), s.namespace, base, 'while held for approval'),
      });
      expect(run.run).toMatchObject({ state: 'succeeded', dryRun: true });
      expectReports(run.reports, scenario.reports.dry);
      await expectNothingWritten(kube(), s.namespace, base, 'after the dry run');
      const planned = scenario.effect.kind === 'none' ? 0 : scenario.effect.kind === 'drain' ? 1 + scenario.effect.evicted.length : 1;
      expect(run.changes).toHaveLength(planned);
      for (const change of run.changes) {
        expect(change).toMatchObject({ dryRun: true });
        expect(change.diff).toMatch(/after \(dry run\)/);
      }
      const summary = run.changes.map((ch) => local(ch.summary, s.namespace)).join('; ');
      table.record(c.runbook, 'dry run', `plan: ${plural(planned, 'change')}${summary ? ` (${summary})` : ''}; 0 objects written (same resourceVersions, etcd revision unchanged)${run.approved ? '; approved by a second person' : ''}`);
    }, TEST_MS);

    it('real run: changes what its plan said, and nothing else but controllers', async () => {
      const s = new Seeder(kube(), await freshNamespace(kube(), 'real'));
      const scenario = await c.seed(s);
      const base = await baseline(kube(), s.namespace);
      const rehearsal = await drive(drover(), c.runbook, scenario.params, { dryRun: true });
      expect(rehearsal.run.state).toBe('succeeded');
      await expectNothingWritten(kube(), s.namespace, base, 'after the rehearsal dry run');
      const before = scenario.target ? await kubeRead(kube(), scenario.target.path) : undefined;
      const run = await drive(drover(), c.runbook, scenario.params, {
        dryRun: false,
        whileHeld: () => expectNothingWritten(kube(), s.namespace, base, 'while held for approval (planned by a dry run)'),
      });
      expect(run.run).toMatchObject({ state: 'succeeded', dryRun: false });
      expectReports(run.reports, scenario.reports.real);
      // The plan people approved, or else the dry run just before.
      const plan = run.plan ?? rehearsal.changes;
      const outcome = await expectPlannedChange(
        kube(),
        s.namespace,
        base,
        scenario.target && before ? { path: scenario.target.path, before } : undefined,
        scenario.effect,
        plan,
        run.changes,
      );
      const label = scenario.target && local(scenario.target.label, s.namespace);
      const evictedText = scenario.effect.kind === 'drain' ? `; evicted ${plural(scenario.effect.evicted.length, 'Pod')} (terminating)` : '';
      const what = outcome.changed.length ? `${outcome.changed[0] === 'deleted' ? 'deleted' : 'changed'} ${label}${outcome.changed[0] === 'deleted' ? '' : `: ${outcome.changed.join(', ')}`}${evictedText}` : 'read only: 0 objects written';
      const controllers = outcome.attribution.controllers.length ? `; controllers: ${outcome.attribution.controllers.join(', ')}` : '; nothing else changed';
      table.record(c.runbook, 'real', `${what}${controllers}${run.approved ? '; approved by a second person' : ''}`);
    }, TEST_MS);
  });

  it('every runbook ran dry and real', async () => {
    const shipped = (await shippedRunbooks()).map((r) => r.id);
    expect(table.incomplete(shipped)).toEqual([]);
  });
});
