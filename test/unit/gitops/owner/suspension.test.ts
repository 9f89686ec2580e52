import { findOwner, listSuspensions, resumeOwner, suspendOwner } from '../../../../src/gitops/owner/index.js';
import type { GitOpsOwner } from '../../../../src/gitops/types.js';
import { K8sDouble } from './k8s-double.js';
import { application, deployment, gitRepository, KS_LABELS, kustomization } from './fixtures.js';

const UNTIL = new Date('2026-12-07T02:00:00.000Z');
const NOW = () => new Date('2026-12-07T01:00:00.000Z');
const TRACK = { 'argocd.argoproj.io/tracking-id': 'web:apps/Deployment:shop/web' };

async function owner(k8s: K8sDouble, labels: Record<string, string>, annotations: Record<string, string> = {}): Promise<GitOpsOwner> {
  const found = await findOwner(k8s, deployment(labels, annotations));
  if (!found) throw new Error('no owner');
  return found;
}

describe('Flux', () => {
  test('suspend: spec.suspend and the marks, pinned to the resourceVersion read; resume by the same run: unsuspended, marks gone, reconcile requested', async () => {
    const k8s = new K8sDouble().add(kustomization(), gitRepository());
    const ks = await owner(k8s, KS_LABELS);
    const { change, alreadySuspended } = await suspendOwner(k8s, ks, { runId: 'run-1', until: UNTIL });
    expect(alreadySuspended).toBe(false);
    expect(change.summary).toBe('suspend Flux Kustomization flux-system/apps until 2026-12-07T02:00:00.000Z (run run-1)');
    expect(k8s.sent[0]!.body).toEqual({
      metadata: { resourceVersion: '1', annotations: { 'drover.dev/suspended-by': 'run-1', 'drover.dev/suspended-until': '2026-12-07T02:00:00.000Z' } },
      spec: { suspend: true },
    });
    expect((await findOwner(k8s, deployment(KS_LABELS)))?.text).toContain('suspended (spec.suspend) by Drover run run-1 until 2026-12-07T02:00:00.000Z, so nothing is reverted');
    expect(await listSuspensions(k8s)).toEqual([
      { owner: { tool: 'flux', kind: 'Kustomization', apiVersion: 'kustomize.toolkit.fluxcd.io/v1', namespace: 'flux-system', name: 'apps' }, runId: 'run-1', until: '2026-12-07T02:00:00.000Z' },
    ]);

    expect(await resumeOwner(k8s, ks, { runId: 'run-2' })).toBeUndefined();
    const resumed = await resumeOwner(k8s, ks, { runId: 'run-1', now: NOW });
    expect(resumed?.summary).toMatch(/^resume Flux Kustomization flux-system\/apps/);
    const after = k8s.object('kustomize.toolkit.fluxcd.io/v1', 'Kustomization', 'flux-system', 'apps')!;
    expect(after.spec).toMatchObject({ suspend: false });
    expect(after.metadata.annotations).toEqual({ 'reconcile.fluxcd.io/requestedAt': '2026-12-07T01:00:00.000Z' });
    expect(await listSuspensions(k8s)).toEqual([]);
    // Resumed once: a second resume sends nothing.
    expect(await resumeOwner(k8s, ks, { runId: 'run-1' })).toBeUndefined();
  });

  test('already suspended by someone else: nothing sent, and resume never unsuspends it', async () => {
    const k8s = new K8sDouble().add(kustomization({ suspend: true }), gitRepository());
    const ks = await owner(k8s, KS_LABELS);
    const result = await suspendOwner(k8s, ks, { runId: 'run-1', until: UNTIL });
    expect(result.alreadySuspended).toBe(true);
    expect(result.change.diff).toBe('');
    expect(k8s.sent).toEqual([]);
    expect(await resumeOwner(k8s, ks, { runId: 'run-1' })).toBeUndefined();
    expect(k8s.sent).toEqual([]);
  });

  test('a retried suspend by the same run sets the window again and stays its own', async () => {
    const k8s = new K8sDouble().add(kustomization(), gitRepository());
    const ks = await owner(k8s, KS_LABELS);
    await suspendOwner(k8s, ks, { runId: 'run-1', until: UNTIL });
    const again = await suspendOwner(k8s, ks, { runId: 'run-1', until: new Date('2026-12-07T03:00:00Z') });
    expect(again.alreadySuspended).toBe(false);
    expect((await listSuspensions(k8s))[0]?.until).toBe('2026-12-07T03:00:00.000Z');
  });

  test('bad run ids and end times are refused before anything is read', async () => {
    const k8s = new K8sDouble().add(kustomization(), gitRepository());
    const ks = await owner(k8s, KS_LABELS);
    const reads = k8s.reads.length;
    await expect(suspendOwner(k8s, ks, { runId: 'a b', until: UNTIL })).rejects.toMatchObject({ code: 'params_invalid' });
    await expect(suspendOwner(k8s, ks, { runId: 'x'.repeat(200), until: UNTIL })).rejects.toMatchObject({ code: 'params_invalid' });
    await expect(suspendOwner(k8s, ks, { runId: 'r', until: new Date('nope') })).rejects.toMatchObject({ code: 'params_invalid' });
    await expect(resumeOwner(k8s, ks, { runId: '' })).rejects.toMatchObject({ code: 'params_invalid' });
    expect(k8s.reads.length).toBe(reads);
  });
});

