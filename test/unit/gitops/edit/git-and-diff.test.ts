import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { editRepository, renderDiff } from '../../../../src/gitops/edit/index.js';
import { git as runGit } from '../../../support/git-repo.js';
import { deployment, makeRepo, request, type Repo } from './fixture.js';

function git(cwd: string, ...args: string[]): string {
  return runGit(cwd, '-c', 'core.autocrlf=false', ...args);
}

/** `git diff` without the blob line and the function context git adds after a hunk header. */
function gitPlan(diff: string): string {
  return diff.replace(/^index [^\n]*\n/m, '').replace(/^(@@ [^@]+ @@).*$/gm, '$1');
}

describe('editRepository with real git', () => {
  let repo: Repo;
  beforeEach(() => {
    repo = makeRepo();
    git(repo.root, 'init', '-q', '-b', 'main');
  });
  afterEach(() => repo.cleanup());

  async function editAndDiff(files: Record<string, string>, req = request()): Promise<{ numstat: string; diff: string; plan: string }> {
    repo.write(files);
    git(repo.root, 'add', '.');
    git(repo.root, 'commit', '-q', '-m', 'fixture');
    const result = await editRepository(repo.root, req);
    for (const e of result.edits) writeFileSync(join(repo.root, e.file), e.after);
    return { numstat: git(repo.root, 'diff', '--numstat'), diff: git(repo.root, 'diff'), plan: renderDiff(result.edits) };
  }

  it('a plain manifest: git sees exactly one line changed, and the plan is git diff', async () => {
    const { numstat, diff, plan } = await editAndDiff({
      'apps/web/deployment.yaml': `# web\n${deployment('3')}`,
      'apps/web/service.yaml': 'apiVersion: v1\nkind: Service\nmetadata: {name: web}\n',
    });
    expect(numstat).toBe('1\t1\tapps/web/deployment.yaml');
    expect(plan.trimEnd()).toBe(gitPlan(diff));
    expect(plan).toContain('--- a/apps/web/deployment.yaml\n+++ b/apps/web/deployment.yaml\n@@ -4,7 +4,7 @@');
    expect(plan).toContain('-  replicas: 3\n+  replicas: 5\n');
  });

  it('CRLF, no final newline, an inline kustomize patch: still one line', async () => {
    const k = 'resources: [d.yaml]\r\npatches:\r\n  - target: {kind: Deployment, name: web}\r\n    patch: |-\r\n      - op: replace\r\n        path: /spec/replicas\r\n        value: 2';
    const { numstat, diff, plan } = await editAndDiff({ 'apps/web/kustomization.yaml': k, 'apps/web/d.yaml': deployment('1') });
    expect(numstat).toBe('1\t1\tapps/web/kustomization.yaml');
    expect(plan.trimEnd()).toBe(gitPlan(diff));
    expect(plan).toContain('\\ No newline at end of file');
  });

  it('an insertion adds one line', async () => {
    const { numstat } = await editAndDiff({ 'apps/web/d.yaml': deployment(undefined) });
    expect(numstat).toBe('1\t0\tapps/web/d.yaml');
  });
});

describe('renderDiff', () => {
  it('renders nothing for no edits, and one section per file', () => {
    expect(renderDiff([])).toBe('');
    const text = renderDiff([
      { file: 'a.yaml', before: 'x: 1\n', after: 'x: 2\n' },
      { file: 'same.yaml', before: 'y: 1\n', after: 'y: 1\n' },
      { file: 'b/c.yaml', before: 'a\nb\nc\nd\ne\nf\ng\nh\n', after: 'a\nb\nc\nd\nE\nf\ng\nh\n' },
    ]);
    expect(text).toBe(
      'diff --git a/a.yaml b/a.yaml\n--- a/a.yaml\n+++ b/a.yaml\n@@ -1 +1 @@\n-x: 1\n+x: 2\n' +
        'diff --git a/b/c.yaml b/b/c.yaml\n--- a/b/c.yaml\n+++ b/b/c.yaml\n@@ -2,7 +2,7 @@\n b\n c\n d\n-e\n+E\n f\n g\n h\n',
    );
  });
});
