/** The settings of ctx.prometheus and ctx.http: defaults, environment names, and mistakes said in words. */
import { loadConfig } from '../../../src/config/load-config.js';
import { prometheusFor } from '../../../src/prometheus/settings.js';

describe('prometheus and outbound.allow settings', () => {
  it('default to nothing configured: no Prometheus, no host allowed', () => {
    const config = loadConfig({ env: {} });
    expect(config.outbound).toMatchObject({ allow: [], timeout: 10_000, maxResponseBytes: 1024 * 1024 });
    expect(prometheusFor(config.prometheus, 'sandbox')).toBeUndefined();
  });

  it('read PROMETHEUS_* and DROVER_OUTBOUND_ALLOW', () => {
    const config = loadConfig({
      env: { PROMETHEUS_URL: 'https://prom.example.com', PROMETHEUS_TOKEN_FILE: '/run/token', DROVER_OUTBOUND_ALLOW: 'status.example.com, http://10.0.0.5:8080' },
    });
    expect(prometheusFor(config.prometheus, 'prod')).toEqual({
      url: 'https://prom.example.com',
      source: 'prometheus',
      auth: { bearerTokenFile: '/run/token' },
      timeoutMs: 30_000,
      maxResponseBytes: 10 * 1024 * 1024,
    });
    expect(config.outbound.allow).toEqual(['status.example.com', 'http://10.0.0.5:8080']);
  });

  it('name the environment variable or key at fault', () => {
    expect(() => loadConfig({ env: { DROVER_OUTBOUND_ALLOW: 'https://x.example.com/api' } })).toThrow(/DROVER_OUTBOUND_ALLOW: must be a host or an origin only: no path, query or credentials/);
    expect(() => loadConfig({ env: { PROMETHEUS_URL: 'prom:9090' } })).toThrow(/PROMETHEUS_URL: must be an http:\/\/ or https:\/\/ URL/);
    expect(() => loadConfig({ env: { PROMETHEUS_URL: 'http://p:9090', PROMETHEUS_USERNAME: 'drover' } })).toThrow(/basic auth needs both a username and a password/);
    const file = 'prometheus:\n  clusters:\n    prod:\n      url: http://p:9090\n      bearerToken: a\n      password: b\n      username: c\n';
    expect(() => loadConfig({ env: { DROVER_CONFIG: '/etc/drover.yaml' }, readFile: () => file })).toThrow(/prometheus\.clusters\.prod\.username in \/etc\/drover\.yaml: use a bearer token or basic auth, not both/);
  });
});
