import { ApiException, FetchError } from '@kubernetes/client-node';
import { DroverError } from '../../../src/errors.js';
import { groupVersionOf, statusOf, toDroverError, type FailureContext } from '../../../src/k8s/api-errors.js';

const ctx: FailureContext = {
  cluster: 'prod',
  verb: 'patch',
  resource: 'deployments/scale',
  kind: 'Scale',
  namespace: 'shop',
  name: 'web',
  timeoutMs: 30000,
  timedOut: false,
};

function status(code: number, reason: string, message: string, details?: object): string {
  return JSON.stringify({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason, ...(details ? { details } : {}), code });
}

describe('toDroverError: API server answers', () => {
  test.each([
    [403, 'Forbidden', 'k8s_forbidden', false],
    [404, 'NotFound', 'k8s_not_found', false],
    [409, 'Conflict', 'k8s_conflict', true],
    [422, 'Invalid', 'k8s_invalid', false],
    [400, 'BadRequest', 'k8s_invalid', false],
    [415, 'UnsupportedMediaType', 'k8s_unsupported', false],
    [429, 'TooManyRequests', 'k8s_throttled', true],
    [500, 'InternalError', 'k8s_server_error', true],
    [503, 'ServiceUnavailable', 'k8s_server_error', true],
  ])('%i %s → %s (retryable %s), Status message kept', (code, reason, expected, retryable) => {
    const err = toDroverError(new ApiException(code, 'Unknown API Status Code!', status(code, reason, `the server said ${code}`), {}), ctx);
    expect(err).toBeInstanceOf(DroverError);
    expect(err.code).toBe(expected);
    expect(err.retryable).toBe(retryable);
    expect(err.message).toBe(`cluster "prod": the server said ${code}`);
    expect(err.details).toMatchObject({ cluster: 'prod', status: code, reason, verb: 'patch', kind: 'Scale', namespace: 'shop', name: 'web' });
  });

  test('401 has no body from the client: the message says what to check', () => {
    const err = toDroverError(new ApiException(401, 'Unauthorized', undefined, {}), ctx);
    expect(err.code).toBe('k8s_unauthorized');
    expect(err.retryable).toBe(false);
    expect(err.message).toMatch(/rejected Drover's credentials.*kubeconfig/);
  });

  test('429 keeps Retry-After seconds from the header, else from the Status details', () => {
    const fromHeader = toDroverError(new ApiException(429, 'x', status(429, 'TooManyRequests', 'slow down'), { 'retry-after': '12' }), ctx);
    expect(fromHeader.details.retryAfterSeconds).toBe(12);
    const fromBody = toDroverError(new ApiException(429, 'x', status(429, 'TooManyRequests', 'slow down', { retryAfterSeconds: 3 }), {}), ctx);
    expect(fromBody.details.retryAfterSeconds).toBe(3);
  });

  test('422 causes are kept in details', () => {
    const causes = [{ reason: 'FieldValueInvalid', message: 'Invalid value: -1: must be greater than or equal to 0', field: 'spec.replicas' }];
    const err = toDroverError(new ApiException(422, 'x', status(422, 'Invalid', 'bad', { causes }), {}), ctx);
    expect(err.details.causes).toEqual(causes);
  });

  test('a Status already parsed into an object, or a non-JSON body, still gives a message', () => {
    expect(statusOf({ message: 'as object' }).message).toBe('as object');
    expect(statusOf('<html>bad gateway</html>').message).toBe('<html>bad gateway</html>');
    const err = toDroverError(new ApiException(502, 'x', '<html>bad gateway</html>', {}), ctx);
    expect(err.code).toBe('k8s_server_error');
    expect(err.message).toContain('bad gateway');
  });
});

describe('toDroverError: no answer', () => {
  test('a refused connection names the cluster and the errno, and is retryable', () => {
    const fetchError = new FetchError('request to http://10.0.0.1/apis failed, reason: connect ECONNREFUSED 10.0.0.1:443', 'system', {
      code: 'ECONNREFUSED',
      errno: 'ECONNREFUSED',
    } as unknown as NodeJS.ErrnoException);
    const err = toDroverError(fetchError, ctx);
    expect(err.code).toBe('cluster_unreachable');
    expect(err.retryable).toBe(true);
    expect(err.message).toMatch(/^cluster "prod" is unreachable \(ECONNREFUSED\): request to/);
    expect(err.details).toMatchObject({ networkCode: 'ECONNREFUSED', status: 0 });
  });

  test('a TLS trust failure is unreachable but not retryable', () => {
    const fetchError = new FetchError('self-signed certificate', 'system', { code: 'DEPTH_ZERO_SELF_SIGNED_CERT' } as unknown as NodeJS.ErrnoException);
    const err = toDroverError(fetchError, ctx);
    expect(err.code).toBe('cluster_unreachable');
    expect(err.retryable).toBe(false);
    expect(err.message).toContain('check the cluster CA');
  });

  test('our timeout firing is a retryable timeout', () => {
    const abort = Object.assign(new Error('The user aborted a request.'), { name: 'AbortError', type: 'aborted' });
    const timedOut = toDroverError(abort, { ...ctx, timedOut: true });
    expect(timedOut.code).toBe('cluster_unreachable');
    expect(timedOut.retryable).toBe(true);
    expect(timedOut.message).toBe('cluster "prod" is unreachable (timeout): no answer to patch deployments/scale shop/web within 30000 ms');
  });

  test('anything else is internal, with a generic message and the cause kept', () => {
    const cause = new TypeError('boom');
    const err = toDroverError(cause, ctx);
    expect(err.code).toBe('internal');
    expect(err.message).not.toContain('boom');
    expect(err.cause).toBe(cause);
  });

  test('a DroverError passes through untouched', () => {
    const original = new DroverError('k8s_conflict', 'x', { retryable: true });
    expect(toDroverError(original, ctx)).toBe(original);
  });
});

describe('toDroverError: an API the cluster does not serve', () => {
  const hpa: FailureContext = { ...ctx, resource: 'horizontalpodautoscalers', kind: 'HorizontalPodAutoscaler', path: '/apis/autoscaling/v2/namespaces/shop/horizontalpodautoscalers/web' };

  test('404 for the resource itself (no object named in the details) is k8s_api_missing, naming the API and the cluster', () => {
    const body = status(404, 'NotFound', 'the server could not find the requested resource', {});
    const err = toDroverError(new ApiException(404, 'Unknown API Status Code!', body, {}), hpa);
    expect(err).toMatchObject({ code: 'k8s_api_missing', retryable: false, details: { groupVersion: 'autoscaling/v2', status: 404 } });
    expect(err.message).toMatch(/^cluster "prod" does not serve autoscaling\/v2 horizontalpodautoscalers/);
  });

  test('a plain-text 404 (a group the server does not know at all) is k8s_api_missing too', () => {
    const err = toDroverError(new ApiException(404, 'Unknown API Status Code!', '404 page not found\n', {}), { ...hpa, path: '/apis/nope.example.com/v1/namespaces/x/things' });
    expect(err).toMatchObject({ code: 'k8s_api_missing', details: { groupVersion: 'nope.example.com/v1' } });
  });

  test('404 for a missing object stays k8s_not_found with the server\'s words', () => {
    const body = status(404, 'NotFound', 'horizontalpodautoscalers.autoscaling "web" not found', { name: 'web', group: 'autoscaling', kind: 'horizontalpodautoscalers' });
    const err = toDroverError(new ApiException(404, 'Unknown API Status Code!', body, {}), hpa);
    expect(err).toMatchObject({ code: 'k8s_not_found', message: 'cluster "prod": horizontalpodautoscalers.autoscaling "web" not found' });
  });

  test.each([
    ['/apis/apps/v1/namespaces/a/deployments/b', 'apps/v1'],
    ['/api/v1/nodes/n', 'v1'],
    ['/version', undefined],
  ])('groupVersionOf(%s) = %s', (path, gv) => {
    expect(groupVersionOf(path)).toBe(gv);
  });
});
