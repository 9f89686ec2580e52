/**
 * What CI checks about the compose stack without Docker: the files pass the
 * real checkers (docker-compose config, promtool, amtool), and the compose
 * file keeps its promises (loopback ports, pinned images, the chart's grace
 * period, a Redis that refuses writes rather than losing keys).
 */
import { existsSync, realpathSync } from 'node:fs';
import { join, posix, resolve } from 'node:path';
import { configSchema } from '../../../src/config/schema.js';
import { COMPOSE_DIR, ROOT, composeConfig, readYaml, requireTool, run, type ComposeFile, type ComposeService } from './tools.js';

const PROMETHEUS_YML = join(COMPOSE_DIR, 'prometheus.yml');
const ALERTMANAGER_YML = join(COMPOSE_DIR, 'alertmanager.yml');

/** Seconds of a compose duration: 120s, 2m, 1m30s. */
function seconds(duration: string): number {
  const parts = [...duration.matchAll(/(\d+(?:\.\d+)?)(h|ms|m|s|us)/g)];
  if (!parts.length || parts.map((p) => p[0]).join('') !== duration) throw new Error(`not a compose duration: ${duration}`);
  const unit: Record<string, number> = { h: 3600, m: 60, s: 1, ms: 0.001, us: 0.000001 };
  return parts.reduce((sum, [, n, u]) => sum + Number(n) * (unit[u!] ?? 0), 0);
}

/** The chart's grace period for the server or worker pods: <component>.terminationGracePeriodSeconds, else the shared value. */
function chartGrace(component: 'server' | 'worker'): number {
  type Values = { terminationGracePeriodSeconds?: number } & Partial<Record<'server' | 'worker', { terminationGracePeriodSeconds?: number }>>;
  const values = readYaml<Values>(join(ROOT, 'helm', 'drover', 'values.yaml'));
  const grace = values[component]?.terminationGracePeriodSeconds ?? values.terminationGracePeriodSeconds;
  if (typeof grace !== 'number') throw new Error(`helm/drover/values.yaml sets no ${component}.terminationGracePeriodSeconds`);
  return grace;
}

/** Bind-mount targets of a service → their host paths. */
function mounts(service: ComposeService): Map<string, string> {
  const out = new Map<string, string>();
  for (const v of service.volumes ?? []) {
    if (typeof v === 'string') {
      const [source, target] = v.split(':');
      if (source && target && source.startsWith('/')) out.set(target, source);
    } else if (v.type === 'bind' && v.source && v.target) {
      out.set(v.target, v.source);
    }
  }
  return out;
}

function argValue(args: string[] | undefined, flag: string): string | undefined {
  const i = args?.indexOf(flag) ?? -1;
  return i >= 0 ? args?.[i + 1] : args?.find((a) => a.startsWith(`${flag}=`))?.slice(flag.length + 1);
}

