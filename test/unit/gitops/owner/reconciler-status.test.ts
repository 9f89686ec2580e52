import { findOwner, readReconcilerStatus } from '../../../../src/gitops/owner/index.js';
import type { GitOpsOwner } from '../../../../src/gitops/types.js';
import { K8sDouble } from './k8s-double.js';
import { application, deployment, gitRepository, helmRelease, HR_LABELS, KS_LABELS, kustomization } from './fixtures.js';

const SHA = 'c0ffee0000000000000000000000000000c0ffee';

async function ownerOf(k8s: K8sDouble, labels: Record<string, string>, annotations: Record<string, string> = {}): Promise<GitOpsOwner> {
  const owner = await findOwner(k8s, deployment(labels, annotations));
  if (!owner) throw new Error('no owner');
  return owner;
}

describe('Flux', () => {
  test('Kustomization: lastAppliedRevision and Ready for the current generation', async () => {
    const ks = { ...kustomization(), status: { observedGeneration: 2, lastAppliedRevision: `main@sha1:${SHA}`, conditions: [{ type: 'Ready', status: 'True', reason: 'ReconciliationSucceeded', message: `Applied revision: main@sha1:${SHA}` }] } };
    const k8s = new K8sDouble().add(ks, gitRepository());
    expect(await readReconcilerStatus(k8s, await ownerOf(k8s, KS_LABELS))).toEqual({ revision: SHA, ready: true });
  });

  test('Kustomization: a generation not yet observed, or Ready False, is not ready and says why', async () => {
    const stale = { ...kustomization(), status: { observedGeneration: 1, lastAppliedRevision: `main/${SHA}`, conditions: [{ type: 'Ready', status: 'True' }] } };
    const k8s = new K8sDouble().add(stale, gitRepository());
    expect(await readReconcilerStatus(k8s, await ownerOf(k8s, KS_LABELS))).toEqual({ revision: SHA, ready: false, message: expect.stringContaining('generation 2') as unknown });
    const failing = { ...kustomization(), status: { observedGeneration: 2, conditions: [{ type: 'Ready', status: 'False', reason: 'BuildFailed', message: 'kustomize build failed: accumulating resources' }] } };
    const k8s2 = new K8sDouble().add(failing, gitRepository());
    expect(await readReconcilerStatus(k8s2, await ownerOf(k8s2, KS_LABELS))).toEqual({ ready: false, message: 'kustomize build failed: accumulating resources' });
    const empty = { ...kustomization(), status: 'garbage' };
    const k8s3 = new K8sDouble().add(empty, gitRepository());
    expect(await readReconcilerStatus(k8s3, await ownerOf(k8s3, KS_LABELS))).toMatchObject({ ready: false });
  });

  test('HelmRelease: revision from its Kustomization, ready from the HelmRelease', async () => {
    const ks = { ...kustomization(), status: { observedGeneration: 2, lastAppliedRevision: `main@sha1:${SHA}`, conditions: [{ type: 'Ready', status: 'True' }] } };
    const hr = { ...helmRelease(), status: { observedGeneration: 4, conditions: [{ type: 'Ready', status: 'True', message: 'Helm upgrade succeeded' }] } };
    const k8s = new K8sDouble().add(ks, hr, gitRepository());
    expect(await readReconcilerStatus(k8s, await ownerOf(k8s, HR_LABELS))).toEqual({ revision: SHA, ready: true });
    const pending = { ...hr, status: { observedGeneration: 3, conditions: [{ type: 'Ready', status: 'True' }] } };
    const k8s2 = new K8sDouble().add(ks, pending, gitRepository());
    expect(await readReconcilerStatus(k8s2, await ownerOf(k8s2, HR_LABELS))).toMatchObject({ revision: SHA, ready: false });
  });

  test('the owner gone: k8s_not_found; forbidden: k8s_forbidden', async () => {
    const k8s = new K8sDouble().add(kustomization(), gitRepository());
    const owner = await ownerOf(k8s, KS_LABELS);
    k8s.forbidden.add('Kustomization');
    await expect(readReconcilerStatus(k8s, owner)).rejects.toMatchObject({ code: 'k8s_forbidden' });
    await expect(readReconcilerStatus(new K8sDouble(), owner)).rejects.toMatchObject({ code: 'k8s_not_found' });
  });
});

describe('Argo CD', () => {
  const TRACK = { 'argocd.argoproj.io/tracking-id': 'web:apps/Deployment:shop/web' };
  const synced = { sync: { status: 'Synced', revision: SHA }, health: { status: 'Healthy' }, operationState: { phase: 'Succeeded', message: 'successfully synced' } };

  test('Synced and Healthy (or Progressing) with the operation done: ready', async () => {
    for (const health of ['Healthy', 'Progressing']) {
      const k8s = new K8sDouble().add(application({}, { ...synced, health: { status: health } }));
      expect(await readReconcilerStatus(k8s, await ownerOf(k8s, {}, TRACK))).toEqual({ revision: SHA, ready: true });
    }
    const noOp = new K8sDouble().add(application({}, { sync: synced.sync, health: synced.health }));
    expect(await readReconcilerStatus(noOp, await ownerOf(noOp, {}, TRACK))).toEqual({ revision: SHA, ready: true });
  });

  test('OutOfSync, Degraded, an operation running or failed: not ready, with Argo CD\'s words', async () => {
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ ...synced, sync: { status: 'OutOfSync', revision: SHA } }, 'sync OutOfSync, health Healthy, operation Succeeded'],
      [{ ...synced, health: { status: 'Degraded', message: 'Deployment exceeded its progress deadline' } }, 'Deployment exceeded its progress deadline'],
      [{ ...synced, operationState: { phase: 'Running', message: 'waiting for healthy state of apps/Deployment/web' } }, 'waiting for healthy state of apps/Deployment/web'],
      [{ ...synced, operationState: { phase: 'Failed', message: 'one or more objects failed to apply' } }, 'one or more objects failed to apply'],
      [{ ...synced, sync: { status: 'Unknown' }, conditions: [{ type: 'ComparisonError', message: 'rpc error: repository not accessible' }] }, 'rpc error: repository not accessible'],
    ];
    for (const [status, message] of cases) {
      const k8s = new K8sDouble().add(application({}, status));
      expect(await readReconcilerStatus(k8s, await ownerOf(k8s, {}, TRACK))).toMatchObject({ ready: false, message });
    }
  });

  test('multi-source revisions[0]; a revision that is not a commit is left out', async () => {
    const multi = new K8sDouble().add(application({}, { ...synced, sync: { status: 'Synced', revisions: [SHA, 'abc'] } }));
    expect(await readReconcilerStatus(multi, await ownerOf(multi, {}, TRACK))).toEqual({ revision: SHA, ready: true });
    const chart = new K8sDouble().add(application({}, { ...synced, sync: { status: 'Synced', revision: '1.2.3' } }));
    expect(await readReconcilerStatus(chart, await ownerOf(chart, {}, TRACK))).toEqual({ ready: true });
  });
});
