/**
 * The small pieces of the GitOps flow: which mode wins (policy, runbook per
 * cluster, runbook, refuse; direct only from the policy), repository URLs
 * compared by meaning, fields read and written as paths, and the words of a
 * pull request that hostile names cannot break out of.
 */
import fc from 'fast-check';
import { decideGitOpsMode } from '../../../src/gitops/mode.js';
import { repoKey } from '../../../src/gitops/repo-url.js';
import { safeRepoUrl } from '../../../src/gitops/owner/repo-url.js';
import { dotted, fieldLine, holds, jsonPatchFields, mergePatchFields, readField } from '../../../src/gitops/field-path.js';
import { branchFor, prBody, prTitle } from '../../../src/gitops/pr-text.js';
import { createPolicy } from '../../../src/policy/index.js';
import { policySchema } from '../../../src/policy/schema.js';
import type { GitOpsOwner } from '../../../src/gitops/types.js';

const policy = (gitops: unknown[]) => createPolicy(policySchema.parse({ rules: [], gitops }), { defaultTimeoutMs: 60_000 });

describe('decideGitOpsMode', () => {
  const runbook = { id: 'scale-deployment', gitops: { mode: 'propose' as const, clusters: { dev: 'suspend' as const, lab: 'direct' as const } } };

  it('the policy wins, first matching entry', () => {
    const p = policy([
      { runbooks: ['restart-*'], mode: 'direct' },
      { clusters: ['prod-*'], namespaces: ['shop'], mode: 'refuse' },
      { mode: 'suspend' },
    ]);
    expect(decideGitOpsMode(runbook, { cluster: 'prod-eu', namespace: 'shop' }, p)).toEqual({ mode: 'refuse', from: 'policy gitops[1]' });
    expect(decideGitOpsMode(runbook, { cluster: 'prod-eu', namespace: 'web' }, p)).toEqual({ mode: 'suspend', from: 'policy gitops[2]' });
  });

  it('then the runbook, per cluster, then its default; no entry and no runbook mode refuses', () => {
    expect(decideGitOpsMode(runbook, { cluster: 'dev' }, policy([])).mode).toBe('suspend');
    expect(decideGitOpsMode(runbook, { cluster: 'prod' }, policy([])).mode).toBe('propose');
    expect(decideGitOpsMode({ id: 'x' }, { cluster: 'prod' }, policy([]))).toMatchObject({ mode: 'refuse' });
    expect(decideGitOpsMode({ id: 'x' }, { cluster: 'prod' })).toMatchObject({ mode: 'refuse' });
  });

  it('a runbook cannot give itself direct; a policy entry can', () => {
    expect(decideGitOpsMode(runbook, { cluster: 'lab' }, policy([]))).toMatchObject({ mode: 'refuse', from: expect.stringContaining('only a policy') as string });
    expect(decideGitOpsMode(runbook, { cluster: 'lab' }, policy([{ clusters: ['lab'], mode: 'direct' }])).mode).toBe('direct');
  });

  it('a cluster named like an object prototype key is just a name', () => {
    expect(decideGitOpsMode(runbook, { cluster: 'constructor' }, policy([])).mode).toBe('propose');
    expect(decideGitOpsMode(runbook, { cluster: '__proto__' }, policy([])).mode).toBe('propose');
  });

  it('the policy file rejects an unknown mode', () => {
    expect(() => policySchema.parse({ rules: [], gitops: [{ mode: 'yolo' }] })).toThrow();
  });
});

describe('repository URLs', () => {
  it('one repository however it is spelled', () => {
    const key = 'github.com/acme/fleet';
    for (const url of ['https://github.com/acme/fleet', 'https://github.com/Acme/Fleet.git', 'https://github.com/acme/fleet/', 'ssh://git@github.com/acme/fleet.git', 'git@github.com:acme/fleet.git', 'https://user:pw@github.com/acme/fleet']) {
      expect(repoKey(url)).toBe(key);
    }
    expect(repoKey('https://github.com/acme/fleet-infra')).not.toBe(key);
    expect(repoKey('https://gitlab.com/acme/fleet')).not.toBe(key);
    expect(repoKey('not a url')).toBeUndefined();
  });

  it('shown without credentials', () => {
    expect(safeRepoUrl('https://user:s3cret@github.com/acme/fleet?token=abc')).toBe('https://github.com/acme/fleet');
    fc.assert(
      fc.property(fc.string({ minLength: 1, maxLength: 20 }).filter((s) => /^[A-Za-z0-9]+$/.test(s)), (secret) => !(safeRepoUrl(`https://x:${secret}zz@host.example/r`) ?? '').includes(`${secret}zz`)),
    );
  });
});

