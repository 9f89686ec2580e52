/**
 * Credentials reach Drover through Secrets only. `config` becomes a ConfigMap,
 * which many more people may read than the namespace's Secrets: the chart
 * refuses a credential there and names where it belongs.
 */
import { helmBinary } from '../../support/helm.js';
import { all, render, type ConfigMap } from './objects.js';

describe('Helm chart helm/drover: no credential in the configuration ConfigMap', () => {
  beforeAll(() => helmBinary(), 300_000);

  it.each([
    [{ slack: { botToken: 'xoxb-1111-2222-bottoken' } }, 'config.slack.botToken', 'use slack.botToken'],
    [{ slack: { signingSecret: 'signing-secret-0123456789' } }, 'config.slack.signingSecret', 'use slack.signingSecret'],
    [{ slack: { appToken: 'xapp-1-2222' } }, 'config.slack.appToken', 'use slack.appToken'],
    [{ alerts: { webhookToken: 'webhook-token-0123456789abcdef' } }, 'config.alerts.webhookToken', 'use alertmanager.webhookToken'],
    [{ alerts: { webhookUsername: 'am', webhookPassword: 'pw-0123456789abcdef' } }, 'config.alerts.webhookPassword', 'ALERTMANAGER_WEBHOOK_PASSWORD from a Secret'],
    [{ alerts: { alertmanagerToken: 'am-token' } }, 'config.alerts.alertmanagerToken', 'ALERTMANAGER_TOKEN from a Secret'],
    [{ audit: { key: 'audit-key-0123456789abcdef0123456789' } }, 'config.audit.key', 'use audit.key'],
    [{ prometheus: { url: 'http://prometheus:9090', bearerToken: 'prom-token' } }, 'config.prometheus.bearerToken', 'PROMETHEUS_TOKEN from a Secret'],
    [{ prometheus: { url: 'http://prometheus:9090', username: 'drover', password: 'prom-pass' } }, 'config.prometheus.password', 'PROMETHEUS_PASSWORD from a Secret'],
    [{ prometheus: { clusters: { eu: { url: 'http://prometheus.eu:9090', bearerToken: 'eu-token' } } } }, 'config.prometheus.clusters.eu holds a credential', 'bearerTokenFile'],
    [{ redis: { url: 'redis://:pw-0123@redis.example.com:6379' } }, 'config.redis.url holds a password', 'use redis.external.url'],
  ])('refuses config %j', async (config, path, instead) => {
    const error = render({ config });
    await expect(error).rejects.toThrow(path);
    await expect(error).rejects.toThrow(instead);
  });

  it('takes the rest of the configuration, a Redis URL without a password included', async () => {
    const r = await render({
      config: {
        redis: { url: 'redis://redis.example.com:6379' },
        alerts: { webhookUsername: 'am', channel: 'C0123ALERTS' },
        prometheus: { url: 'http://prometheus.monitoring:9090', bearerTokenFile: '/var/run/secrets/prometheus/token' },
        outbound: { allow: ['status.example.com'] },
      },
    });
    const config = all<ConfigMap>(r, 'ConfigMap').find((c) => c.metadata.name === 'ops-drover-config')!;
    expect(config.data['config.yaml']).toContain('webhookUsername: am');
    expect(config.data['config.yaml']).toContain('bearerTokenFile: /var/run/secrets/prometheus/token');
    // ctx.http's allow-list is its own key, beside the chart's own server settings (port 3000).
    expect(config.data['config.yaml']).toMatch(/outbound:\n {2}allow:\n {2}- status\.example\.com\n/);
    expect(config.data['config.yaml']).toMatch(/http:\n {2}host: 0\.0\.0\.0\n {2}port: 3000/);
  });
});
