import { editRepository } from '../../../../src/gitops/edit/index.js';
import { makeRepo, replicas, request, WEB, type Repo } from './fixture.js';

const HELM_RELEASE = [
  'apiVersion: helm.toolkit.fluxcd.io/v2',
  'kind: HelmRelease',
  'metadata:',
  '  name: web',
  '  namespace: apps',
  'spec:',
  '  interval: 10m',
  '  chart:',
  '    spec: {chart: web, sourceRef: {kind: HelmRepository, name: acme}}',
  '  values:',
  '    # sized for the winter peak',
  '    replicaCount: 3',
  '    image:',
  '      tag: "1.2.3"',
  '',
].join('\n');

const release = { type: 'helm-release' as const, release: { namespace: 'apps', name: 'web' } };

describe('editRepository: Helm', () => {
  let repo: Repo;
  beforeEach(() => {
    repo = makeRepo();
  });
  afterEach(() => repo.cleanup());

  it('edits spec.values of a HelmRelease by convention when the key exists', async () => {
    repo.write({ 'apps/web/release.yaml': HELM_RELEASE });
    const result = await editRepository(repo.root, request({ source: release }));
    expect(result.edits[0]!.after).toBe(HELM_RELEASE.replace('replicaCount: 3', 'replicaCount: 5'));
    expect(result.lines).toEqual(['apps/web/release.yaml:12 spec.values.replicaCount (spec.replicas) 3 → 5']);
  });

  it('follows the drover.dev/values annotation, inserting the key when the values lack it', async () => {
    repo.write({ 'apps/web/release.yaml': HELM_RELEASE });
    const annotations = { 'drover.dev/values.spec.replicas': 'web.replicaCount' };
    const result = await editRepository(repo.root, request({ source: release, annotations }));
    expect(result.edits[0]!.after).toBe(HELM_RELEASE.replace('  values:\n', '  values:\n    web:\n      replicaCount: 5\n'));
  });

  it('inserts under an empty values key', async () => {
    const text = HELM_RELEASE.slice(0, HELM_RELEASE.indexOf('  values:')) + '  values:\n  timeout: 5m\n';
    repo.write({ 'apps/web/release.yaml': text });
    const annotations = { 'drover.dev/values.spec.replicas': 'replicaCount' };
    const result = await editRepository(repo.root, request({ source: release, annotations }));
    expect(result.edits[0]!.after).toBe(text.replace('  values:\n', '  values:\n    replicaCount: 5\n'));
  });

  it('edits the kustomize patch that sets the HelmRelease value, found through the convention', async () => {
    const patch = 'apiVersion: helm.toolkit.fluxcd.io/v2\nkind: HelmRelease\nmetadata:\n  name: web\nspec:\n  values:\n    replicaCount: 4\n';
    repo.write({
      'apps/web/Kustomization': 'namespace: apps\nresources: [release.yaml]\npatches:\n  - path: prod.yml\n',
      'apps/web/release.yaml': HELM_RELEASE.replace('  namespace: apps\n', '').replace('    replicaCount: 3\n', ''),
      'apps/web/prod.yml': patch,
    });
    const result = await editRepository(repo.root, request({ source: release }));
    expect(result.edits.map((e) => [e.file, e.after])).toEqual([['apps/web/prod.yml', patch.replace('4', '5')]]);
  });

  it('refuses, naming the annotation, when no convention key exists', async () => {
    repo.write({ 'apps/web/release.yaml': HELM_RELEASE.replace('replicaCount', 'replicas') });
    await expect(editRepository(repo.root, request({ source: release }))).rejects.toMatchObject({
      code: 'gitops_no_source',
      message: expect.stringContaining('drover.dev/values.spec.replicas') as string,
    });
  });

  it('edits the last values file that sets the key (Helm merges later files over earlier ones)', async () => {
    repo.write({
      'charts/web/values.yaml': 'replicaCount: 1\nautoscaling:\n  maxReplicas: 4\n',
      'charts/web/values-prod.yaml': '# prod\nautoscaling: {enabled: true}\nreplicaCount: 2\n',
      'charts/web/values-extra.yaml': 'extra: true\n',
    });
    const source = { type: 'helm-values' as const, valueFiles: ['values.yaml', 'values-prod.yaml', 'values-extra.yaml'] };
    const result = await editRepository(repo.root, request({ path: 'charts/web', source }));
    expect(result.edits.map((e) => [e.file, e.after])).toEqual([['charts/web/values-prod.yaml', '# prod\nautoscaling: {enabled: true}\nreplicaCount: 5\n']]);

    const hpa = { apiVersion: 'autoscaling/v2', kind: 'HorizontalPodAutoscaler', namespace: 'apps', name: 'web' };
    const max = await editRepository(repo.root, request({ path: 'charts/web', source, object: hpa, fields: [{ path: ['spec', 'maxReplicas'], value: 8 }] }));
    expect(max.edits.map((e) => e.file)).toEqual(['charts/web/values.yaml']);
    expect(max.lines).toEqual(['charts/web/values.yaml:3 autoscaling.maxReplicas (spec.maxReplicas) 4 → 8']);
  });

  it('inserts an annotated key into the last values file when no file sets it', async () => {
    repo.write({ 'charts/web/values.yaml': 'replicaCount: 1\n', 'charts/web/prod.yaml': 'web:\n  image: x\n' });
    const source = { type: 'helm-values' as const, valueFiles: ['values.yaml', 'prod.yaml'] };
    const annotations = { 'drover.dev/values.spec.replicas': 'web.replicas' };
    const result = await editRepository(repo.root, request({ path: 'charts/web', source, annotations }));
    expect(result.edits.map((e) => [e.file, e.after])).toEqual([['charts/web/prod.yaml', 'web:\n  replicas: 5\n  image: x\n']]);
  });

  it('writes the first key into an empty or comment-only values file', async () => {
    repo.write({ 'charts/web/values.yaml': 'replicaCount: 1\n', 'charts/web/prod.yaml': '# production overrides\n', 'charts/web/empty.yaml': '' });
    const annotations = { 'drover.dev/values.spec.replicas': 'web.replicas' };
    const comments = await editRepository(repo.root, request({ path: 'charts/web', source: { type: 'helm-values', valueFiles: ['values.yaml', 'prod.yaml'] }, annotations }));
    expect(comments.edits.map((e) => [e.file, e.after])).toEqual([['charts/web/prod.yaml', '# production overrides\nweb:\n  replicas: 5\n']]);
    expect(comments.lines).toEqual(['charts/web/prod.yaml:3 web.replicas (spec.replicas) (unset) → 5']);
    const empty = await editRepository(repo.root, request({ path: 'charts/web', source: { type: 'helm-values', valueFiles: ['values.yaml', 'empty.yaml'] }, annotations }));
    expect(empty.edits.map((e) => e.after)).toEqual(['web:\n  replicas: 5\n']);
  });

  it('defaults to values.yaml and refuses value files that leave the repository', async () => {
    repo.write({ 'charts/web/values.yaml': 'replicaCount: 1\n', 'shared/values.yaml': 'replicaCount: 1\n' });
    const ok = await editRepository(repo.root, request({ path: 'charts/web', source: { type: 'helm-values', valueFiles: [] } }));
    expect(ok.edits[0]!.file).toBe('charts/web/values.yaml');
    const shared = await editRepository(repo.root, request({ path: 'charts/web', source: { type: 'helm-values', valueFiles: ['../../shared/values.yaml'] } }));
    expect(shared.edits[0]!.file).toBe('shared/values.yaml');
    await expect(
      editRepository(repo.root, request({ path: 'charts/web', source: { type: 'helm-values', valueFiles: ['../../../etc/passwd'] } })),
    ).rejects.toMatchObject({ code: 'gitops_no_source', message: expect.stringContaining('leaves the repository') as string });
    await expect(
      editRepository(repo.root, request({ path: 'charts/web', source: { type: 'helm-values', valueFiles: ['/etc/hostname'] } })),
    ).rejects.toMatchObject({ code: 'gitops_no_source' });
  });

  it('refuses a Helm template expression', async () => {
    repo.write({ 'charts/web/values.yaml': 'replicaCount: "{{ .Values.global.replicas }}"\n' });
    await expect(editRepository(repo.root, request({ path: 'charts/web', source: { type: 'helm-values', valueFiles: [] } }))).rejects.toMatchObject({
      code: 'gitops_no_source',
      message: expect.stringContaining('template') as string,
    });
  });

  it('maps several fields with annotations', async () => {
    repo.write({ 'charts/web/values.yaml': 'web:\n  replicaCount: 1\n  image: {tag: "1.0"}\n' });
    const annotations = { 'drover.dev/values.spec.replicas': 'web.replicaCount', 'drover.dev/values.spec.template.spec.containers.0.image': 'web.image.tag' };
    const result = await editRepository(
      repo.root,
      request({
        path: 'charts/web',
        object: WEB,
        source: { type: 'helm-values', valueFiles: ['values.yaml'] },
        annotations,
        fields: [replicas(2), { path: ['spec', 'template', 'spec', 'containers', 0, 'image'], value: '1.1' }],
      }),
    );
    expect(result.edits[0]!.after).toBe('web:\n  replicaCount: 2\n  image: {tag: "1.1"}\n');
  });
});
