/**
 * Errors on the real server, for every shipped runbook: an object that does
 * not exist fails as k8s_not_found, and a cluster whose credentials may not
 * read it fails as k8s_forbidden, each with the API server's own message
 * (read independently with the same request), and nothing is written.
 */
import { TOKENS } from '../cluster.js';
import { freshNamespace, useRealKube } from '../support.js';
import { CASES } from './cases/index.js';
import { baseline, expectNothingWritten } from './checks.js';
import { drive, useDrover } from './drive.js';
import { kubeGet } from './kube-read.js';
import { Seeder } from './seed.js';

const kube = useRealKube();
const EACH = CASES.map((c) => [c.runbook, c] as const);

describe('runbook errors on a real kube-apiserver', () => {
  const admin = useDrover(kube);
  const nobody = useDrover(kube, { token: TOKENS.nobody });

  it.each(EACH)('%s: a missing object fails as k8s_not_found with the server\'s message', async (runbook, c) => {
    const namespace = await freshNamespace(kube(), 'missing');
    const { params, path } = c.missing(namespace);
    const server = await kubeGet(kube(), path);
    expect(server.status).toBe(404);
    const base = await baseline(kube(), namespace);
    const { run } = await drive(admin(), runbook, params, { dryRun: false });
    expect(run).toMatchObject({ state: 'failed', error: { code: 'k8s_not_found' } });
    expect(run.error?.message).toContain(`cluster "test": ${String(server.body.message)}`);
    await expectNothingWritten(kube(), namespace, base, 'after the 404');
  }, 60_000);

  it.each(EACH)('%s: credentials without RBAC fail as k8s_forbidden with the server\'s words', async (runbook, c) => {
    const s = new Seeder(kube(), await freshNamespace(kube(), 'denied'));
    const scenario = await c.seed(s);
    const server = await kubeGet(kube(), scenario.firstRead, TOKENS.nobody);
    expect(server.status).toBe(403);
    const base = await baseline(kube(), s.namespace);
    const { run } = await drive(nobody(), runbook, scenario.params, { dryRun: false });
    expect(run).toMatchObject({ state: 'failed', error: { code: 'k8s_forbidden' } });
    expect(run.error?.message).toContain(`cluster "test": ${String(server.body.message)}`);
    await expectNothingWritten(kube(), s.namespace, base, 'after the 403');
  }, 60_000);
});
