/**
 * ctx.k8s job operations against the fake: the job itself, and its pods
 * whichever job-name label the cluster put on them.
 */
import { createK8sOps } from '../../../src/k8s/ops.js';
import type { K8sOps } from '../../../src/k8s/types.js';
import { startK8sFake, type K8sFake } from '../../../src/testing/index.js';
import { job, jobPod } from './alert-fixtures.js';
import { namespace } from './fake-helpers.js';

let fake: K8sFake;

beforeAll(async () => {
  fake = await startK8sFake();
  fake.seed(
    namespace('demo'),
    job('nightly-report'),
    job('backup'),
    jobPod('nightly-report-new01', 'nightly-report', 'new', '2025-01-01T00:03:00Z'),
    jobPod('nightly-report-old01', 'nightly-report', 'legacy', '2025-01-01T00:01:00Z'),
    jobPod('nightly-report-both1', 'nightly-report', 'both', '2025-01-01T00:02:00Z'),
    jobPod('backup-both1', 'backup', 'both', '2025-01-01T00:00:00Z'),
  );
});

afterAll(async () => {
  await fake.stop();
});

const ops = (): K8sOps => createK8sOps({ cluster: 'test', kubeConfig: fake.kubeConfig(), dryRun: false });

test('getJob returns the batch/v1 Job', async () => {
  const nightly = await ops().getJob('demo', 'nightly-report');
  expect(nightly.status?.conditions?.[0]).toMatchObject({ type: 'Failed', reason: 'BackoffLimitExceeded' });
  await expect(ops().getJob('demo', 'nope')).rejects.toMatchObject({ code: 'k8s_not_found', message: 'cluster "test": jobs.batch "nope" not found' });
});

test("listJobPods finds the job's pods by either label, each once, oldest first", async () => {
  fake.clearRequests();
  const pods = await ops().listJobPods('demo', 'nightly-report');
  expect(pods.map((p) => p.metadata?.name)).toEqual(['nightly-report-old01', 'nightly-report-both1', 'nightly-report-new01']);
  expect(fake.requests.map((r) => r.query.labelSelector).sort()).toEqual(['batch.kubernetes.io/job-name=nightly-report', 'job-name=nightly-report']);
});

test('a job without pods has none', async () => {
  expect(await ops().listJobPods('demo', 'cleanup')).toEqual([]);
});
