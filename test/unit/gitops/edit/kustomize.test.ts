import { editRepository } from '../../../../src/gitops/edit/index.js';
import { deployment, makeRepo, request, type Repo } from './fixture.js';

function onlyEdit(result: { edits: Array<{ file: string; before: string; after: string }> }): { file: string; before: string; after: string } {
  expect(result.edits).toHaveLength(1);
  return result.edits[0]!;
}

describe('editRepository: kustomize', () => {
  let repo: Repo;
  beforeEach(() => {
    repo = makeRepo();
  });
  afterEach(() => repo.cleanup());

  it('edits the kustomization replicas entry, which wins over the manifest', async () => {
    const k = 'apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nnamespace: apps\nresources:\n  - deployment.yaml\nreplicas:\n  - name: api\n    count: 1\n  - name: web # the web tier\n    count: 3\n';
    repo.write({ 'apps/web/kustomization.yaml': k, 'apps/web/deployment.yaml': deployment('2') });
    const result = await editRepository(repo.root, request());
    const edit = onlyEdit(result);
    expect(edit.file).toBe('apps/web/kustomization.yaml');
    expect(edit.after).toBe(k.replace('count: 3', 'count: 5'));
    expect(result.lines).toEqual(['apps/web/kustomization.yaml:10 spec.replicas 3 → 5']);
  });

  it('edits a strategic-merge patch file listed in patchesStrategicMerge', async () => {
    const patch = 'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  replicas: 4 # production\n';
    repo.write({
      'apps/web/kustomization.yaml': 'resources:\n- ../base\npatchesStrategicMerge:\n- replicas-patch.yaml\n',
      'apps/web/replicas-patch.yaml': patch,
      'apps/base/kustomization.yaml': 'resources:\n- deployment.yaml\n',
      'apps/base/deployment.yaml': deployment('1', 'web', 'apps'),
    });
    const edit = onlyEdit(await editRepository(repo.root, request()));
    expect(edit.file).toBe('apps/web/replicas-patch.yaml');
    expect(edit.after).toBe(patch.replace('4 #', '5 #'));
  });

  it('edits a patches entry with a path, chosen by its target', async () => {
    const patch = 'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: not-important\nspec:\n  replicas: 2\n';
    repo.write({
      'apps/web/kustomization.yaml':
        'resources: [deployment.yaml]\npatches:\n  - path: other.yaml\n    target: {kind: Deployment, name: api}\n  - path: scale.yaml\n    target:\n      kind: Deployment\n      name: "w.b"\n',
      'apps/web/deployment.yaml': deployment('1'),
      'apps/web/other.yaml': patch.replace('2', '9'),
      'apps/web/scale.yaml': patch,
    });
    const edit = onlyEdit(await editRepository(repo.root, request()));
    expect(edit.file).toBe('apps/web/scale.yaml');
    expect(edit.after).toBe(patch.replace('replicas: 2', 'replicas: 5'));
  });

  it('edits an inline strategic-merge patch with a target, inside its literal block', async () => {
    const k = [
      'resources:',
      '  - deployment.yaml',
      'patches:',
      '  - target:',
      '      kind: Deployment',
      '      labelSelector: app=web',
      '    patch: |-',
      '      apiVersion: apps/v1',
      '      kind: Deployment',
      '      metadata:',
      '        name: whatever',
      '      spec:',
      '',
      '        replicas: 3 # inline',
      '',
    ].join('\r\n');
    const base = deployment('1').replace('  name: web\n', '  name: web\n  labels:\n    app: web\n');
    repo.write({ 'apps/web/kustomization.yaml': k, 'apps/web/deployment.yaml': base });
    const result = await editRepository(repo.root, request());
    const edit = onlyEdit(result);
    expect(edit.file).toBe('apps/web/kustomization.yaml');
    expect(edit.after).toBe(k.replace('replicas: 3', 'replicas: 5'));
    expect(result.lines).toEqual(['apps/web/kustomization.yaml:14 spec.replicas 3 → 5']);
  });

  it('edits the value of a JSON 6902 replace at exactly the field, inline or in a file', async () => {
    const k = [
      'resources: [deployment.yaml]',
      'patchesJson6902:',
      '  - target: {group: apps, version: v1, kind: Deployment, name: web}',
      '    path: ops.yaml',
      '',
    ].join('\n');
    const ops = '- op: add\n  path: /metadata/labels/tier\n  value: front\n- op: replace\n  path: /spec/replicas\n  value: 2\n';
    repo.write({ 'apps/web/kustomization.yaml': k, 'apps/web/ops.yaml': ops, 'apps/web/deployment.yaml': deployment('1') });
    const edit = onlyEdit(await editRepository(repo.root, request()));
    expect(edit.file).toBe('apps/web/ops.yaml');
    expect(edit.after).toBe(ops.replace('value: 2', 'value: 5'));

    const inline = 'resources: [deployment.yaml]\npatches:\n  - target: {kind: Deployment, name: web}\n    patch: |\n      - op: add\n        path: /spec/replicas\n        value: 2\n';
    repo.write({ 'apps/web/kustomization.yaml': inline });
    const second = onlyEdit(await editRepository(repo.root, request()));
    expect(second.after).toBe(inline.replace('value: 2', 'value: 5'));
  });

  it('matches the live name through namePrefix and nameSuffix of nested kustomizations', async () => {
    repo.write({
      'clusters/prod/kustomization.yaml': 'namePrefix: prod-\nnamespace: apps\nresources:\n  - ../../apps/web\n',
      'apps/web/kustomization.yaml': 'nameSuffix: -v2\nresources:\n  - deployment.yaml\n',
      'apps/web/deployment.yaml': deployment('3'),
    });
    const result = await editRepository(repo.root, request({ path: 'clusters/prod', object: { apiVersion: 'apps/v1', kind: 'Deployment', namespace: 'apps', name: 'prod-web-v2' } }));
    expect(onlyEdit(result).file).toBe('apps/web/deployment.yaml');
    expect(result.lines).toEqual(['apps/web/deployment.yaml:6 spec.replicas 3 → 5']);
    await expect(editRepository(repo.root, request({ path: 'clusters/prod' }))).rejects.toMatchObject({ code: 'gitops_no_source' });
  });

  it('lets an outer layer win over an inner one, and inserts into the base when nobody sets the field', async () => {
    repo.write({
      'overlay/kustomization.yaml': 'resources: [../base]\nreplicas:\n- name: web\n  count: 4\n',
      'base/kustomization.yaml': 'resources: [d.yaml]\nreplicas:\n- name: web\n  count: 2\n',
      'base/d.yaml': deployment(undefined),
    });
    const outer = onlyEdit(await editRepository(repo.root, request({ path: 'overlay' })));
    expect(outer.file).toBe('overlay/kustomization.yaml');
    repo.write({ 'overlay/kustomization.yaml': 'resources: [../base]\n', 'base/kustomization.yaml': 'resources: [d.yaml]\n' });
    const insert = onlyEdit(await editRepository(repo.root, request({ path: 'overlay' })));
    expect(insert.file).toBe('base/d.yaml');
    expect(insert.after).toBe(deployment('5'));
  });

  it('reads a directory without a kustomization recursively, and a subdirectory with one as a layer', async () => {
    repo.write({
      'apps/web/sub/kustomization.yaml': 'namePrefix: x-\nresources: [d.yaml]\n',
      'apps/web/sub/d.yaml': deployment('3'),
      'apps/web/deep/er/d.yaml': deployment('2', 'web'),
    });
    const result = await editRepository(repo.root, request());
    expect(onlyEdit(result).file).toBe('apps/web/deep/er/d.yaml');
  });

  it('ignores remote resources', async () => {
    repo.write({
      'apps/web/kustomization.yaml': 'resources:\n- https://github.com/acme/x//base?ref=v1\n- github.com/acme/y\n- d.yaml\n',
      'apps/web/d.yaml': deployment('3'),
    });
    expect(onlyEdit(await editRepository(repo.root, request())).file).toBe('apps/web/d.yaml');
  });
});