describe('docker-compose.yml and deploy/compose, checked by the real tools', () => {
  it('docker-compose config -q accepts the file', async () => {
    await requireTool('docker-compose');
    const r = await run('docker-compose', ['-f', 'docker-compose.yml', 'config', '-q']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
  });

  it('promtool check config accepts prometheus.yml, and check rules every rules file it loads', async () => {
    await requireTool('promtool');
    const config = await run('promtool', ['check', 'config', PROMETHEUS_YML]);
    expect(`${config.stdout}${config.stderr}`).toMatch(/SUCCESS/);
    expect(config.code).toBe(0);
    const ruleFiles = readYaml<{ rule_files: string[] }>(PROMETHEUS_YML).rule_files.map((f) => resolve(COMPOSE_DIR, f));
    expect(ruleFiles.length).toBeGreaterThanOrEqual(2);
    const rules = await run('promtool', ['check', 'rules', ...ruleFiles]);
    expect(`${rules.stdout}${rules.stderr}`).not.toMatch(/FAILED/);
    expect(rules.code).toBe(0);
  });

  it('amtool check-config accepts alertmanager.yml', async () => {
    await requireTool('amtool');
    const r = await run('amtool', ['check-config', ALERTMANAGER_YML]);
    expect(r.stdout).toMatch(/SUCCESS/);
    expect(r.code).toBe(0);
  });
});

describe('docker-compose.yml keeps its promises', () => {
  let compose: ComposeFile;
  let services: Array<[string, ComposeService]>;

  beforeAll(async () => {
    compose = await composeConfig();
    services = Object.entries(compose.services);
  });

  const service = (name: string): ComposeService => {
    const s = compose.services[name];
    if (!s) throw new Error(`docker-compose.yml has no service ${name}`);
    return s;
  };

  it('runs the whole loop: Redis, a server without a worker, a separate worker, Prometheus, Alertmanager, Grafana', () => {
    expect(Object.keys(compose.services).sort()).toEqual(['alertmanager', 'drover', 'drover-worker', 'grafana', 'prometheus', 'redis']);
    expect(service('drover').command).toEqual(['serve', '--no-worker']);
    expect(service('drover-worker').command).toEqual(['worker']);
  });

  it('gives the kubeconfig to the worker only: the server, which takes traffic from outside, holds no Kubernetes credentials', () => {
    const kube = (name: string) => [...mounts(service(name)).keys()].filter((target) => target.startsWith('/home/node/.kube'));
    expect(kube('drover-worker')).toEqual(['/home/node/.kube']);
    expect(kube('drover')).toEqual([]);
    expect(service('drover').environment?.KUBECONFIG ?? '').toBe('');
  });

  it('publishes every port on 127.0.0.1 only', () => {
    const published = services.flatMap(([name, s]) => (s.ports ?? []).map((p) => [name, p] as const));
    expect(published.length).toBeGreaterThanOrEqual(4);
    for (const [name, port] of published) {
      const hostIp = typeof port === 'string' ? port.split(':')[0] : port.host_ip;
      expect(`${name} ${hostIp}`).toBe(`${name} 127.0.0.1`);
    }
  });

  it('pins every image it pulls to a version (no latest, no floating major)', () => {
    for (const [name, s] of services) {
      if (s.build) continue; // Drover's own image, built from this checkout
      expect(`${name} ${s.image}`).toMatch(/^\S+ [^:\s]+:v?\d+\.\d+\.\d+(-[a-z0-9.]+)?$/);
    }
  });

  it('gives the worker and the server the chart\'s grace periods, so runs in progress finish as they do in Kubernetes', () => {
    expect(seconds(service('drover-worker').stop_grace_period ?? '10s')).toBe(chartGrace('worker'));
    expect(seconds(service('drover').stop_grace_period ?? '10s')).toBe(chartGrace('server'));
  });

  it('runs the chart\'s Redis image and version', () => {
    const values = readYaml<{ redis: { image: { repository: string; tag: string } } }>(join(ROOT, 'helm', 'drover', 'values.yaml'));
    expect(service('redis').image).toBe(`${values.redis.image.repository}:${values.redis.image.tag}`);
  });

  it('runs Redis with AOF and a maxmemory it refuses writes beyond', () => {
    const args = service('redis').command ?? [];
    expect(argValue(args, '--appendonly')).toBe('yes');
    expect(argValue(args, '--maxmemory')).toMatch(/^\d+(mb|gb)$/);
    expect(argValue(args, '--maxmemory-policy')).toBe('noeviction');
    // Large enough for the audit log Drover keeps there (its default maxLength, about 0.5 KB an event,
    // in 60% of maxmemory: the chart's rule), or a stack left running fills Redis and every write fails.
    const [, n, unit] = /^(\d+)(mb|gb)$/.exec(argValue(args, '--maxmemory') ?? '')!;
    const maxmemory = Number(n) * (unit === 'gb' ? 1024 ** 3 : 1024 ** 2);
    const events = (configSchema.parse({}) as { audit: { maxLength: number } }).audit.maxLength;
    expect(events * 500).toBeLessThanOrEqual(maxmemory * 0.6);
  });

  it('gives every service a healthcheck and a restart policy', () => {
    for (const [name, s] of services) {
      expect(`${name} ${s.healthcheck?.disable ? 'disabled' : s.healthcheck?.test ? 'healthcheck' : 'none'}`).toBe(`${name} healthcheck`);
      expect(`${name} ${s.restart}`).toBe(`${name} unless-stopped`);
    }
  });

  it('mounts every file the configs name: the rules Prometheus loads, the dashboard Grafana provisions', () => {
    const prometheus = service('prometheus');
    const configPath = argValue(prometheus.command, '--config.file') ?? '/etc/prometheus/prometheus.yml';
    const mounted = mounts(prometheus);
    expect(mounted.get(configPath)).toBe(PROMETHEUS_YML);
    const ruleFiles = readYaml<{ rule_files: string[] }>(PROMETHEUS_YML).rule_files;
    for (const file of ruleFiles) {
      const inContainer = posix.resolve(posix.dirname(configPath), file);
      // The file the container gets is the one the repository's link (checked by promtool) points at.
      expect(mounted.get(inContainer)).toBe(realpathSync(resolve(COMPOSE_DIR, file)));
    }
    expect(mounted.get('/etc/prometheus/prometheus/drover-rules.yaml')).toBe(join(ROOT, 'helm', 'drover', 'files', 'drover-rules.yaml'));

    const grafana = mounts(service('grafana'));
    const provider = readYaml<{ providers: Array<{ options: { path: string } }> }>(join(COMPOSE_DIR, 'grafana', 'dashboards.yaml')).providers[0]!;
    const dashboards = [...grafana].filter(([target]) => target.startsWith(`${provider.options.path}/`));
    expect(dashboards).toEqual([[`${provider.options.path}/drover.json`, join(ROOT, 'helm', 'drover', 'files', 'grafana-dashboard.json')]]);
    for (const [, source] of [...mounted, ...grafana]) {
      if (source.startsWith(ROOT)) expect(`${source} ${existsSync(source) ? 'exists' : 'is missing'}`).toBe(`${source} exists`);
    }
  });

  it('has Alertmanager send Drover the token Drover expects, from the same variable', () => {
    const am = readYaml<{ receivers: Array<{ name: string; webhook_configs?: Array<{ url: string; http_config?: { authorization?: { credentials_file?: string } } }> }> }>(ALERTMANAGER_YML);
    const webhook = am.receivers.find((r) => r.name === 'drover')?.webhook_configs?.[0];
    expect(webhook?.url).toBe('http://drover:3000/webhooks/alertmanager');
    const alertmanager = service('alertmanager');
    const token = alertmanager.environment?.ALERTMANAGER_WEBHOOK_TOKEN;
    expect(token).toBe(service('drover').environment?.ALERTMANAGER_WEBHOOK_TOKEN);
    expect(String(token).length).toBeGreaterThanOrEqual(16);
    // The entrypoint writes the variable to the file alertmanager.yml names, on a tmpfs.
    const tokenFile = webhook?.http_config?.authorization?.credentials_file ?? '';
    expect(alertmanager.entrypoint?.join(' ')).toContain(`> ${tokenFile}`);
    expect([alertmanager.tmpfs].flat()).toContain(posix.dirname(tokenFile));
  });
});
