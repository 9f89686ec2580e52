/** How the client maps Alertmanager's failures to DroverErrors. */
import { createAlertmanagerClient, type AlertmanagerClient } from '../../../src/alertmanager/am-client.js';
import { DroverError } from '../../../src/errors.js';
import { closedPortUrl, listedAlert, startFakeAm, type FakeAm } from './fake-am.js';

let am: FakeAm;
let client: AlertmanagerClient;
const ID = 'b2a7c0de-0000-4000-8000-000000000001';
const silence = { matchers: [{ name: 'a', value: 'b', isRegex: false }], startsAt: new Date(), endsAt: new Date(Date.now() + 60_000), createdBy: 'd', comment: 'c' };

beforeEach(async () => {
  am = await startFakeAm();
  client = createAlertmanagerClient({ baseUrl: am.url, bearerToken: 'tok-never-shown', timeoutMs: 300 });
});

afterEach(async () => {
  await am.close();
});

async function failure(p: Promise<unknown>): Promise<DroverError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(err instanceof DroverError)) throw new Error(`expected a DroverError, got ${String(err)}`);
  expect(err.message).not.toContain('tok-never-shown');
  return err;
}

describe('expireSilence', () => {
  test('404 (newer Alertmanagers) and 0.25\'s 500 "silence not found" mean already gone', async () => {
    am.answer({ status: 404, body: { code: 404, message: 'silence not found' } }, { status: 500, body: 'silence not found' });
    await expect(client.expireSilence(ID)).resolves.toBeUndefined();
    await expect(client.expireSilence(ID)).resolves.toBeUndefined();
  });

  test('another 500 is a retryable error naming the URL, request, status and body', async () => {
    am.answer({ status: 500, body: 'failed to write snapshot: disk full' });
    const err = await failure(client.expireSilence(ID));
    expect(err.message).toBe(`Alertmanager at ${am.url} answered HTTP 500 to DELETE /api/v2/silence/${ID}: failed to write snapshot: disk full`);
    expect(err.retryable).toBe(true);
    expect(err.code).toBe('internal');
    expect(err.details).toMatchObject({ service: 'alertmanager', url: am.url, status: 500, method: 'DELETE' });
  });
});

test('a 400 is not retryable and quotes Alertmanager\'s reason', async () => {
  am.answer({ status: 400, body: 'Failed to create silence: start time must be before end time' });
  const err = await failure(client.createSilence(silence));
  expect(err.message).toBe(`Alertmanager at ${am.url} answered HTTP 400 to POST /api/v2/silences: Failed to create silence: start time must be before end time`);
  expect(err.retryable).toBe(false);
});

test('a {code, message} error body and a proxy\'s HTML page are both reduced to short text', async () => {
  am.answer({ status: 422, body: { code: 601, message: 'silenceID in path must be of type uuid: "x"' } }, { status: 502, raw: `<html>\n<h1>Bad Gateway</h1>${'x'.repeat(500)}</html>` });
  expect((await failure(client.expireSilence('x'))).message).toMatch(/HTTP 422 to DELETE \/api\/v2\/silence\/x: silenceID in path must be of type uuid: "x"$/);
  const proxy = await failure(client.getAlerts());
  expect(proxy.retryable).toBe(true);
  expect(proxy.message).toContain('HTTP 502 to GET /api/v2/alerts: <html> <h1>Bad Gateway</h1>xxx');
  expect(proxy.message.length).toBeLessThan(450);
});

test('401 says which credentials to check; 429 may be retried', async () => {
  am.answer({ status: 401, raw: 'Unauthorized' }, { status: 429, raw: '' });
  const unauthorized = await failure(client.getAlerts());
  expect(unauthorized.message).toMatch(/HTTP 401 to GET \/api\/v2\/alerts: Unauthorized; check the bearer token or basic auth/);
  expect(unauthorized.retryable).toBe(false);
  const throttled = await failure(client.getAlerts());
  expect(throttled.message).toBe(`Alertmanager at ${am.url} answered HTTP 429 to GET /api/v2/alerts`);
  expect(throttled.retryable).toBe(true);
});

test('nothing listening is a retryable network error naming the URL and the errno', async () => {
  const url = await closedPortUrl();
  const err = await failure(createAlertmanagerClient({ baseUrl: url }).getAlerts());
  expect(err.message).toBe(`Alertmanager at ${url} is unreachable (ECONNREFUSED) for GET /api/v2/alerts`);
  expect(err.retryable).toBe(true);
  expect(err.details).toMatchObject({ status: 0, networkCode: 'ECONNREFUSED' });
});

test('no answer within timeoutMs is a retryable timeout', async () => {
  am.answer({ hang: true });
  const err = await failure(client.getAlerts());
  expect(err.message).toBe(`Alertmanager at ${am.url} did not answer GET /api/v2/alerts within 300 ms`);
  expect(err.retryable).toBe(true);
});

test('a 200 with the wrong shape or no JSON is rejected, saying what is wrong', async () => {
  const broken = { ...listedAlert('f1'), status: { state: 'firing', silencedBy: [], inhibitedBy: [] } };
  am.answer({ body: [listedAlert('f0'), broken] }, { raw: '<html>Grafana</html>' }, { body: { id: 'x' } });
  const shape = await failure(client.getAlerts());
  expect(shape.message).toMatch(new RegExp(`^Alertmanager at ${am.url} answered GET /api/v2/alerts with something that is not Alertmanager v2 API JSON \\(1\\.status\\.state: .+\\); check that the URL points at Alertmanager$`));
  expect(shape.retryable).toBe(false);
  expect((await failure(client.getAlerts())).message).toContain('(invalid JSON: <html>Grafana</html>)');
  expect((await failure(client.createSilence(silence))).message).toContain('(silenceID: ');
});

test('isFiring is undefined when Alertmanager cannot answer', async () => {
  am.answer({ status: 503, raw: 'not ready' }, { body: [{ nope: true }] });
  expect(await client.isFiring('f1')).toBeUndefined();
  expect(await client.isFiring('f1')).toBeUndefined();
  expect(await createAlertmanagerClient({ baseUrl: await closedPortUrl() }).isFiring('f1')).toBeUndefined();
});

test('a bad base URL, credentials in it, or two kinds of auth are config errors', () => {
  expect(() => createAlertmanagerClient({ baseUrl: 'alertmanager:9093' })).toThrow(expect.objectContaining({ code: 'config_invalid' }) as Error);
  expect(() => createAlertmanagerClient({ baseUrl: 'not a url' })).toThrow(/is not a valid URL/);
  expect(() => createAlertmanagerClient({ baseUrl: 'http://u:p@am:9093' })).toThrow(/must not hold credentials/);
  expect(() => createAlertmanagerClient({ baseUrl: 'http://am:9093', bearerToken: 't', basicAuth: { username: 'u', password: 'p' } })).toThrow(/not both/);
});
