/** What the client sends: paths, query strings, bodies and credentials. */
import { createAlertmanagerClient, equalityFilter } from '../../../src/alertmanager/am-client.js';
import { startFakeAm, listedAlert, type FakeAm } from './fake-am.js';

let am: FakeAm;

beforeEach(async () => {
  am = await startFakeAm();
});

afterEach(async () => {
  await am.close();
});

test('createSilence posts the silence with isEqual defaulted and returns its id; sends the bearer token', async () => {
  am.answer({ body: { silenceID: 'b2a7c0de-0000-4000-8000-000000000001' } });
  const client = createAlertmanagerClient({ baseUrl: am.url, bearerToken: 's3cret' });
  const id = await client.createSilence({
    matchers: [
      { name: 'pod', value: 'web-.*', isRegex: true },
      { name: 'namespace', value: 'kube-system', isRegex: false, isEqual: false },
    ],
    startsAt: new Date('2026-01-01T00:00:00Z'),
    endsAt: '2026-01-01T01:00:00Z',
    createdBy: 'alice via drover',
    comment: 'rollout',
  });
  expect(id).toBe('b2a7c0de-0000-4000-8000-000000000001');
  const [req] = am.requests;
  expect(req?.method).toBe('POST');
  expect(req?.url).toBe('/api/v2/silences');
  expect(req?.headers.authorization).toBe('Bearer s3cret');
  expect(req?.headers['content-type']).toBe('application/json');
  expect(JSON.parse(req!.body)).toEqual({
    matchers: [
      { name: 'pod', value: 'web-.*', isRegex: true, isEqual: true },
      { name: 'namespace', value: 'kube-system', isRegex: false, isEqual: false },
    ],
    startsAt: '2026-01-01T00:00:00.000Z',
    endsAt: '2026-01-01T01:00:00Z',
    createdBy: 'alice via drover',
    comment: 'rollout',
  });
});

test('basic auth, and a base URL path prefix is kept', async () => {
  am.answer({ body: [] });
  const client = createAlertmanagerClient({ baseUrl: `${am.url}/alertmanager/`, basicAuth: { username: 'u', password: 'p:w' } });
  await client.getSilences(['createdBy="drover"']);
  expect(am.requests[0]?.url).toBe('/alertmanager/api/v2/silences?filter=createdBy%3D%22drover%22');
  expect(am.requests[0]?.headers.authorization).toBe(`Basic ${Buffer.from('u:p:w').toString('base64')}`);
});

test('getAlerts repeats filter and sends only the flags given', async () => {
  am.answer({ body: [listedAlert('aaaa')] }, { body: [] });
  const client = createAlertmanagerClient({ baseUrl: am.url });
  const alerts = await client.getAlerts({ filter: ['alertname="A"', 'pod=~"web-.*"'], silenced: false, active: true });
  expect(alerts.map((a) => a.fingerprint)).toEqual(['aaaa']);
  const query = new URL(am.requests[0]!.url, am.url).searchParams;
  expect(query.getAll('filter')).toEqual(['alertname="A"', 'pod=~"web-.*"']);
  expect(query.get('silenced')).toBe('false');
  expect(query.get('active')).toBe('true');
  expect(query.has('inhibited')).toBe(false);
  expect(am.requests[0]?.headers.authorization).toBeUndefined();
  await client.getAlerts();
  expect(am.requests[1]?.url).toBe('/api/v2/alerts');
});

test('expireSilence deletes /api/v2/silence/{id}', async () => {
  am.answer({ status: 200 });
  await createAlertmanagerClient({ baseUrl: am.url }).expireSilence('b2a7c0de-0000-4000-8000-000000000001');
  expect(am.requests[0]).toMatchObject({ method: 'DELETE', url: '/api/v2/silence/b2a7c0de-0000-4000-8000-000000000001' });
});

test('isFiring looks the fingerprint up, narrowed by the labels when given', async () => {
  am.answer({ body: [listedAlert('f1'), listedAlert('f2')] }, { body: [listedAlert('f1')] }, { body: [] });
  // Usable unbound, as a dependency.
  const { isFiring } = createAlertmanagerClient({ baseUrl: am.url });
  expect(await isFiring('f2')).toBe(true);
  expect(await isFiring('f1', { alertname: 'A', pod: 'p' })).toBe(true);
  expect(new URL(am.requests[1]!.url, am.url).searchParams.getAll('filter')).toEqual(['alertname="A"', 'pod="p"']);
  expect(await isFiring('f1')).toBe(false);
});

test('equalityFilter escapes only what Alertmanager unescapes', () => {
  expect(equalityFilter({ a: 'plain', b: 'say "hi"', c: 'back\\slash', d: 'two\nlines', e: 'ünïcode', f: 'tab\there' })).toEqual([
    'a="plain"',
    'b="say \\"hi\\""',
    'c="back\\\\slash"',
    'd="two\\nlines"',
    'e="ünïcode"',
    // JSON.stringify would write \t, which Alertmanager reads as a backslash and a t.
    'f="tab\there"',
  ]);
});
