/**
 * K8sOps failures against the fake: every API answer and network failure
 * comes back as the right DroverError, with the API server's message.
 */
import { AppsV1Api } from '@kubernetes/client-node';
import { DroverError } from '../../../src/errors.js';
import { ApiCaller } from '../../../src/k8s/api-caller.js';
import { createK8sOps } from '../../../src/k8s/ops.js';
import type { K8sHooks, K8sOps, MutationRecord } from '../../../src/k8s/types.js';
import { startK8sFake, type K8sFake } from '../../../src/testing/index.js';
import { deployment, field, namespace } from './fake-helpers.js';

let fake: K8sFake;
let calls: number[];
let mutations: MutationRecord[];
let hooks: K8sHooks;

beforeEach(async () => {
  fake = await startK8sFake({ token: 'good' });
  fake.seed(namespace('prod'), deployment('web', { namespace: 'prod', replicas: 3 }));
  calls = [];
  mutations = [];
  hooks = { onApiCall: (c) => calls.push(c.code), onMutation: (r) => void mutations.push(r) };
});

afterEach(async () => {
  await fake.stop();
});

function ops(options: { token?: string; requestTimeoutMs?: number } = {}): K8sOps {
  return createK8sOps({
    cluster: 'prod',
    kubeConfig: fake.kubeConfig(options.token ? { token: options.token } : {}),
    dryRun: false,
    hooks,
    ...(options.requestTimeoutMs ? { requestTimeoutMs: options.requestTimeoutMs } : {}),
  });
}

