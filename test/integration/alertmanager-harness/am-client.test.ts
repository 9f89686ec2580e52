/** Drover's Alertmanager client against a real Alertmanager 0.25. */
import { createAlertmanagerClient, equalityFilter, type AlertmanagerClient } from '../../../src/alertmanager/am-client.js';
import { DroverError } from '../../../src/errors.js';
import { startAlertmanager, type AlertmanagerHandle } from '../../support/alertmanager.js';
import { waitFor } from '../../support/wait-for.js';
import { startWebhookRecorder, type WebhookRecorder } from './webhook-recorder.js';

let hook: WebhookRecorder;
let am: AlertmanagerHandle;
let client: AlertmanagerClient;

beforeAll(async () => {
  hook = await startWebhookRecorder();
  am = await startAlertmanager({ webhookUrl: hook.url });
  client = createAlertmanagerClient({ baseUrl: am.url, timeoutMs: 2_000 });
});

afterAll(async () => {
  await am?.stop();
  await hook?.close();
});

const hour = 3_600_000;

test('a silence for a label matcher is active, suppresses the alert, and expires', async () => {
  const target = { labels: { alertname: 'DiskFull', node: 'silenced-1' } };
  const other = { labels: { alertname: 'DiskFull', node: 'loud-1' } };
  await am.pushAlerts([target, other]);

  const id = await client.createSilence({
    matchers: [{ name: 'node', value: 'silenced-1', isRegex: false }],
    startsAt: new Date(),
    endsAt: new Date(Date.now() + hour),
    createdBy: 'drover',
    comment: 'investigating',
  });
  expect(id).toMatch(/^[0-9a-f-]{36}$/);

  const listed = (await am.silences()).find((s) => s.id === id);
  expect(listed).toMatchObject({
    status: { state: 'active' },
    createdBy: 'drover',
    comment: 'investigating',
    matchers: [{ name: 'node', value: 'silenced-1', isRegex: false, isEqual: true }],
  });
  expect(await client.getSilences()).toContainEqual(expect.objectContaining({ id, status: { state: 'active' } }));

  const alert = await waitFor(async () => (await am.alerts()).find((a) => a.labels.node === 'silenced-1' && a.status.state === 'suppressed'), 'the suppressed alert');
  expect(alert.status.silencedBy).toEqual([id]);
  const loud = await client.getAlerts({ filter: ['alertname="DiskFull"'], silenced: false });
  expect(loud.map((a) => a.labels.node)).toEqual(['loud-1']);
  const all = await client.getAlerts({ filter: ['alertname="DiskFull"'] });
  expect(all.map((a) => `${a.labels.node}:${a.status.state}`).sort()).toEqual(['loud-1:active', 'silenced-1:suppressed']);

  await client.expireSilence(id);
  expect((await am.silences()).find((s) => s.id === id)?.status.state).toBe('expired');
  await waitFor(async () => (await am.alerts()).find((a) => a.labels.node === 'silenced-1' && a.status.state === 'active'), 'the alert active again');
  // Expiring twice, or an id Alertmanager never had (0.25 answers 500 "silence not found"), is done.
  await client.expireSilence(id);
  await client.expireSilence('00000000-0000-4000-8000-000000000000');
  // A malformed id is a 422 that retrying cannot fix.
  await expect(client.expireSilence('not-a-uuid')).rejects.toMatchObject({ retryable: false, message: expect.stringContaining('HTTP 422') as unknown });
});

test('a silence Alertmanager refuses is a non-retryable error quoting its reason', async () => {
  const refused = client.createSilence({
    matchers: [{ name: 'node', value: 'x', isRegex: false }],
    startsAt: new Date(Date.now() - 2 * hour),
    endsAt: new Date(Date.now() - hour),
    createdBy: 'drover',
    comment: 'too late',
  });
  await expect(refused).rejects.toThrow(`Alertmanager at ${am.url} answered HTTP 400 to POST /api/v2/silences: Failed to create silence: end time can't be in the past`);
  await expect(refused).rejects.toMatchObject({ retryable: false });
});

test('isFiring is true while the alert fires and false once it is resolved', async () => {
  const alert = { labels: { alertname: 'HighLatency', service: 'api "edge"\\1\tb' } };
  await am.pushAlerts([alert]);
  const fingerprint = await waitFor(async () => (await am.alerts()).find((a) => a.labels.alertname === 'HighLatency')?.fingerprint, 'the alert');
  expect(await client.isFiring(fingerprint)).toBe(true);
  // The label filter is quoted so Alertmanager matches the exact value.
  expect(await client.getAlerts({ filter: equalityFilter(alert.labels) })).toHaveLength(1);
  expect(await client.isFiring(fingerprint, alert.labels)).toBe(true);
  expect(await client.isFiring('0000000000000000')).toBe(false);

  await am.resolveAlerts([alert]);
  await waitFor(async () => (await client.isFiring(fingerprint)) === false, 'isFiring false after resolution');
  expect(await client.isFiring(fingerprint, alert.labels)).toBe(false);
});

test('a bad filter is Alertmanager\'s 400, not retryable', async () => {
  const err = (await client.getAlerts({ filter: ['{oops'] }).catch((e: unknown) => e)) as DroverError;
  expect(err).toBeInstanceOf(DroverError);
  expect(err.message).toBe(`Alertmanager at ${am.url} answered HTTP 400 to GET /api/v2/alerts: bad matcher format: {oops`);
  expect(err.retryable).toBe(false);
});
