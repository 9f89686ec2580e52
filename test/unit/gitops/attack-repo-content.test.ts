/**
 * The GitOps repository's content is hostile: whoever can push to it is not
 * necessarily trusted by Drover. Nothing it holds may hang the worker, crash
 * it, or make Drover edit outside the repository.
 */
import { symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { DroverError } from '../../../src/errors.js';
import { editRepository } from '../../../src/gitops/edit/index.js';
import { deployment, makeRepo, request, type Repo } from './edit/fixture.js';

const NAME = 'web-frontend-api-v2';
const OBJECT = { apiVersion: 'apps/v1', kind: 'Deployment', namespace: 'apps', name: NAME };

let repo: Repo;
afterEach(() => repo?.cleanup());

describe('kustomize target patterns from the repository', () => {
  test('a pattern built to backtrack forever does not hang the worker', async () => {
    const evil = `${'.*'.repeat(11)}X`;
    repo = makeRepo({
      'apps/web/kustomization.yaml': `resources: [deployment.yaml]\npatches:\n  - path: scale.yaml\n    target:\n      kind: Deployment\n      name: "${evil}"\n`,
      'apps/web/deployment.yaml': deployment('3', NAME),
      'apps/web/scale.yaml': '- op: replace\n  path: /spec/replicas\n  value: 4\n',
    });
    const started = Date.now();
    const result = await editRepository(repo.root, request({ object: OBJECT })).catch((e: unknown) => e);
    expect(Date.now() - started).toBeLessThan(500);
    // Either judged (it does not match: the base is edited) or refused as not evaluable; never a hang.
    if (result instanceof DroverError) expect(result.code).toBe('gitops_no_source');
    else expect((result as { lines: string[] }).lines[0]).toMatch(/deployment\.yaml/);
  });

  test('the patterns people write still select: prefix, suffix, alternatives, an escaped dot', async () => {
    for (const name of ['web-.*', '.*-v2', 'api|web-frontend-api-v2', 'web-frontend-api-v\\d', 'web-frontend-api-v2']) {
      repo = makeRepo({
        'apps/web/kustomization.yaml': `resources: [deployment.yaml]\npatches:\n  - path: scale.yaml\n    target:\n      kind: Deployment\n      name: '${name}'\n`,
        'apps/web/deployment.yaml': deployment('3', NAME),
        'apps/web/scale.yaml': '- op: replace\n  path: /spec/replicas\n  value: 4\n',
      });
      const result = await editRepository(repo.root, request({ object: OBJECT })).catch((e: unknown) => e);
      if (name.includes('\\d')) {
        // Outside the subset Drover evaluates: refused, never guessed.
        expect(result).toMatchObject({ code: 'gitops_no_source' });
      } else {
        expect((result as { lines: string[] }).lines[0]).toMatch(/^apps\/web\/scale\.yaml/);
      }
      repo.cleanup();
    }
  });
});

describe('links and paths', () => {
  test('a symlinked directory loop and a link out of the repository are not followed', async () => {
    repo = makeRepo({ 'apps/web/deployment.yaml': deployment('3') });
    symlinkSync(join(repo.root, 'apps'), join(repo.root, 'apps/web/loop'));
    symlinkSync('/etc', join(repo.root, 'apps/web/etc'));
    const result = await editRepository(repo.root, request());
    expect(result.edits.map((e) => e.file)).toEqual(['apps/web/deployment.yaml']);
  });

  test('a kustomization listing files outside the repository reads none of them', async () => {
    repo = makeRepo({
      'apps/web/kustomization.yaml': 'resources:\n  - ../../../../../../etc/passwd\n  - /etc/hostname\n  - deployment.yaml\n',
      'apps/web/deployment.yaml': deployment('3'),
    });
    const result = await editRepository(repo.root, request());
    expect(result.edits.map((e) => e.file)).toEqual(['apps/web/deployment.yaml']);
  });

  test('an alias bomb is refused, not expanded', async () => {
    const bomb = ['a: &a ["x","x","x","x","x","x","x","x","x"]', ...'bcdefghi'.split('').map((c, i) => `${c}: &${c} [${Array(9).fill(`*${'abcdefghi'[i]}`).join(',')}]`)].join('\n');
    repo = makeRepo({ 'apps/web/bomb.yaml': `${bomb}\n`, 'apps/web/deployment.yaml': deployment('3') });
    const result = await editRepository(repo.root, request());
    expect(result.edits.map((e) => e.file)).toEqual(['apps/web/deployment.yaml']);
  });
});

describe('values that try to become YAML', () => {
  test('a string with a line break, a flow map, a comment or an option-looking text is written as one quoted scalar', async () => {
    for (const value of ['5\nimage: evil', '5 # image: evil', '{image: evil}', '--upload-pack=touch /tmp/x', "5'\nimage: evil", '*alias', '&anchor x', '!!python/object x', '"5"\r\nkind: Secret']) {
      repo = makeRepo({ 'apps/web/deployment.yaml': deployment("'3'") });
      const result = await editRepository(repo.root, request({ fields: [{ path: ['spec', 'replicas'], value }] }));
      const after = result.edits[0]!.after;
      expect(after.split('\n').length).toBe(deployment("'3'").split('\n').length);
      expect(after).not.toMatch(/^image: evil|^kind: Secret/m);
      const { parse } = await import('yaml');
      expect((parse(after) as { spec: { replicas: unknown } }).spec.replicas).toBe(value);
      repo.cleanup();
    }
  });

  test('a key the live object names through its Helm annotation cannot break out either', async () => {
    repo = makeRepo({ 'charts/web/values.yaml': 'replicaCount: 2\n' });
    const values = { type: 'helm-values' as const, valueFiles: ['values.yaml'] };
    for (const annotation of ['a\nb: evil.c', '__proto__.polluted', 'constructor.prototype.x']) {
      const result = await editRepository(repo.root, request({ path: 'charts/web', source: values, annotations: { 'drover.dev/values.spec.replicas': annotation } })).catch((e: unknown) => e);
      if (result instanceof DroverError) continue;
      const after = (result as { edits: Array<{ after: string }> }).edits[0]!.after;
      const { parse } = await import('yaml');
      expect(Object.keys(parse(after) as object).sort()).toEqual(expect.arrayContaining(['replicaCount']));
      expect(({} as Record<string, unknown>).polluted).toBeUndefined();
      expect(after).not.toMatch(/^b: evil/m);
    }
  });
});

describe('file names', () => {
  test('a manifest whose name holds a line break or a bidirectional control is not a file Drover edits (it would show people another path)', async () => {
    for (const name of ['apps/web/a\n+++ b/apps/prod/d.yaml', 'apps/web/\u202Elmay.d']) {
      repo = makeRepo({ [`${name}.yaml`]: deployment('3') });
      await expect(editRepository(repo.root, request())).rejects.toMatchObject({ code: 'gitops_no_source' });
      repo.write({ 'apps/web/kustomization.yaml': `resources:\n  - ${JSON.stringify(name.slice('apps/web/'.length) + '.yaml')}\n` });
      await expect(editRepository(repo.root, request())).rejects.toMatchObject({ code: 'gitops_no_source' });
      repo.cleanup();
    }
  });
});
