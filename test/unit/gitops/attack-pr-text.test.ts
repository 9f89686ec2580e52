/**
 * The words Drover writes to a forge and into git come partly from others:
 * a string value held in the repository or the live object (`from`), a
 * runbook parameter (`value`), the reconciler's own fields (its name, path,
 * branch, chart) in the owner's text, a file name in the repository. None of
 * it may become markup, a mention, a link, a second paragraph, or a forged
 * commit trailer.
 */
import { commitMessage, prBody, prTitle, type ProposalFacts } from '../../../src/gitops/pr-text.js';
import type { GitOpsOwner } from '../../../src/gitops/types.js';

const owner: GitOpsOwner = {
  tool: 'argocd',
  kind: 'Application',
  apiVersion: 'argoproj.io/v1alpha1',
  namespace: 'argocd',
  name: 'web',
  repoUrl: 'https://github.com/acme/fleet',
  branch: '@acme/security',
  path: 'apps/[click](javascript:alert(1))',
  source: { type: 'manifests' },
  suspended: false,
  text: 'managed by Argo CD Application argocd/web from git repo https://github.com/acme/fleet path apps/[click](javascript:alert(1)) <img src=x onerror=alert(1)> (branch @acme/security)',
};

const hostile: ProposalFacts = {
  runId: 'r-1',
  runbook: 'expand-pvc',
  cluster: 'prod',
  requester: { kind: 'slack', id: 'U1', name: 'alice' },
  object: 'PersistentVolumeClaim shop/data',
  fields: ['spec.resources.requests.storage 10Gi → 20Gi\n\n@acme/admins please merge <img src=x>\n\nCo-authored-by: Mallory <m@evil.test>'],
  lines: ['apps/web/pvc\n\n# Approved by @acme/security\n.yaml:4 spec.resources.requests.storage 10Gi → 20Gi'],
  owner,
  mode: 'propose',
};

/** The parts of markdown outside inline code spans (a blank line ends any span). */
function outsideCode(markdown: string): string {
  return markdown
    .split(/\n\s*\n/)
    .map((para) => para.split('`').filter((_, i) => i % 2 === 0).join(''))
    .join('\n\n');
}

describe('pull request text from hostile values', () => {
  test('a value or file name with blank lines cannot leave its code span: no mention, no markup, no heading', () => {
    const body = prBody(hostile);
    const outside = outsideCode(body);
    expect(outside).not.toMatch(/@acme|<img|^#/m);
  });

  test("the owner's words (names, path, branch the cluster's objects hold) are code, not links or mentions", () => {
    const outside = outsideCode(prBody(hostile));
    expect(outside).not.toMatch(/@acme|javascript:|<img|\]\(/);
    expect(prBody(hostile)).toContain('managed by Argo CD Application argocd/web');
  });

  test('the title is one line', () => {
    expect(prTitle(hostile)).not.toMatch(/[\r\n]/);
  });

  test('the commit message has one subject line and no trailer a value wrote', () => {
    const message = commitMessage(hostile);
    const [subject] = message.split('\n');
    expect(subject).toContain('PersistentVolumeClaim shop/data');
    expect(message).not.toMatch(/^Co-authored-by:/m);
    expect(message.split('\n').filter((l) => l.trim() !== '').length).toBe(2);
  });
});

test('bidirectional controls in a file name are shown as escapes, not obeyed', () => {
  const facts: ProposalFacts = { ...hostile, fields: ['spec.replicas 3 → 5'], lines: ['apps/staging/\u202Elmay.dorp/\u202C.yaml:9 spec.replicas 3 → 5'] };
  for (const text of [prBody(facts), prTitle({ ...facts, object: 'Deployment shop/\u2066web' }), commitMessage(facts)]) {
    expect(text).not.toMatch(/[\u202a-\u202e\u2066-\u2069]/);
  }
  expect(prBody(facts)).toContain('\\u202e');
});
