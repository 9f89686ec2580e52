import { parseAllDocuments } from 'yaml';
import { editRepository } from '../../../../src/gitops/edit/index.js';
import { changedLines, deployment, makeRepo, replicas, request, type Repo } from './fixture.js';

describe('editRepository: plain manifests', () => {
  let repo: Repo;
  beforeEach(() => {
    repo = makeRepo();
  });
  afterEach(() => repo.cleanup());

  it('changes only the replicas line of a plain manifest', async () => {
    repo.write({ 'apps/web/deployment.yaml': deployment('3') });
    const result = await editRepository(repo.root, request());
    expect(result.lines).toEqual(['apps/web/deployment.yaml:6 spec.replicas 3 → 5']);
    expect(result.edits).toHaveLength(1);
    const [edit] = result.edits;
    expect(edit!.file).toBe('apps/web/deployment.yaml');
    expect(edit!.after).toBe(deployment('5'));
    expect(changedLines(edit!.before, edit!.after)).toEqual([6]);
  });

  it('finds the object among several documents and other objects, leaving the rest byte-identical', async () => {
    const other = deployment('7', 'api');
    const service = 'apiVersion: v1\nkind: Service\nmetadata:\n  name: web\nspec:\n  ports: [{port: 80}]\n';
    const text = `${other}---\n${service}---\n${deployment('3')}...\n`;
    repo.write({ 'apps/web/all.yml': text, 'apps/web/sub/other.yaml': deployment('2', 'web', 'elsewhere') });
    const result = await editRepository(repo.root, request());
    const after = result.edits[0]!.after;
    expect(after).toBe(`${other}---\n${service}---\n${deployment('5')}...\n`);
    expect(result.lines[0]).toMatch(/^apps\/web\/all\.yml:\d+ spec\.replicas 3 → 5$/);
    const line = Number(/:(\d+) /.exec(result.lines[0]!)![1]);
    expect(after.split('\n')[line - 1]).toBe('  replicas: 5');
  });

  it('keeps comments everywhere', async () => {
    const text = [
      '# top comment',
      'apiVersion: apps/v1 # api',
      'kind: Deployment',
      'metadata: # meta',
      '  name: web',
      '  # before spec',
      'spec:',
      '  # replicas are managed by hand',
      '  replicas:   3   # three, for now',
      '  # after',
      '  selector: {matchLabels: {app: web}}',
      '# end',
    ].join('\n');
    repo.write({ 'apps/web/d.yaml': text });
    const result = await editRepository(repo.root, request());
    expect(result.edits[0]!.after).toBe(text.replace('replicas:   3   #', 'replicas:   5   #'));
    expect(result.lines).toEqual(['apps/web/d.yaml:9 spec.replicas 3 → 5']);
  });

  it('keeps a quoted string a string in the same quotes', async () => {
    repo.write({ 'apps/web/d.yaml': deployment('"3"') });
    const result = await editRepository(repo.root, request());
    expect(result.edits[0]!.after).toBe(deployment('"5"'));
    repo.write({ 'apps/web/d.yaml': deployment("'3'") });
    const single = await editRepository(repo.root, request());
    expect(single.edits[0]!.after).toBe(deployment("'5'"));
  });

  it('writes a number when the old value was a number, even given as a string', async () => {
    repo.write({ 'apps/web/d.yaml': deployment('3') });
    const result = await editRepository(repo.root, request({ fields: [replicas('6')] }));
    expect(result.edits[0]!.after).toBe(deployment('6'));
  });

  it('keeps CRLF line endings and a missing final newline', async () => {
    const text = deployment('3').replace(/\n/g, '\r\n').replace(/\r\n$/, '');
    repo.write({ 'apps/web/d.yaml': text });
    const result = await editRepository(repo.root, request());
    expect(result.edits[0]!.after).toBe(text.replace('replicas: 3', 'replicas: 5'));
  });

  it('inserts replicas at the right indentation when the manifest has none', async () => {
    const four = [
      'apiVersion: apps/v1',
      'kind: Deployment',
      'metadata:',
      '    name: web',
      'spec:',
      '    selector:',
      '        matchLabels: {app: web}',
      '    template:',
      '        spec:',
      '            containers:',
      '              - name: web',
      '                image: nginx',
      '',
    ].join('\n');
    repo.write({ 'apps/web/d.yaml': four });
    const result = await editRepository(repo.root, request());
    expect(result.edits[0]!.after).toBe(four.replace('spec:\n', 'spec:\n    replicas: 5\n'));
    expect(result.lines).toEqual(['apps/web/d.yaml:6 spec.replicas (unset) → 5']);
  });

  it('inserts above the comment that introduces the first key, with CRLF', async () => {
    const text = deployment(undefined).replace('spec:\n', 'spec:\n  # pods\n').replace(/\n/g, '\r\n');
    repo.write({ 'apps/web/d.yaml': text });
    const result = await editRepository(repo.root, request());
    expect(result.edits[0]!.after).toBe(text.replace('spec:\r\n', 'spec:\r\n  replicas: 5\r\n'));
  });

  it('inserts a whole missing spec at the end of the document', async () => {
    const text = 'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\n  labels:\n    app: web';
    repo.write({ 'apps/web/d.yaml': text });
    const result = await editRepository(repo.root, request());
    expect(result.edits[0]!.after).toBe(`${text}\nspec:\n  replicas: 5`);
    expect(parseAllDocuments(result.edits[0]!.after)[0]!.toJS()).toMatchObject({ spec: { replicas: 5 } });
  });

  it('fills an empty value, keeping the comment after it', async () => {
    const text = deployment('# not yet');
    repo.write({ 'apps/web/d.yaml': text });
    const result = await editRepository(repo.root, request());
    expect(result.edits[0]!.after).toBe(deployment('5 # not yet'));
    expect(result.lines).toEqual(['apps/web/d.yaml:6 spec.replicas null → 5']);
  });

  it('quotes a new string that YAML 1.1 tools would read as something else', async () => {
    repo.write({ 'apps/web/d.yaml': deployment('3').replace('image: nginx:1.27', 'image: nginx') });
    const field = (value: string) => ({ path: ['spec', 'template', 'spec', 'containers', 0, 'image'], value });
    for (const [value, written] of [['yes', '"yes"'], ['010', '"010"'], ['a: b', '"a: b"'], ['nginx:1.28', 'nginx:1.28']] as const) {
      const result = await editRepository(repo.root, request({ fields: [field(value)] }));
      expect(result.edits[0]!.after).toContain(`image: ${written}\n`);
    }
  });

  it('says so when the value is already set', async () => {
    repo.write({ 'apps/web/d.yaml': deployment('5') });
    const result = await editRepository(repo.root, request());
    expect(result).toEqual({ edits: [], lines: ['apps/web/d.yaml:6 spec.replicas (already 5)'] });
  });

  it('matches a document without a namespace, and one with the right namespace only', async () => {
    repo.write({ 'apps/web/a.yaml': deployment('3', 'web', 'other'), 'apps/web/b.yaml': deployment('4', 'web', 'apps') });
    const result = await editRepository(repo.root, request());
    expect(result.edits.map((e) => e.file)).toEqual(['apps/web/b.yaml']);
  });

  it('edits several fields of one object in one file', async () => {
    const hpa = 'apiVersion: autoscaling/v2\nkind: HorizontalPodAutoscaler\nmetadata:\n  name: web\nspec:\n  minReplicas: 2\n  maxReplicas: 10\n';
    repo.write({ 'apps/web/hpa.yaml': hpa });
    const result = await editRepository(
      repo.root,
      request({
        object: { apiVersion: 'autoscaling/v2', kind: 'HorizontalPodAutoscaler', namespace: 'apps', name: 'web' },
        fields: [
          { path: ['spec', 'maxReplicas'], value: 20 },
          { path: ['spec', 'minReplicas'], value: 3 },
        ],
      }),
    );
    expect(result.edits).toHaveLength(1);
    expect(result.edits[0]!.after).toBe(hpa.replace('maxReplicas: 10', 'maxReplicas: 20').replace('minReplicas: 2', 'minReplicas: 3'));
    expect(result.lines).toEqual(['apps/web/hpa.yaml:7 spec.maxReplicas 10 → 20', 'apps/web/hpa.yaml:6 spec.minReplicas 2 → 3']);
  });

  it('edits a value inside a list by index', async () => {
    repo.write({ 'apps/web/d.yaml': deployment('3') });
    const result = await editRepository(repo.root, request({ fields: [{ path: ['spec', 'template', 'spec', 'containers', 0, 'image'], value: 'nginx:1.28' }] }));
    expect(result.edits[0]!.after).toBe(deployment('3').replace('nginx:1.27', 'nginx:1.28'));
  });

  it('edits a number inside a flow map', async () => {
    const text = 'apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\nspec: {replicas: 3, paused: false}\n';
    repo.write({ 'apps/web/d.yaml': text });
    const result = await editRepository(repo.root, request());
    expect(result.edits[0]!.after).toBe(text.replace('replicas: 3', 'replicas: 5'));
  });
});