describe('Argo CD', () => {
  test('suspend stores automated and removes it; resume restores it exactly and asks for a refresh', async () => {
    const k8s = new K8sDouble().add(application({ syncPolicy: { automated: { prune: true, selfHeal: true }, syncOptions: ['CreateNamespace=true'] } }));
    const app = await owner(k8s, {}, TRACK);
    const { alreadySuspended } = await suspendOwner(k8s, app, { runId: 'run-9', until: UNTIL });
    expect(alreadySuspended).toBe(false);
    expect(k8s.sent[0]!.body).toEqual({
      metadata: {
        resourceVersion: '1',
        annotations: { 'drover.dev/suspended-by': 'run-9', 'drover.dev/suspended-until': UNTIL.toISOString(), 'drover.dev/suspended-automated': '{"prune":true,"selfHeal":true}' },
      },
      spec: { syncPolicy: { automated: null } },
    });
    const suspended = k8s.object('argoproj.io/v1alpha1', 'Application', 'argocd', 'web')!;
    expect(suspended.spec).toMatchObject({ syncPolicy: { syncOptions: ['CreateNamespace=true'] } });
    expect((suspended.spec as { syncPolicy: Record<string, unknown> }).syncPolicy.automated).toBeUndefined();
    const during = await findOwner(k8s, deployment({}, TRACK));
    expect(during?.suspended).toBe(true);
    expect(during?.text).toContain(`(auto-sync suspended by Drover run run-9 until ${UNTIL.toISOString()})`);

    // Retried: the stored automated block survives.
    await suspendOwner(k8s, app, { runId: 'run-9', until: UNTIL });
    expect(k8s.object('argoproj.io/v1alpha1', 'Application', 'argocd', 'web')!.metadata.annotations?.['drover.dev/suspended-automated']).toBe('{"prune":true,"selfHeal":true}');

    await resumeOwner(k8s, app, { runId: 'run-9' });
    const resumed = k8s.object('argoproj.io/v1alpha1', 'Application', 'argocd', 'web')!;
    expect(resumed.spec).toMatchObject({ syncPolicy: { automated: { prune: true, selfHeal: true }, syncOptions: ['CreateNamespace=true'] } });
    expect(resumed.metadata.annotations).toEqual({ 'argocd.argoproj.io/refresh': 'normal' });
  });

  test('auto-sync already off: alreadySuspended, nothing sent', async () => {
    const k8s = new K8sDouble().add(application({ syncPolicy: {} }));
    const app = await owner(k8s, {}, TRACK);
    expect((await suspendOwner(k8s, app, { runId: 'run-1', until: UNTIL })).alreadySuspended).toBe(true);
    expect(k8s.sent).toEqual([]);
  });

  test('auto-sync set again by someone during the window is kept; a damaged stored block restores plain auto-sync', async () => {
    const k8s = new K8sDouble().add(
      application(
        { syncPolicy: { automated: { prune: false } } },
        {},
        { annotations: { 'drover.dev/suspended-by': 'run-1', 'drover.dev/suspended-until': UNTIL.toISOString(), 'drover.dev/suspended-automated': '{"selfHeal":true}' } },
      ),
    );
    const app = await owner(k8s, {}, TRACK);
    const kept = await resumeOwner(k8s, app, { runId: 'run-1' });
    expect(kept?.summary).toContain('set again meanwhile');
    expect(k8s.sent[0]!.body.spec).toBeUndefined();

    const damaged = new K8sDouble().add(
      application({ syncPolicy: {} }, {}, { annotations: { 'drover.dev/suspended-by': 'run-1', 'drover.dev/suspended-automated': '[not json' } }),
    );
    const app2 = await owner(damaged, {}, TRACK);
    const restored = await resumeOwner(damaged, app2, { runId: 'run-1' });
    expect(restored?.summary).toContain('unreadable');
    expect(damaged.object('argoproj.io/v1alpha1', 'Application', 'argocd', 'web')!.spec).toMatchObject({ syncPolicy: { automated: {} } });
  });

  test('a concurrent change between read and patch is a k8s_conflict (resourceVersion pinned)', async () => {
    const k8s = new K8sDouble().add(application());
    const app = await owner(k8s, {}, TRACK);
    const racing = Object.assign(Object.create(k8s) as K8sDouble, {
      get: async (...args: Parameters<K8sDouble['get']>) => {
        const object = await k8s.get(...args);
        await k8s.patch(args[0], args[1], args[2], { metadata: { labels: { touched: 'yes' } } }, args[3]);
        return object;
      },
    });
    await expect(suspendOwner(racing, app, { runId: 'run-1', until: UNTIL })).rejects.toMatchObject({ code: 'k8s_conflict' });
  });
});

test('listSuspensions skips kinds the cluster does not serve, and malformed marks', async () => {
  const k8s = new K8sDouble(new Set(['argoproj.io/v1alpha1'])).add(
    application({}, {}, { annotations: { 'drover.dev/suspended-by': 'run-3' } }),
    { ...application(), metadata: { name: 'other', namespace: 'argocd', annotations: { 'drover.dev/suspended-by': 'x'.repeat(500) } } },
  );
  expect(await listSuspensions(k8s)).toEqual([
    { owner: { tool: 'argocd', kind: 'Application', apiVersion: 'argoproj.io/v1alpha1', namespace: 'argocd', name: 'web' }, runId: 'run-3', until: '' },
  ]);
  k8s.forbidden.add('Application');
  await expect(listSuspensions(k8s)).rejects.toMatchObject({ code: 'k8s_forbidden' });
});