async function rejection(promise: Promise<unknown>): Promise<DroverError> {
  const err = await promise.then(
    () => {
      throw new Error('expected a rejection');
    },
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(DroverError);
  return err as DroverError;
}

test('404 → k8s_not_found, not retryable, Status message and object in details', async () => {
  const err = await rejection(ops().getDeployment('prod', 'nope'));
  expect(err).toMatchObject({ code: 'k8s_not_found', retryable: false, message: 'cluster "prod": deployments.apps "nope" not found' });
  expect(err.details).toMatchObject({ status: 404, reason: 'NotFound', verb: 'get', kind: 'Deployment', namespace: 'prod', name: 'nope' });
});

test('403 → k8s_forbidden, not retryable, and the failed mutation is reported', async () => {
  fake.forbid({ verb: 'patch', resource: 'deployments/scale', namespace: 'prod' });
  const err = await rejection(ops().scaleDeployment('prod', 'web', 5));
  expect(err).toMatchObject({ code: 'k8s_forbidden', retryable: false });
  expect(err.message).toBe(
    'cluster "prod": deployments.apps "web" is forbidden: User "system:serviceaccount:drover:drover" cannot patch resource "deployments/scale" in API group "apps" in the namespace "prod"',
  );
  expect(mutations).toEqual([
    { cluster: 'prod', verb: 'patch', kind: 'Deployment/scale', namespace: 'prod', name: 'web', dryRun: false, outcome: 'failed', status: 403, errorCode: 'k8s_forbidden' },
  ]);
});

test('422 → k8s_invalid with the causes; nothing changed', async () => {
  const err = await rejection(ops().scaleDeployment('prod', 'web', -1));
  expect(err).toMatchObject({ code: 'k8s_invalid', retryable: false });
  expect(err.message).toContain('Scale.autoscaling "web" is invalid: spec.replicas: Invalid value: -1');
  expect(err.details.causes).toEqual([expect.objectContaining({ field: 'spec.replicas' })]);
  expect(field(fake.get('deployments', 'prod', 'web'), 'spec', 'replicas')).toBe(3);
});

test('a failNext 409 is k8s_conflict (retryable); the retry then succeeds', async () => {
  fake.failNext({ method: 'PATCH', pathIncludes: '/scale', status: 409 });
  const err = await rejection(ops().scaleDeployment('prod', 'web', 4));
  expect(err).toMatchObject({ code: 'k8s_conflict', retryable: true });
  expect(err.message).toContain('the object has been modified');
  const change = await ops().scaleDeployment('prod', 'web', 4);
  expect(change.summary).toBe('scale Deployment prod/web: replicas 3 → 4');
  expect(mutations.map((m) => m.outcome)).toEqual(['failed', 'succeeded']);
});

test('415 from a wrong patch content type → k8s_unsupported (real client, raw answer)', async () => {
  const caller = new ApiCaller({ cluster: 'prod', hooks });
  const apps = fake.kubeConfig().makeApiClient(AppsV1Api);
  const err = await rejection(
    caller.call(
      { verb: 'patch', resource: 'deployments', kind: 'Deployment', namespace: 'prod', name: 'web' },
      (o) => apps.patchNamespacedDeploymentWithHttpInfo({ name: 'web', namespace: 'prod', body: { spec: { replicas: 1 } } }, o),
      'application/json',
    ),
  );
  expect(err).toMatchObject({ code: 'k8s_unsupported', retryable: false });
  expect(err.message).toContain('the body of the request was in an unknown format');
  expect(fake.requests.at(-1)?.contentType).toBe('application/json');
  expect(calls.at(-1)).toBe(415);
});

test('401 → k8s_unauthorized with a hint about the kubeconfig', async () => {
  const err = await rejection(ops({ token: 'stale' }).listDeployments('prod'));
  expect(err).toMatchObject({ code: 'k8s_unauthorized', retryable: false });
  expect(err.message).toMatch(/^cluster "prod": the API server rejected Drover's credentials/);
  expect(calls).toEqual([401]);
});

test('429 → k8s_throttled, retryable, Retry-After seconds kept; 500 → k8s_server_error, retryable', async () => {
  fake.failNext({ status: 429, retryAfterSeconds: 9 });
  const throttled = await rejection(ops().getScale('prod', 'web'));
  expect(throttled).toMatchObject({ code: 'k8s_throttled', retryable: true });
  expect(throttled.details.retryAfterSeconds).toBe(9);
  fake.failNext({ status: 503 });
  const unavailable = await rejection(ops().getScale('prod', 'web'));
  expect(unavailable).toMatchObject({ code: 'k8s_server_error', retryable: true });
});

test('a dropped connection → cluster_unreachable naming the cluster; onApiCall gets code 0', async () => {
  fake.failNext({ drop: true });
  const err = await rejection(ops().getDeployment('prod', 'web'));
  expect(err).toMatchObject({ code: 'cluster_unreachable', retryable: true });
  expect(err.message).toMatch(/^cluster "prod" is unreachable \(ECONNRESET\): /);
  expect(calls).toEqual([0]);
});

test('a stopped server → cluster_unreachable (ECONNREFUSED)', async () => {
  const k8s = ops();
  await fake.stop();
  const err = await rejection(k8s.listNodes());
  expect(err.code).toBe('cluster_unreachable');
  expect(err.message).toMatch(/^cluster "prod" is unreachable \(ECONNREFUSED\): /);
  fake = await startK8sFake();
});

test('a hung API server times out per request instead of hanging the run', async () => {
  fake.failNext({ delayMs: 2000 });
  const started = Date.now();
  const err = await rejection(ops({ requestTimeoutMs: 150 }).getDeployment('prod', 'web'));
  expect(Date.now() - started).toBeLessThan(1500);
  expect(err).toMatchObject({ code: 'cluster_unreachable', retryable: true });
  expect(err.message).toBe('cluster "prod" is unreachable (timeout): no answer to get deployments prod/web within 150 ms');
});

describe('a mutation that got no answer is reported with outcome unknown, not failed', () => {
  test('the connection cut while the PATCH was on its way', async () => {
    fake.failNext({ method: 'PATCH', drop: true });
    await rejection(ops().scaleDeployment('prod', 'web', 4));
    expect(mutations).toEqual([expect.objectContaining({ verb: 'patch', outcome: 'unknown', errorCode: 'cluster_unreachable' })]);
  });

  test('no answer within the request timeout (the server may still apply it)', async () => {
    fake.failNext({ method: 'PATCH', delayMs: 1000 });
    await rejection(ops({ requestTimeoutMs: 150 }).scaleDeployment('prod', 'web', 4));
    expect(mutations).toEqual([expect.objectContaining({ outcome: 'unknown', errorCode: 'cluster_unreachable' })]);
  });

  test('a refused connection was never sent: failed', async () => {
    const k8s = ops();
    await fake.stop();
    await rejection(k8s.scaleDeployment('prod', 'web', 4));
    expect(mutations).toEqual([expect.objectContaining({ outcome: 'failed', errorCode: 'cluster_unreachable' })]);
    fake = await startK8sFake();
  });
});
