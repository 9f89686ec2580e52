/**
 * A real Alertmanager 0.25 delivering to a recording webhook: what the payload
 * looks like when an alert fires, resolves, repeats or is truncated, and which
 * Authorization header comes with it.
 */
import { startAlertmanager, type AlertmanagerHandle } from '../../support/alertmanager.js';
import { about, startWebhookRecorder, type WebhookRecorder } from './webhook-recorder.js';

const TOKEN = 'am-test-token-3f9c';

describe('bearer token, default grouping', () => {
  let hook: WebhookRecorder;
  let am: AlertmanagerHandle;

  beforeAll(async () => {
    hook = await startWebhookRecorder();
    am = await startAlertmanager({ webhookUrl: hook.url, bearerToken: TOKEN });
  });

  afterAll(async () => {
    await am?.stop();
    await hook?.close();
  });

  test('a firing alert arrives as a version 4 payload with the token; resolving it sends the same fingerprint and startsAt', async () => {
    const alert = {
      labels: { alertname: 'PodCrashLooping', namespace: 'demo', pod: 'web-1' },
      annotations: { summary: 'web-1 restarts' },
      generatorURL: 'http://prometheus.example/graph?g0.expr=up',
    };
    const pushedAt = Date.now();
    await am.pushAlerts([alert]);
    const firing = await hook.next(about('pod', 'web-1'), 'the firing notification');
    expect(firing.receivedAt - pushedAt).toBeLessThan(2_000);
    expect(firing.method).toBe('POST');
    expect(firing.path).toBe('/alertmanager');
    expect(firing.headers.authorization).toBe(`Bearer ${TOKEN}`);
    expect(firing.headers['content-type']).toBe('application/json');
    expect(firing.headers['user-agent']).toMatch(/^Alertmanager\//);
    const listed = (await am.alerts()).find((a) => a.labels.pod === 'web-1');
    expect(firing.payload).toEqual({
      version: '4',
      groupKey: '{}:{alertname="PodCrashLooping", namespace="demo", pod="web-1"}',
      truncatedAlerts: 0,
      status: 'firing',
      receiver: 'drover',
      groupLabels: alert.labels,
      commonLabels: alert.labels,
      commonAnnotations: alert.annotations,
      externalURL: am.url,
      alerts: [
        {
          status: 'firing',
          labels: alert.labels,
          annotations: alert.annotations,
          startsAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d+Z$/) as unknown,
          // Firing alerts carry Go's zero time, whatever endsAt Alertmanager holds.
          endsAt: '0001-01-01T00:00:00Z',
          generatorURL: alert.generatorURL,
          fingerprint: listed?.fingerprint,
        },
      ],
    });
    const [fired] = firing.payload.alerts;
    expect(fired?.fingerprint).toMatch(/^[0-9a-f]{16}$/);
    // Same instant, different precision: the API rounds to milliseconds.
    expect(Date.parse(fired!.startsAt)).toBe(Date.parse(listed!.startsAt));

    const resolvedAt = Date.now();
    await am.resolveAlerts([alert]);
    const resolved = await hook.next((d) => about('pod', 'web-1')(d) && d.payload.status === 'resolved', 'the resolved notification');
    expect(resolved.receivedAt - resolvedAt).toBeLessThan(2_000);
    expect(resolved.headers.authorization).toBe(`Bearer ${TOKEN}`);
    expect(resolved.payload.groupKey).toBe(firing.payload.groupKey);
    expect(resolved.payload.alerts).toEqual([
      {
        ...fired,
        status: 'resolved',
        endsAt: expect.stringMatching(/^\d{4}-/) as unknown,
      },
    ]);
    expect(Date.parse(resolved.payload.alerts[0]!.endsAt)).toBeGreaterThanOrEqual(Date.parse(fired!.startsAt));
    expect(await am.alerts()).not.toContainEqual(expect.objectContaining({ fingerprint: fired?.fingerprint }));
  });

  test('group_by [...] makes every alert its own group and notification', async () => {
    await am.pushAlerts([
      { labels: { alertname: 'NodeDown', node: 'a' } },
      { labels: { alertname: 'NodeDown', node: 'b' } },
    ]);
    const a = await hook.next(about('node', 'a'), 'node a');
    const b = await hook.next(about('node', 'b'), 'node b');
    expect(a.payload.alerts).toHaveLength(1);
    expect(b.payload.alerts).toHaveLength(1);
    expect(a.payload.groupKey).not.toBe(b.payload.groupKey);
  });
});

describe('basic auth, grouping by alertname, max_alerts and repeats', () => {
  let hook: WebhookRecorder;
  let am: AlertmanagerHandle;

  beforeAll(async () => {
    hook = await startWebhookRecorder();
    am = await startAlertmanager({
      webhookUrl: hook.url,
      basicAuth: { username: 'drover', password: 'p@ss:word' },
      groupBy: ['alertname'],
      maxAlerts: 2,
      repeatInterval: '1s',
    });
  });

  afterAll(async () => {
    await am?.stop();
    await hook?.close();
  });

  test('sends basic auth; alerts beyond max_alerts are only counted; a repeat is the same payload again', async () => {
    const alerts = ['x', 'y', 'z'].map((pod) => ({ labels: { alertname: 'Grouped', pod } }));
    await am.pushAlerts(alerts);
    const first = await hook.next((d) => d.payload.groupLabels.alertname === 'Grouped', 'the grouped notification');
    expect(first.headers.authorization).toBe(`Basic ${Buffer.from('drover:p@ss:word').toString('base64')}`);
    expect(first.payload.groupKey).toBe('{}:{alertname="Grouped"}');
    expect(first.payload.alerts).toHaveLength(2);
    expect(first.payload.truncatedAlerts).toBe(1);

    const repeat = await hook.next((d) => d !== first && d.payload.groupKey === first.payload.groupKey, 'the repeat', 5_000);
    expect(repeat.receivedAt - first.receivedAt).toBeGreaterThanOrEqual(1_000);
    expect(repeat.payload).toEqual(first.payload);
  });
});

describe('how Alertmanager treats the receiver\'s answers', () => {
  let hook: WebhookRecorder;
  let am: AlertmanagerHandle;

  beforeEach(async () => {
    hook = await startWebhookRecorder();
    am = await startAlertmanager({ webhookUrl: hook.url });
  });

  afterEach(async () => {
    await am?.stop();
    await hook?.close();
  });

  test.each([500, 400])('after a %i it sends the same notification again', async (status) => {
    hook.respondWith(status);
    await am.pushAlerts([{ labels: { alertname: 'Flaky' } }]);
    await hook.next(about('alertname', 'Flaky'), 'the first attempt');
    hook.respondWith(200);
    await hook.next(() => hook.deliveries.length >= 2, 'a second attempt', 5_000);
    const [one, two] = hook.deliveries;
    expect(two!.payload).toEqual(one!.payload);
    // Once a 2xx is recorded in the notification log, it stops (repeat_interval is 1h).
    const count = hook.deliveries.length;
    await new Promise((r) => setTimeout(r, 1_500));
    expect(hook.deliveries.length).toBe(count);
  });
});
