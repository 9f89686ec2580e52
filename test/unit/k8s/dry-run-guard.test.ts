import { dryRunViolation } from '../../../src/k8s/api-caller.js';

const URL_ = 'https://k8s.example:6443/api/v1/namespaces/demo/pods/web-1';

describe('dryRunViolation: would the API server carry this request out?', () => {
  test('reads are never a violation', () => {
    expect(dryRunViolation('GET', URL_, undefined)).toBeUndefined();
  });

  test.each(['POST', 'PUT', 'PATCH'])('%s needs ?dryRun=All (its options travel in the query)', (method) => {
    expect(dryRunViolation(method, `${URL_}?dryRun=All`, '{}')).toBeUndefined();
    expect(dryRunViolation(method, URL_, '{"dryRun":["All"]}')).toMatch(/without \?dryRun=All/);
    expect(dryRunViolation(method, `${URL_}?dryRun=None`, '{}')).toMatch(/without/);
  });

  test('a DELETE with a body needs dryRun inside the body: the server ignores the query then', () => {
    expect(dryRunViolation('DELETE', URL_, JSON.stringify({ dryRun: ['All'], preconditions: { uid: 'u' } }))).toBeUndefined();
    expect(dryRunViolation('DELETE', `${URL_}?dryRun=All`, JSON.stringify({ preconditions: { uid: 'u' } }))).toMatch(/lacks dryRun/);
    expect(dryRunViolation('DELETE', URL_, JSON.stringify({ dryRun: 'All' }))).toMatch(/lacks dryRun/);
    expect(dryRunViolation('DELETE', URL_, 'not json')).toMatch(/not JSON/);
  });

  test('a DELETE without a body may carry dryRun in the query', () => {
    expect(dryRunViolation('DELETE', `${URL_}?dryRun=All`, undefined)).toBeUndefined();
    expect(dryRunViolation('DELETE', `${URL_}?dryRun=All`, '')).toBeUndefined();
    expect(dryRunViolation('DELETE', URL_, undefined)).toMatch(/without dryRun/);
  });
});
