/**
 * Refusals on the real server: each fails as runbook_refused with the
 * runbook's reason, and nothing in the cluster is written (same
 * resourceVersions, same etcd revision). A runbook that needs approval
 * refuses while its proposal is planned, so it is never put to anyone.
 */
import { CoreV1Api } from '@kubernetes/client-node';
import { freshNamespace, useRealKube } from '../support.js';
import { CASES } from './cases/index.js';
import { baseline, expectNothingWritten } from './checks.js';
import { drive, useDrover } from './drive.js';
import { Seeder } from './seed.js';

const kube = useRealKube();

const REFUSALS = CASES.flatMap((c) => c.refusals.map((r) => [c.runbook, r.why, r] as const));

describe('runbook refusals on a real kube-apiserver', () => {
  const drover = useDrover(kube);

  it('delete-pod, raise-hpa-max, expand-pvc, scale-deployment, rollback-deployment, drain-node and uncordon-node have refusal cases', () => {
    expect(new Set(REFUSALS.map(([id]) => id))).toEqual(
      new Set(['delete-pod', 'raise-hpa-max', 'expand-pvc', 'scale-deployment', 'rollback-deployment', 'drain-node', 'uncordon-node']),
    );
  });

  it.each(REFUSALS)('%s refuses %s and writes nothing', async (runbook, _why, refusal) => {
    const s = new Seeder(kube(), await freshNamespace(kube(), 'refuse'));
    const { params, message } = await refusal.seed(s);
    const base = await baseline(kube(), s.namespace);
    const { run, approved } = await drive(drover(), runbook, params, { dryRun: false });
    expect(approved).toBe(false);
    expect(run).toMatchObject({ state: 'failed', error: { code: 'runbook_refused' } });
    expect(run.error?.message).toMatch(message);
    await expectNothingWritten(kube(), s.namespace, base, 'after the refusal');
  }, 60_000);

  it('the no-write check catches the write that started this: ?dryRun=All on a DELETE with a body', async () => {
    const s = new Seeder(kube(), await freshNamespace(kube(), 'self'));
    const { pods } = await s.deployment('web', 1);
    const base = await baseline(kube(), s.namespace);
    // The query parameter is ignored when DeleteOptions travel in the body: the pod is really deleted.
    await kube().kubeConfig().makeApiClient(CoreV1Api).deleteNamespacedPod({ name: pods[0]!.metadata!.name!, namespace: s.namespace, dryRun: 'All', body: {} });
    await expect(expectNothingWritten(kube(), s.namespace, base, 'after a DELETE the server carried out')).rejects.toThrow(/removed v1 pods/);
  }, 60_000);
});
