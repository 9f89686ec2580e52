import { describeAlert } from '../../../src/alertmanager/alert-announcer.js';
import { AlertRoutes, paramsFromAlert } from '../../../src/alertmanager/alert-routes.js';
import { authorised } from '../../../src/alertmanager/webhook-auth.js';
import { parseWebhookPayload } from '../../../src/alertmanager/webhook-payload.js';
import { RunbookRegistry } from '../../../src/runbook/registry.js';
import { defineRunbook, z } from '../../../src/sdk/index.js';

const run = () => Promise.resolve();
const crash = defineRunbook({
  id: 'crash',
  summary: 'Crash looping pods outside kube-system',
  params: z.object({ namespace: z.string(), pod: z.string(), summary: z.string().optional() }),
  triggers: {
    alerts: [
      {
        alertname: 'KubePodCrashLooping',
        matchers: ['namespace!="kube-system"', 'severity=~"warning|critical"'],
        params: { namespace: 'label:namespace', pod: 'label:pod', summary: 'annotation:summary' },
      },
    ],
  },
  run,
});
const also = defineRunbook({
  id: 'also',
  summary: 'Another runbook for the same alert',
  params: z.object({ target: z.string() }),
  triggers: { alerts: [{ alertname: 'KubePodCrashLooping', params: (a) => ({ target: `${a.labels.namespace}/${a.labels.pod}` }) }] },
  run,
});
const routes = new AlertRoutes(new RunbookRegistry([crash, also]));

describe('alert routes', () => {
  const alert = (labels: Record<string, string>) => ({ labels: { alertname: 'KubePodCrashLooping', ...labels }, annotations: { summary: 'restarting' } });

  it('one alert may trigger several runbooks; matchers filter', () => {
    expect(routes.match(alert({ namespace: 'shop', pod: 'web-1', severity: 'warning' })).map((r) => r.runbook.id)).toEqual(['also', 'crash']);
    expect(routes.match(alert({ namespace: 'kube-system', pod: 'dns', severity: 'warning' })).map((r) => r.runbook.id)).toEqual(['also']);
    expect(routes.match(alert({ namespace: 'shop', pod: 'web-1', severity: 'info' })).map((r) => r.runbook.id)).toEqual(['also']);
    expect(routes.match({ labels: { alertname: 'Other' }, annotations: {} })).toEqual([]);
  });

  it('maps labels and annotations to params, or calls the mapping function', () => {
    const matched = routes.match(alert({ namespace: 'shop', pod: 'web-1', severity: 'critical' }));
    const first = matched.find((r) => r.runbook.id === 'crash');
    const second = matched.find((r) => r.runbook.id === 'also');
    expect(paramsFromAlert(first!.trigger, alert({ namespace: 'shop', pod: 'web-1' }))).toEqual({ namespace: 'shop', pod: 'web-1', summary: 'restarting' });
    expect(paramsFromAlert(second!.trigger, alert({ namespace: 'shop', pod: 'web-1' }))).toEqual({ target: 'shop/web-1' });
  });

  it('leaves out params whose label is missing, so validation names them', () => {
    const first = routes.match(alert({ namespace: 'shop', severity: 'warning' })).find((r) => r.runbook.id === 'crash');
    expect(paramsFromAlert(first!.trigger, alert({ namespace: 'shop' }))).toEqual({ namespace: 'shop', summary: 'restarting' });
  });
});

describe('webhook authentication', () => {
  const token = 'a-very-long-webhook-token';
  it('accepts the configured bearer token or basic auth and nothing else', () => {
    expect(authorised(`Bearer ${token}`, { token })).toBe(true);
    expect(authorised(`bearer ${token}`, { token })).toBe(true);
    expect(authorised(`Bearer ${token}x`, { token })).toBe(false);
    expect(authorised(undefined, { token })).toBe(false);
    const basic = (u: string, p: string) => `Basic ${Buffer.from(`${u}:${p}`).toString('base64')}`;
    const creds = { username: 'am', password: 'correct horse battery' };
    expect(authorised(basic('am', 'correct horse battery'), creds)).toBe(true);
    expect(authorised(basic('am', 'wrong'), creds)).toBe(false);
    expect(authorised(basic('root', 'correct horse battery'), creds)).toBe(false);
    expect(authorised(`Bearer ${token}`, creds)).toBe(false);
  });

  it('accepts nothing when no credentials are configured', () => {
    expect(authorised('Bearer anything', {})).toBe(false);
    expect(authorised(`Basic ${Buffer.from(':').toString('base64')}`, {})).toBe(false);
  });
});

describe('webhook payload', () => {
  const valid = {
    version: '4',
    groupKey: '{}:{}',
    status: 'firing',
    receiver: 'drover',
    alerts: [{ status: 'firing', labels: { alertname: 'A' }, startsAt: '2026-11-24T10:00:00Z', fingerprint: 'abc123' }],
  };

  it('accepts Alertmanager 0.25 payloads and fills optional fields', () => {
    const parsed = parseWebhookPayload(valid);
    expect('payload' in parsed && parsed.payload.alerts[0]?.annotations).toEqual({});
    expect('payload' in parsed && parsed.payload.truncatedAlerts).toBe(0);
  });

  it('names what is wrong', () => {
    const parsed = parseWebhookPayload({ ...valid, alerts: [{ ...valid.alerts[0], fingerprint: 'not hex!', startsAt: 'yesterday' }] });
    expect('error' in parsed && parsed.error).toMatch(/alerts\.0\.startsAt: must be an RFC 3339 time/);
    expect('error' in parsed && parsed.error).toMatch(/alerts\.0\.fingerprint: must be a hex fingerprint/);
  });

  it('accepts an alert without alertname, as Alertmanager does, but not one without labels', () => {
    const unnamed = parseWebhookPayload({ ...valid, alerts: [{ ...valid.alerts[0], labels: { job: 'backup' } }] });
    expect('payload' in unnamed && unnamed.payload.alerts[0]?.labels).toEqual({ job: 'backup' });
    const bare = parseWebhookPayload({ ...valid, alerts: [{ ...valid.alerts[0], labels: {} }] });
    expect('error' in bare && bare.error).toMatch(/alerts\.0\.labels: must have at least one label/);
  });

  it.each([null, [], 'alerts', 42, true])('names what is wrong with a body of %p instead of throwing', (body) => {
    expect(parseWebhookPayload(body)).toEqual({ error: expect.stringMatching(/^Invalid Alertmanager webhook payload: payload: /) as string });
  });
});

describe('alert descriptions', () => {
  const alert = (labels: Record<string, string>) => ({ status: 'firing' as const, labels, annotations: {}, startsAt: '2026-11-24T10:00:00Z', fingerprint: 'abc123' });

  it('name the alert, its target and severity', () => {
    expect(describeAlert(alert({ alertname: 'KubePodCrashLooping', namespace: 'shop', pod: 'web-1', severity: 'critical' }))).toBe('KubePodCrashLooping shop/web-1 (critical)');
  });

  it('name an alert without alertname by its labels', () => {
    expect(describeAlert(alert({ job: 'backup', severity: 'critical' }))).toBe('alert {job="backup", severity="critical"}');
    const many = Object.fromEntries(Array.from({ length: 10 }, (_, i) => [`l${i}`, `v${i}`]));
    expect(describeAlert(alert(many))).toMatch(/^alert \{l0="v0", .*l7="v7", …\}$/);
  });
});
