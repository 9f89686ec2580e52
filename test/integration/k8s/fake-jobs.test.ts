/**
 * Jobs (batch/v1) on the fake, through the real client: get, list, the
 * server's Job defaults and field selectors, and finding a job's pods by label.
 */
import { BatchV1Api, CoreV1Api } from '@kubernetes/client-node';
import { startK8sFake, type K8sFake } from '../../../src/testing/index.js';
import { job, jobPod } from './alert-fixtures.js';
import { failure, namespace, raw } from './fake-helpers.js';

let fake: K8sFake;
let batch: BatchV1Api;
let core: CoreV1Api;

beforeAll(async () => {
  fake = await startK8sFake();
  fake.seed(
    namespace('demo'),
    job('nightly-report'),
    { ...job('backup'), status: { succeeded: 1 } },
    jobPod('nightly-report-a1b2c', 'nightly-report', 'both', '2025-01-01T00:00:00Z'),
    jobPod('backup-d3f4g', 'backup', 'both', '2025-01-01T00:00:00Z'),
  );
  batch = fake.kubeConfig().makeApiClient(BatchV1Api);
  core = fake.kubeConfig().makeApiClient(CoreV1Api);
});

afterAll(async () => {
  await fake.stop();
});

test('get returns the job with the server defaults; list per namespace', async () => {
  const nightly = await batch.readNamespacedJob({ name: 'nightly-report', namespace: 'demo' });
  expect(nightly.apiVersion).toBe('batch/v1');
  expect(nightly.spec).toMatchObject({ backoffLimit: 0, completions: 1, parallelism: 1, completionMode: 'NonIndexed', suspend: false });
  expect(nightly.status?.conditions?.[0]).toMatchObject({ type: 'Failed', reason: 'BackoffLimitExceeded' });
  expect((await batch.listNamespacedJob({ namespace: 'demo' })).items.map((j) => j.metadata?.name)).toEqual(['backup', 'nightly-report']);
});

test('field selectors: status.successful is supported, others are worded as batch/v1 words them', async () => {
  const done = await batch.listNamespacedJob({ namespace: 'demo', fieldSelector: 'status.successful=1' });
  expect(done.items.map((j) => j.metadata?.name)).toEqual(['backup']);
  const { code, status } = await failure(batch.listNamespacedJob({ namespace: 'demo', fieldSelector: 'status.failed=1' }));
  expect(code).toBe(400);
  expect(status.message).toContain('field label "status.failed" not supported for batchv1.Job');
});

test("a job's pods are found by its job-name label", async () => {
  const pods = await core.listNamespacedPod({ namespace: 'demo', labelSelector: 'batch.kubernetes.io/job-name=nightly-report' });
  expect(pods.items.map((p) => p.metadata?.name)).toEqual(['nightly-report-a1b2c']);
});

test('batch/v1 is discoverable; a job can be created, as on a real server', async () => {
  expect((await raw(fake, 'GET', '/apis')).json.groups).toEqual(
    expect.arrayContaining([expect.objectContaining({ name: 'batch' }), expect.objectContaining({ name: 'storage.k8s.io' })]),
  );
  const created = await raw(fake, 'POST', '/apis/batch/v1/namespaces/demo/jobs', { body: job('again'), contentType: 'application/json' });
  expect(created.status).toBe(201);
  expect((await failure(batch.readNamespacedJob({ name: 'nope', namespace: 'demo' }))).status.message).toBe('jobs.batch "nope" not found');
});