describe('field paths', () => {
  it('reads, shows and compares fields', () => {
    const obj = { spec: { replicas: 3, template: { spec: { containers: [{ name: 'a' }] } } } };
    expect(readField(obj, ['spec', 'replicas'])).toBe(3);
    expect(readField(obj, ['spec', 'template', 'spec', 'containers', 0, 'name'])).toBe('a');
    expect(readField(obj, ['spec', 'nope', 'deeper'])).toBeUndefined();
    expect(dotted(['spec', 'containers', 0, 'image'])).toBe('spec.containers[0].image');
    expect(fieldLine({ path: ['spec', 'replicas'], value: 5, from: 3 })).toBe('spec.replicas 3 → 5');
    expect(holds(obj, { path: ['spec', 'replicas'], value: 3 })).toBe(true);
    expect(holds(obj, { path: ['spec', 'replicas'], value: '3' })).toBe(false);
  });

  it('a merge patch of plain values is fields; a delete or a list is not', () => {
    expect(mergePatchFields({ spec: { replicas: 2, paused: false } })).toEqual([
      { path: ['spec', 'replicas'], value: 2 },
      { path: ['spec', 'paused'], value: false },
    ]);
    expect(mergePatchFields({ spec: { replicas: null } })).toBeUndefined();
    expect(mergePatchFields({ spec: { ports: [80] } })).toBeUndefined();
  });

  it('a JSON patch of replace/add on scalars is fields', () => {
    expect(jsonPatchFields([{ op: 'replace', path: '/spec/replicas', value: 4 }])).toEqual([{ path: ['spec', 'replicas'], value: 4 }]);
    expect(jsonPatchFields([{ op: 'replace', path: '/metadata/annotations/a~1b', value: 'x' }])).toEqual([{ path: ['metadata', 'annotations', 'a/b'], value: 'x' }]);
    expect(jsonPatchFields([{ op: 'remove', path: '/spec/replicas' }])).toBeUndefined();
    expect(jsonPatchFields([{ op: 'add', path: '/spec/containers/-', value: 1 }])).toBeUndefined();
    expect(jsonPatchFields([{ op: 'replace', path: '/spec', value: { a: 1 } }])).toBeUndefined();
  });
});

describe('pull request words', () => {
  const owner: GitOpsOwner = {
    tool: 'flux',
    kind: 'Kustomization',
    apiVersion: 'kustomize.toolkit.fluxcd.io/v1',
    namespace: 'flux-system',
    name: 'apps',
    repoUrl: 'https://github.com/acme/fleet',
    path: 'apps/web',
    source: { type: 'manifests' },
    suspended: false,
    text: 'managed by Flux Kustomization flux-system/apps',
  };
  const facts = {
    runId: 'r-1',
    runbook: 'scale-deployment',
    cluster: 'prod',
    requester: { kind: 'slack' as const, id: 'U1', name: 'alice` <img src=x> @everyone' },
    object: 'Deployment shop/web',
    fields: ['spec.replicas 3 → 5'],
    lines: ['apps/web/deployment.yaml:9 spec.replicas 3 → 5'],
    owner,
    mode: 'propose' as const,
  };

  it('branches are stable per change and valid ref names whatever the run id', () => {
    expect(branchFor('r-1', 'Deployment/shop/web:spec.replicas')).toBe(branchFor('r-1', 'Deployment/shop/web:spec.replicas'));
    expect(branchFor('r-1', 'a')).not.toBe(branchFor('r-1', 'b'));
    fc.assert(fc.property(fc.string(), fc.string(), (id, key) => /^drover\/[A-Za-z0-9_-]+-[0-9a-f]{8}$/.test(branchFor(id, key))));
  });

  it('the body names the run, the requester, the change, the owner and what merging means', () => {
    const body = prBody(facts);
    expect(body).toContain('`r-1`');
    expect(body).toContain('managed by Flux Kustomization flux-system/apps');
    expect(body).toContain('`apps/web/deployment.yaml:9 spec.replicas 3 → 5`');
    expect(body).toContain('Nothing changes in the cluster until this is merged');
    expect(prTitle(facts)).toBe('drover: Deployment shop/web spec.replicas 3 → 5');
  });

  it('a hostile requester name is shown as code, not markup or a mention', () => {
    const body = prBody(facts);
    expect(body).toContain("Slack user `alice' <img src=x> @everyone (U1)`");
    expect(body.split('`').filter((_, i) => i % 2 === 0).join('')).not.toMatch(/@everyone|<img/);
  });
});
