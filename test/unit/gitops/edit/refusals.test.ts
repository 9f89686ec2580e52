import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { editRepository } from '../../../../src/gitops/edit/index.js';
import { MAX_FILES } from '../../../../src/gitops/edit/repo-files.js';
import { deployment, makeRepo, replicas, request, type Repo } from './fixture.js';

function refused(text: string | RegExp): object {
  return { code: 'gitops_no_source', message: expect.stringMatching(text) as string };
}

describe('editRepository: refusals and hostile repositories', () => {
  let repo: Repo;
  beforeEach(() => {
    repo = makeRepo();
  });
  afterEach(() => repo.cleanup());

  it('refuses a value shared through an anchor and alias, and a value that is an alias', async () => {
    repo.write({ 'apps/web/d.yaml': deployment('&count 3').replace('  selector:', '  minReadySeconds: *count\n  selector:') });
    await expect(editRepository(repo.root, request())).rejects.toMatchObject(refused(/anchor &count/));
    repo.write({ 'apps/web/d.yaml': `x: &n 3\n---\n${deployment('*n')}` });
    await expect(editRepository(repo.root, request())).rejects.toMatchObject(refused(/defines Deployment apps\/web but is not valid YAML/));
    repo.write({ 'apps/web/d.yaml': deployment('*n').replace('kind: Deployment', 'kind: Deployment\nx: &n 3') });
    await expect(editRepository(repo.root, request())).rejects.toMatchObject(refused(/alias \*n/));
    repo.write({ 'apps/web/d.yaml': deployment('3').replace('spec:\n', 'spec: &s\n').replace('  selector:', '  minReadySeconds: 1\n  selector:') + 'status: *s\n' });
    await expect(editRepository(repo.root, request())).rejects.toMatchObject(refused(/anchor &s/));
  });

  it('edits an anchored value nobody aliases', async () => {
    repo.write({ 'apps/web/d.yaml': deployment('&count 3') });
    const result = await editRepository(repo.root, request());
    expect(result.edits[0]!.after).toBe(deployment('&count 5'));
  });

  it('refuses a custom tag but keeps a core one', async () => {
    repo.write({ 'apps/web/d.yaml': deployment('!vault 3') });
    await expect(editRepository(repo.root, request())).rejects.toMatchObject(refused(/custom tag !vault/));
    repo.write({ 'apps/web/d.yaml': deployment('!!int 3') });
    expect((await editRepository(repo.root, request())).edits[0]!.after).toBe(deployment('!!int 5'));
  });

  it('refuses a template expression', async () => {
    repo.write({ 'apps/web/d.yaml': deployment("'{{ .Values.replicas }}'") });
    await expect(editRepository(repo.root, request())).rejects.toMatchObject(refused(/template expression/));
  });

  it('refuses an object defined twice', async () => {
    repo.write({ 'apps/web/a.yaml': deployment('3'), 'apps/web/b.yaml': `${deployment('1', 'api')}---\n${deployment('4')}` });
    await expect(editRepository(repo.root, request())).rejects.toMatchObject(refused(/defined twice: apps\/web\/a\.yaml \(document 1\) and apps\/web\/b\.yaml \(document 2\)/));
  });

  it('refuses a field set by two patches of one layer, or by two replicas entries', async () => {
    const smp = 'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  replicas: 2\n';
    repo.write({
      'apps/web/kustomization.yaml': 'resources: [d.yaml]\npatches:\n- path: p1.yaml\n- path: p2.yaml\n',
      'apps/web/d.yaml': deployment('1'),
      'apps/web/p1.yaml': smp,
      'apps/web/p2.yaml': smp,
    });
    await expect(editRepository(repo.root, request())).rejects.toMatchObject(refused(/set by 2 patches/));
    repo.write({ 'apps/web/kustomization.yaml': 'resources: [d.yaml]\nreplicas:\n- {name: web, count: 1}\n- {name: web, count: 2}\n' });
    await expect(editRepository(repo.root, request())).rejects.toMatchObject(refused(/2 replicas entries/));
  });

  it('refuses a JSON patch that sets the field inside a larger value', async () => {
    repo.write({
      'apps/web/kustomization.yaml': 'resources: [d.yaml]\npatches:\n- target: {kind: Deployment, name: web}\n  patch: |\n    - op: replace\n      path: /spec\n      value: {replicas: 2}\n',
      'apps/web/d.yaml': deployment('1'),
    });
    await expect(editRepository(repo.root, request())).rejects.toMatchObject(refused(/as part of something larger/));
  });

  it('refuses an inline patch written as a quoted string', async () => {
    repo.write({
      'apps/web/kustomization.yaml': 'resources: [d.yaml]\npatches:\n- target: {kind: Deployment}\n  patch: "[{op: replace, path: /spec/replicas, value: 2}]"\n',
      'apps/web/d.yaml': deployment('1'),
    });
    await expect(editRepository(repo.root, request())).rejects.toMatchObject(refused(/not a literal block/));
  });

  it('refuses to insert into a flow map', async () => {
    repo.write({ 'apps/web/d.yaml': 'apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\nspec: {paused: false}\n' });
    await expect(editRepository(repo.root, request())).rejects.toMatchObject(refused(/flow map/));
  });

  it('refuses values that are not single scalars, and block scalars', async () => {
    repo.write({ 'apps/web/d.yaml': deployment('3') });
    await expect(editRepository(repo.root, request({ fields: [replicas({ a: 1 })] }))).rejects.toMatchObject(refused(/single value/));
    repo.write({ 'apps/web/d.yaml': deployment('|\n    3') });
    await expect(editRepository(repo.root, request())).rejects.toMatchObject(refused(/block scalar/));
  });

  it('refuses when nothing defines the object, naming it', async () => {
    repo.write({ 'apps/web/d.yaml': deployment('3', 'api') });
    await expect(editRepository(repo.root, request())).rejects.toMatchObject(refused(/No manifest under apps\/web defines Deployment apps\/web/));
  });

  it('skips broken and hostile files that are not the target, but refuses a broken target', async () => {
    const bomb = ['a: &a ["x","x","x","x","x","x","x","x","x"]', ...'bcdefghij'.split('').map((c, i) => `${c}: &${c} [${Array(9).fill(`*${'abcdefghij'[i]}`).join(',')}]`)].join('\n');
    repo.write({
      'apps/web/bomb.yaml': bomb,
      'apps/web/broken.yaml': 'key: [unclosed\n  - : :\n',
      'apps/web/dupes.yaml': 'a: 1\na: 2\n',
      'apps/web/tags.yaml': '!!python/object:os.system x: !Ref y\n',
      'apps/web/d.yaml': deployment('3'),
    });
    expect((await editRepository(repo.root, request())).edits.map((e) => e.file)).toEqual(['apps/web/d.yaml']);
    repo.write({ 'apps/web/d.yaml': deployment('3').replace('kind: Deployment', 'kind: Deployment\nkind: Deployment') });
    await expect(editRepository(repo.root, request())).rejects.toMatchObject(refused(/defines Deployment apps\/web but is not valid YAML/));
    repo.write({ 'apps/web/d.yaml': deployment('3'), 'apps/web/kustomization.yaml': 'resources: [d.yaml\n' });
    await expect(editRepository(repo.root, request())).rejects.toMatchObject(refused(/kustomization\.yaml is not a valid kustomization/));
  });

  it('survives files nested deep enough to exhaust the parser, skipping them or naming them', async () => {
    repo.write({
      'apps/web/flow.yaml': '{'.repeat(100_000),
      'apps/web/seq.yaml': '- '.repeat(50_000) + 'x\n',
      'apps/web/indent.yaml': 'a:\n' + Array.from({ length: 2000 }, (_, i) => ' '.repeat(i + 1) + 'b:').join('\n'),
      'apps/web/d.yaml': deployment('3'),
    });
    expect((await editRepository(repo.root, request())).edits.map((e) => e.file)).toEqual(['apps/web/d.yaml']);
    repo.write({ 'apps/web/kustomization.yaml': 'resources: [d.yaml]\npatchesStrategicMerge: [flow.yaml]\n' });
    await expect(editRepository(repo.root, request())).rejects.toMatchObject(refused(/flow\.yaml nests brackets too deeply/));
  });

  it('reads an inline strategic-merge patch given as a string in patchesStrategicMerge', async () => {
    const k = 'resources: [d.yaml]\npatchesStrategicMerge:\n- |-\n  apiVersion: apps/v1\n  kind: Deployment\n  metadata: {name: web}\n  spec:\n    replicas: 2\n';
    repo.write({ 'apps/web/kustomization.yaml': k, 'apps/web/d.yaml': deployment('1') });
    const result = await editRepository(repo.root, request());
    expect(result.edits.map((e) => [e.file, e.after])).toEqual([['apps/web/kustomization.yaml', k.replace('replicas: 2', 'replicas: 5')]]);
  });

  it('refuses a path with .. and a path that does not exist', async () => {
    repo.write({ 'apps/web/d.yaml': deployment('3') });
    await expect(editRepository(repo.root, request({ path: 'apps/../../etc' }))).rejects.toMatchObject(refused(/leaves the repository/));
    await expect(editRepository(repo.root, request({ path: '/etc' }))).rejects.toMatchObject(refused(/leaves the repository/));
    await expect(editRepository(repo.root, request({ path: 'apps/nope' }))).rejects.toMatchObject(refused(/not a directory/));
  });

  it('never follows a symlink out of the repository', async () => {
    const outside = join(repo.root, '..', 'outside');
    mkdirSync(outside);
    writeFileSync(join(outside, 'd.yaml'), deployment('3'));
    mkdirSync(join(repo.root, 'apps', 'web'), { recursive: true });
    symlinkSync(join(outside, 'd.yaml'), join(repo.root, 'apps', 'web', 'd.yaml'));
    symlinkSync(outside, join(repo.root, 'apps', 'web', 'dir'));
    symlinkSync(outside, join(repo.root, 'apps', 'out'));
    await expect(editRepository(repo.root, request())).rejects.toMatchObject(refused(/No manifest/));
    await expect(editRepository(repo.root, request({ path: 'apps/out' }))).rejects.toMatchObject(refused(/not a directory/));
    repo.write({ 'apps/web/kustomization.yaml': 'resources: [d.yaml, dir, ../out/d.yaml]\n' });
    await expect(editRepository(repo.root, request())).rejects.toMatchObject(refused(/No manifest/));
    repo.write({ 'apps/web/kustomization.yaml': 'resources: [d.yaml]\npatchesStrategicMerge: [../out/d.yaml]\n' });
    await expect(editRepository(repo.root, request())).rejects.toMatchObject(refused(/No manifest|outside the repository/));
    // A symlink that stays inside the repository is fine.
    repo.write({ 'apps/real/d.yaml': deployment('3'), 'apps/web/kustomization.yaml': 'resources: [inside]\n' });
    symlinkSync(join(repo.root, 'apps', 'real'), join(repo.root, 'apps', 'web', 'inside'));
    expect((await editRepository(repo.root, request())).edits.map((e) => e.file)).toEqual(['apps/real/d.yaml']);
  });

  it('skips files over 1 MiB, and refuses to edit one', async () => {
    const big = deployment('3') + `# ${'x'.repeat(1024 * 1024)}\n`;
    repo.write({ 'apps/web/big.yaml': big });
    await expect(editRepository(repo.root, request())).rejects.toMatchObject(refused(/No manifest/));
    repo.write({ 'apps/web/kustomization.yaml': 'resources: [d.yaml]\npatchesStrategicMerge: [big.yaml]\n', 'apps/web/d.yaml': deployment('1') });
    await expect(editRepository(repo.root, request())).rejects.toMatchObject(refused(/larger than 1 MiB/));
  });

  it(`stops reading after ${MAX_FILES} files`, async () => {
    const files: Record<string, string> = {};
    for (let i = 0; i < MAX_FILES; i++) files[`apps/web/a/f${String(i).padStart(5, '0')}.yaml`] = 'x: 1\n';
    files['apps/web/z/d.yaml'] = deployment('3');
    repo.write(files);
    await expect(editRepository(repo.root, request())).rejects.toMatchObject(refused(/No manifest.*only the first 5000 files were read/));
  }, 60_000);

  it('stops after 64 MiB of YAML in all', async () => {
    const files: Record<string, string> = {};
    const filler = `# ${'x'.repeat(1000 * 1000)}\n`;
    for (let i = 0; i < 70; i++) files[`apps/web/f${String(i).padStart(2, '0')}.yaml`] = filler;
    files['apps/web/z.yaml'] = deployment('3');
    repo.write(files);
    await expect(editRepository(repo.root, request())).rejects.toMatchObject(refused(/More than 64 MiB/));
  }, 60_000);

  it('ignores .git', async () => {
    repo.write({ 'apps/web/.git/d.yaml': deployment('3') });
    await expect(editRepository(repo.root, request())).rejects.toMatchObject(refused(/No manifest/));
  });
});
