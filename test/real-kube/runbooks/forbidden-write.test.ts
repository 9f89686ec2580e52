/**
 * A run whose Kubernetes identity may read but not write (Drover
 * impersonating the requester, as `clusters.impersonation` configures): the
 * reads pass, the change is refused by the cluster's RBAC, and the run fails
 * as k8s_forbidden with the server's own words, in a dry run too, since the
 * server authorizes a dry-run write as a write. Nothing is written.
 */
import { freshNamespace, useRealKube } from '../support.js';
import { CASES } from './cases/index.js';
import { baseline, expectNothingWritten } from './checks.js';
import { drive, REQUESTER, useDrover } from './drive.js';
import { kubeRequest } from './kube-read.js';
import { grantReadOnly, Seeder } from './seed.js';

const kube = useRealKube();
const READER = 'alice@example.com';
const WRITERS = CASES.map((c) => [c.runbook, c] as const);

describe('runs whose identity may read but not write, on a real kube-apiserver', () => {
  beforeAll(() => grantReadOnly(kube(), READER));
  const drover = useDrover(kube, {
    configure: (c) => {
      c.clusters.impersonation = { test: { users: { [REQUESTER.id]: { user: READER, groups: [] } } } };
    },
  });

  it.each(WRITERS)('%s: a reader\'s write fails as k8s_forbidden with the server\'s words (a read-only runbook runs)', async (runbook, c) => {
    const s = new Seeder(kube(), await freshNamespace(kube(), 'readonly'));
    const scenario = await c.seed(s);
    if (!scenario.write) {
      // A read-only runbook: a reader runs it to the end.
      const { run } = await drive(drover(), runbook, scenario.params, { dryRun: false });
      expect(run.state).toBe('succeeded');
      return;
    }
    // The same write, as the reader, refused by authorization before anything happens (and a dry run besides).
    const { method, path } = scenario.write;
    const server = await kubeRequest(kube(), method, method === 'DELETE' ? path : `${path}?dryRun=All`, {
      headers: { 'Impersonate-User': READER, 'Content-Type': method === 'DELETE' ? 'application/json' : 'application/merge-patch+json' },
      body: method === 'DELETE' ? { dryRun: ['All'] } : {},
    });
    expect(server.status).toBe(403);
    const base = await baseline(kube(), s.namespace);
    for (const dryRun of [true, false]) {
      const { run } = await drive(drover(), runbook, scenario.params, { dryRun });
      expect(run).toMatchObject({ state: 'failed', error: { code: 'k8s_forbidden' } });
      expect(run.error?.message).toContain(`cluster "test": ${String(server.body.message)}`);
    }
    await expectNothingWritten(kube(), s.namespace, base, 'after the forbidden writes');
  }, 90_000);
});
