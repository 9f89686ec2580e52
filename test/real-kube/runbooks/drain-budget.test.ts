/**
 * drain-node against PodDisruptionBudgets on a real kube-apiserver 1.20.2:
 * with Running pods whose budget allows no disruption, every eviction is
 * refused (429) and retried until timeoutSeconds; the run then fails as
 * k8s_throttled, reporting each pod not evicted with the server's reason.
 * The node stays cordoned; no pod is touched. A dry run reports the same
 * without waiting and writes nothing. A budget that allows one disruption
 * lets one pod go and records it in its status. (The disruption controller
 * does not run here: the budget's status is written as it would compute it.)
 */
import { freshNamespace, useRealKube } from '../support.js';
import { baseline, expectNothingWritten } from './checks.js';
import { drive, useDrover } from './drive.js';
import { kubeRead, type Json } from './kube-read.js';
import { Seeder } from './seed.js';

const kube = useRealKube();

describe('drain-node honours PodDisruptionBudgets on a real kube-apiserver', () => {
  // drain-node runs once an hour at most (its rate limit): each real run gets a Drover of its own.
  const drover = useDrover(kube);
  const second = useDrover(kube);

  async function seed(allowed: number) {
    const s = new Seeder(kube(), await freshNamespace(kube(), 'pdb'));
    const { node, pods } = await s.nodeToDrain('worker');
    await s.running(pods);
    await s.pdb('web', 'web', allowed, 2);
    return { s, node, pods };
  }

  const pod = (ns: string, name: string) => kubeRead(kube(), `/api/v1/namespaces/${ns}/pods/${name}`);
  const budget = (ns: string) => kubeRead(kube(), `/apis/policy/v1beta1/namespaces/${ns}/poddisruptionbudgets/web`);
  const blocked = 'The disruption budget web needs 2 healthy pods and has 2 currently';

  it('a budget that allows none: a dry run says so and writes nothing', async () => {
    const { s, node, pods } = await seed(0);
    const base = await baseline(kube(), s.namespace);
    const run = await drive(drover(), 'drain-node', { node, timeoutSeconds: 10 }, { dryRun: true });
    expect(run.run).toMatchObject({ state: 'succeeded', dryRun: true });
    for (const p of pods) expect(run.reports.join('\n')).toContain(`NOT evicted: ${s.namespace}/${p}: ${blocked}`);
    await expectNothingWritten(kube(), s.namespace, base, 'after the dry run');
  }, 90_000);

  it('a budget that allows none: retried until the timeout, then the run fails with what was not evicted; only the cordon is written', async () => {
    const { s, node, pods } = await seed(0);
    const before = await budget(s.namespace);
    const started = Date.now();
    const run = await drive(drover(), 'drain-node', { node, timeoutSeconds: 10 }, { dryRun: false });
    expect(Date.now() - started).toBeGreaterThanOrEqual(10_000);
    expect(run.run).toMatchObject({ state: 'failed', error: { code: 'k8s_throttled' } });
    expect(run.run.error?.message).toMatch(/^Drain of \S+-worker incomplete: 2 pod\(s\) not evicted: .*The node stays cordoned\.$/);
    const report = run.reports.join('\n');
    for (const p of pods) expect(report).toMatch(new RegExp(`NOT evicted: ${s.namespace}/${p}: ${blocked} \\(still blocked after 10s, \\d+ attempts\\)`));
    expect((await kubeRead(kube(), `/api/v1/nodes/${node}`)).spec).toMatchObject({ unschedulable: true });
    for (const p of pods) expect(((await pod(s.namespace, p)).metadata as Json).deletionTimestamp).toBeUndefined();
    expect(((await budget(s.namespace)).metadata as Json).resourceVersion).toBe((before.metadata as Json).resourceVersion);
  }, 90_000);

  it('a budget that allows one: one pod is evicted and recorded in the budget, the other is not', async () => {
    const { s, node, pods } = await seed(1);
    const run = await drive(second(), 'drain-node', { node, timeoutSeconds: 10 }, { dryRun: false });
    expect(run.run).toMatchObject({ state: 'failed', error: { code: 'k8s_throttled' } });
    const terminating = [];
    for (const p of pods) if (((await pod(s.namespace, p)).metadata as Json).deletionTimestamp !== undefined) terminating.push(p);
    expect(terminating).toHaveLength(1);
    const status = (await budget(s.namespace)).status as Json;
    expect(status).toMatchObject({ disruptionsAllowed: 0 });
    expect(Object.keys(status.disruptedPods as Json)).toEqual(terminating);
    expect(run.changes.map((c) => c.summary)).toEqual(expect.arrayContaining([`evict Pod ${s.namespace}/${terminating[0]!}`]));
  }, 90_000);
});
