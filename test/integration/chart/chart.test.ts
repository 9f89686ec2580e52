/**
 * The Helm chart (helm/drover), rendered by the real Helm and checked as a
 * cluster would receive it: `helm lint --strict` clean, every object valid
 * against the Kubernetes OpenAPI schemas, a locked-down pod, configuration
 * Drover itself accepts, credentials only through Secrets, safe defaults (the
 * serving pod holds no Kubernetes credentials), and Helm's own failures for
 * missing required values. RBAC, scaling and the values schema have their own files.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { CHART, helmBinary, helmLint, helmNotes } from '../../support/helm.js';
import { ROOT } from '../../support/test-drover.js';
import {
  all,
  decode,
  droverConfigOf,
  droverContainer,
  droverWorkloads,
  one,
  render,
  renderWith,
  resolveEnv,
  schemaProblems,
  selects,
  unknownFields,
  type Binding,
  type Ingress,
  type Pdb,
  type Pod,
  type Rendered,
  type Secret,
  type Service,
  type ServiceMonitor,
  type Workload,
} from './objects.js';
import { ALERTS, COMBINED, EXTERNAL_REDIS_URL, MAXIMAL, MAXIMAL_VALUES_FILE, SLACK_HTTP, policyFor } from './values.js';

/** Kinds the chart may render, with the API version a current Kubernetes (1.25+) serves them at. */
const SERVED: Record<string, string> = {
  ConfigMap: 'v1',
  Secret: 'v1',
  Service: 'v1',
  ServiceAccount: 'v1',
  Pod: 'v1',
  Deployment: 'apps/v1',
  StatefulSet: 'apps/v1',
  ClusterRole: 'rbac.authorization.k8s.io/v1',
  ClusterRoleBinding: 'rbac.authorization.k8s.io/v1',
  Role: 'rbac.authorization.k8s.io/v1',
  RoleBinding: 'rbac.authorization.k8s.io/v1',
  Ingress: 'networking.k8s.io/v1',
  NetworkPolicy: 'networking.k8s.io/v1',
  PodDisruptionBudget: 'policy/v1',
  HorizontalPodAutoscaler: 'autoscaling/v2',
  ServiceMonitor: 'monitoring.coreos.com/v1',
  PrometheusRule: 'monitoring.coreos.com/v1',
  ScaledObject: 'keda.sh/v1alpha1',
  TriggerAuthentication: 'keda.sh/v1alpha1',
};

describe('Helm chart helm/drover', () => {
  let defaults: Rendered;
  let maximal: Rendered;
  let combined: Rendered;
  let external: Rendered;

  beforeAll(async () => {
    // Fetches the real Helm on a fresh machine (once; cached outside the checkout).
    helmBinary();
    [defaults, maximal, combined, external] = await Promise.all([
      render(),
      renderWith({ valuesFiles: [MAXIMAL_VALUES_FILE] }),
      render(COMBINED, SLACK_HTTP),
      render({ redis: { external: { url: EXTERNAL_REDIS_URL } }, rbac: { namespaces: ['shop'] }, networkPolicy: { enabled: true } }),
    ]);
  }, 300_000);

  it('passes `helm lint --strict` with the default, maximal and combined values', async () => {
    for (const options of [{}, { valuesFiles: [MAXIMAL_VALUES_FILE] }, { values: COMBINED }, { values: { ...COMBINED, ...policyFor(['*'], ['shop']) } }]) {
      await expect(helmLint(options)).resolves.toMatch(/1 chart\(s\) linted, 0 chart\(s\) failed/);
    }
  });

  it('is a v2 application chart deploying the package version', () => {
    const chart = parseYaml(readFileSync(join(CHART, 'Chart.yaml'), 'utf8')) as Record<string, string>;
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string };
    expect(chart).toMatchObject({ apiVersion: 'v2', name: 'drover', type: 'application', appVersion: pkg.version });
    expect(droverContainer(one<Workload>(defaults, 'Deployment', 'ops-drover')).image).toBe(`ghcr.io/drover-dev/drover:${pkg.version}`);
  });

  it('renders well-formed objects that the Kubernetes schemas accept, at the API versions a current Kubernetes serves', () => {
    for (const r of [defaults, maximal, combined, external]) {
      const seen = new Set<string>();
      for (const o of r.objects) {
        expect(o.metadata.name).toMatch(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/);
        expect(o.metadata.name.length).toBeLessThanOrEqual(63);
        expect({ kind: o.kind, apiVersion: o.apiVersion }).toEqual({ kind: o.kind, apiVersion: SERVED[o.kind] });
        const id = `${o.kind}/${o.metadata.namespace ?? ''}/${o.metadata.name}`;
        expect(seen.has(id)).toBe(false);
        seen.add(id);
        for (const value of Object.values(o.metadata.labels ?? {})) expect(value.length).toBeLessThanOrEqual(63);
      }
      // Each object against the OpenAPI schema of its kind (newest Kubernetes; the CRDs' own schemas), and no field the API does not define.
      expect(schemaProblems(r.objects)).toEqual([]);
      expect(unknownFields(r.objects)).toEqual([]);
    }
    // Every kind the chart can render is rendered by the maximal values, and so validated.
    expect([...new Set(maximal.objects.map((o) => o.kind))].sort()).toEqual(Object.keys(SERVED).sort());
    // The unknown-field check does find one, deep in a pod template.
    const server = one<Workload>(defaults, 'Deployment', 'ops-drover');
    const typo = { ...server, spec: { ...server.spec, template: { ...server.spec.template, spec: { ...server.spec.template.spec, topologySpreadConstraint: [] } } } };
    expect(unknownFields([typo])).toEqual(['Deployment/ops-drover.spec.template.spec.topologySpreadConstraint']);
    // The default install, object by object: a new object is a reviewed change. No RBAC: the default policy allows nothing.
    expect(defaults.objects.map((o) => `${o.kind}/${o.metadata.name}`).sort()).toEqual([
      'ConfigMap/ops-drover-config',
      'ConfigMap/ops-drover-policy',
      'Deployment/ops-drover',
      'Deployment/ops-drover-worker',
      'NetworkPolicy/ops-drover-redis',
      'Pod/ops-drover-test-readyz',
      'Secret/ops-drover-redis',
      'Service/ops-drover',
      'Service/ops-drover-redis',
      'Service/ops-drover-worker',
      'ServiceAccount/ops-drover',
      'ServiceAccount/ops-drover-server',
      'StatefulSet/ops-drover-redis',
    ]);
  });

  it('runs Drover as non-root on a read-only root filesystem, probed on /healthz and /readyz', () => {
    for (const w of [defaults, maximal, combined].flatMap(droverWorkloads)) {
      const pod = w.spec.template.spec;
      expect(pod.securityContext).toMatchObject({ runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } });
      expect(pod.securityContext?.runAsUser).toBeGreaterThan(0);
      const c = droverContainer(w);
      expect(c.securityContext).toMatchObject({ readOnlyRootFilesystem: true, allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } });
      expect(c.securityContext?.capabilities?.add).toBeUndefined();
      expect(c.ports).toEqual([expect.objectContaining({ name: 'http', containerPort: 3000 })]);
      expect(c.livenessProbe?.httpGet).toEqual({ path: '/healthz', port: 'http' });
      expect(c.startupProbe?.httpGet).toEqual({ path: '/healthz', port: 'http' });
      expect(c.readinessProbe?.httpGet).toEqual({ path: '/readyz', port: 'http' });
      expect(c.resources?.limits?.memory).toBeDefined();
      // The only writable path: /tmp, where the compiled runbooks are cached.
      const tmp = c.volumeMounts?.find((m) => m.mountPath === '/tmp');
      expect(pod.volumes?.find((v) => v.name === tmp?.name)?.emptyDir).toBeDefined();
    }
    const redis = one<Workload>(defaults, 'StatefulSet', 'ops-drover-redis');
    expect(redis.spec.template.spec.securityContext).toMatchObject({ runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } });
    expect(redis.spec.template.spec.containers[0]?.securityContext).toMatchObject({ readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } });
    expect(redis.spec.template.spec.automountServiceAccountToken).toBe(false);
    // The ServiceAccount mounts no token unless a pod asks (the workers do).
    expect(one(defaults, 'ServiceAccount', 'ops-drover').automountServiceAccountToken).toBe(false);
  });

  it('by default, runs the worker apart: the serving pod holds no Kubernetes token and no kubeconfig', () => {
    for (const r of [defaults, maximal]) {
      const server = one<Workload>(r, 'Deployment', 'ops-drover');
      const worker = one<Workload>(r, 'Deployment', 'ops-drover-worker');
      expect(droverContainer(server).args).toEqual(['serve', '--no-worker']);
      expect(droverContainer(worker).args).toEqual(['worker']);
      expect(server.spec.template.spec.automountServiceAccountToken).toBe(false);
      expect(worker.spec.template.spec.automountServiceAccountToken).toBe(true);
      expect(worker.spec.template.spec.serviceAccountName).toBe('ops-drover');
      expect(JSON.stringify(server)).not.toMatch(/kubeconfig|KUBECONFIG/i);
      // The Service sends Slack and Alertmanager to the server pods only.
      expect(selects(one<Service>(r, 'Service', 'ops-drover').spec.selector, worker.spec.template.metadata.labels)).toBe(false);
    }
    expect(one<Workload>(defaults, 'Deployment', 'ops-drover-worker').spec.replicas).toBe(2);
    // The kubeconfig goes to the workers only.
    const worker = one<Workload>(maximal, 'Deployment', 'ops-drover-worker');
    expect(droverContainer(worker).volumeMounts).toContainEqual(expect.objectContaining({ mountPath: '/etc/drover/kubeconfig', readOnly: true }));

    // worker.separate: false, one Deployment that serves and runs, with the token.
    const single = droverWorkloads(combined);
    expect(single.map((d) => [d.metadata.name, droverContainer(d).args])).toEqual([['ops-drover', ['serve']]]);
    expect(single[0]!.spec.template.spec.automountServiceAccountToken).toBe(true);
    expect(all(combined, 'Service').map((s) => s.metadata.name).sort()).toEqual(['ops-drover', 'ops-drover-redis']);
  });

  it("gives the serving pod a ServiceAccount of its own: no RBAC, and none of the cloud identity the workers' account carries", async () => {
    const annotations = { 'eks.amazonaws.com/role-arn': 'arn:aws:iam::111122223333:role/drover' };
    const r = await render(MAXIMAL, { serviceAccount: { annotations } });
    const server = one<Workload>(r, 'Deployment', 'ops-drover').spec.template.spec;
    expect(server.serviceAccountName).toBe('ops-drover-server');
    const account = one(r, 'ServiceAccount', 'ops-drover-server');
    expect(account.metadata.annotations).toBeUndefined();
    expect(account.automountServiceAccountToken).toBe(false);
    expect(one(r, 'ServiceAccount', 'ops-drover').metadata.annotations).toEqual(annotations);
    const subjects = [...all<Binding>(r, 'RoleBinding'), ...all<Binding>(r, 'ClusterRoleBinding')].flatMap((b) => b.subjects.map((x) => x.name));
    expect(subjects.length).toBeGreaterThan(0);
    expect(subjects).not.toContain('ops-drover-server');
    // One Deployment that runs too: it is the workers' account, and no second one is made.
    expect(one<Workload>(await render(COMBINED), 'Deployment', 'ops-drover').spec.template.spec.serviceAccountName).toBe('ops-drover');
    expect(all(await render(COMBINED), 'ServiceAccount').map((a) => a.metadata.name)).toEqual(['ops-drover']);
  });

  it('points DROVER_CONFIG and DROVER_POLICY at mounted ConfigMap files that Drover accepts', async () => {
    for (const w of droverWorkloads(defaults)) {
      const { env, config, policy } = droverConfigOf(defaults, w);
      expect(env).toMatchObject({ DROVER_CONFIG: '/etc/drover/config/config.yaml', DROVER_POLICY: '/etc/drover/policy/policy.yaml' });
      // What the probes and the Service rely on, and no sandbox cluster in production.
      expect(config.http).toEqual({ port: 3000, host: '0.0.0.0' });
      expect(config.clusters.sandbox).toBe('off');
      expect(config.policy.file).toBe('/etc/drover/policy/policy.yaml');
      expect(config.slack.botToken).toBeUndefined();
      // Fail closed: the default policy allows nothing, and the notes say so.
      expect(policy.rules).toEqual([]);
    }
    expect(await helmNotes()).toMatch(/the policy has no rules, so every run is denied/);

    // Everything on: Slack in HTTP mode, alerts, a policy, user settings merged under the chart's.
    for (const w of droverWorkloads(maximal)) {
      const loaded = droverConfigOf(maximal, w);
      expect(loaded.config.slack).toMatchObject({ mode: 'http', botToken: MAXIMAL.slack.botToken, signingSecret: MAXIMAL.slack.signingSecret });
      expect(loaded.config.alerts).toMatchObject({ webhookToken: MAXIMAL.alertmanager.webhookToken, channel: 'C0123ALERTS' });
      expect(loaded.config.log.level).toBe('debug');
      expect(loaded.config.worker.concurrency).toBe(4);
      expect(loaded.policy.rules).toHaveLength(3);
    }
    const kubeconfigOf = (name: string) => droverConfigOf(maximal, one<Workload>(maximal, 'Deployment', name)).config.clusters;
    expect(kubeconfigOf('ops-drover-worker')).toMatchObject({ default: 'in-cluster', sandbox: 'off', kubeconfig: ['/etc/drover/kubeconfig/prod', '/etc/drover/kubeconfig/staging'] });
    expect(kubeconfigOf('ops-drover').kubeconfig).toEqual([]);

    // A change of configuration changes the pod template, so the pods roll.
    const changed = await render({ config: { log: { level: 'warn' } } });
    const annotations = (r: Rendered) => one<Workload>(r, 'Deployment', 'ops-drover-worker').spec.template.metadata.annotations ?? {};
    expect(annotations(changed)['checksum/config']).toMatch(/^[0-9a-f]{64}$/);
    expect(annotations(changed)['checksum/config']).not.toBe(annotations(defaults)['checksum/config']);
    expect(annotations(changed)['checksum/policy']).toBe(annotations(defaults)['checksum/policy']);
  });

  it('passes credentials only through secretKeyRef, never in the pod spec', async () => {
    const credentials = [MAXIMAL.slack.botToken, MAXIMAL.slack.signingSecret, MAXIMAL.alertmanager.webhookToken, MAXIMAL.audit.key, 'redis-pw-0123456789'];
    const externalMaximal = await renderWith({ valuesFiles: [MAXIMAL_VALUES_FILE], values: [{ redis: { external: { url: EXTERNAL_REDIS_URL } }, autoscaling: { keda: { enabled: false } } }] });
    for (const r of [maximal, externalMaximal]) {
      const secrets = all<Secret>(r, 'Secret').map((s) => Object.values(s.data ?? {}).map(decode).join('\n')).join('\n');
      for (const o of r.objects.filter((x) => x.kind !== 'Secret')) {
        const text = JSON.stringify(o);
        for (const credential of credentials) expect(text).not.toContain(credential);
      }
      for (const w of [...all<Workload>(r, 'Deployment'), ...all<Workload>(r, 'StatefulSet')]) {
        for (const v of w.spec.template.spec.containers.flatMap((c) => c.env ?? [])) {
          if (/TOKEN|SECRET|PASSWORD|AUTH|KEY/.test(v.name)) expect(v.valueFrom?.secretKeyRef).toBeDefined();
        }
      }
      for (const credential of credentials.slice(0, 4)) expect(secrets).toContain(credential);
    }
    // The bundled Redis: its password comes from a Secret, and REDIS_URL has it substituted by the kubelet.
    const server = one<Workload>(maximal, 'Deployment', 'ops-drover');
    expect(droverContainer(server).env?.find((v) => v.name === 'REDIS_URL')?.value).toBe('redis://:$(REDIS_PASSWORD)@ops-drover-redis:6379');
    expect(resolveEnv(maximal, server).env.REDIS_URL).toMatch(/^redis:\/\/:[A-Za-z0-9]{32}@ops-drover-redis:6379$/);

    // existingSecret: the chart creates no Secret for Slack, and the pods read the keys Socket Mode needs.
    const mine = await render({ slack: { enabled: true, mode: 'socket' }, alertmanager: { enabled: true }, existingSecret: 'my-drover-secrets' });
    expect(all(mine, 'Secret').map((s) => s.metadata.name)).toEqual(['ops-drover-redis']);
    expect(resolveEnv(mine, one<Workload>(mine, 'Deployment', 'ops-drover')).external).toEqual([
      { name: 'my-drover-secrets', key: 'SLACK_BOT_TOKEN' },
      { name: 'my-drover-secrets', key: 'SLACK_APP_TOKEN' },
      { name: 'my-drover-secrets', key: 'ALERTMANAGER_WEBHOOK_TOKEN' },
    ]);
  });

  it("keys the audit log from a Secret: the chart's own, or one you manage", async () => {
    const auditKey = 'audit-key-0123456789abcdef0123456789';
    const own = await render({ audit: { key: auditKey } });
    expect(all<Secret>(own, 'Secret').map((s) => decode(s.data?.DROVER_AUDIT_KEY ?? ''))).toContain(auditKey);
    for (const w of droverWorkloads(own)) {
      expect(JSON.stringify(w)).not.toContain(auditKey);
      expect(droverContainer(w).env?.find((v) => v.name === 'DROVER_AUDIT_KEY')?.valueFrom?.secretKeyRef).toEqual({ name: 'ops-drover', key: 'DROVER_AUDIT_KEY' });
    }
    const mine = await render({ audit: { existingSecret: 'drover-audit-key' } });
    for (const w of droverWorkloads(mine)) {
      expect(droverContainer(w).env?.find((v) => v.name === 'DROVER_AUDIT_KEY')?.valueFrom?.secretKeyRef).toEqual({ name: 'drover-audit-key', key: 'audit-key' });
    }
    expect(droverContainer(one<Workload>(defaults, 'Deployment', 'ops-drover')).env?.some((v) => v.name === 'DROVER_AUDIT_KEY')).toBe(false);
    await expect(render({ audit: { key: 'short' } })).rejects.toThrow(/audit.key must be at least 32 characters/);
  });

  it('renders the ServiceMonitor, Ingress and PodDisruptionBudgets only when enabled', async () => {
    for (const kind of ['ServiceMonitor', 'PrometheusRule', 'Ingress', 'PodDisruptionBudget', 'HorizontalPodAutoscaler', 'ScaledObject']) expect(all(defaults, kind)).toEqual([]);

    // The ServiceMonitor finds the server's and the workers' Services (port http), not Redis's.
    const monitor = one<ServiceMonitor>(maximal, 'ServiceMonitor', 'ops-drover');
    expect(monitor.metadata.labels).toMatchObject({ release: 'kube-prometheus-stack' });
    expect(monitor.spec.endpoints).toEqual([expect.objectContaining({ port: 'http', path: '/metrics' })]);
    const components = monitor.spec.selector.matchExpressions?.[0]?.values ?? [];
    const scraped = all<Service>(maximal, 'Service').filter(
      (s) => selects(monitor.spec.selector.matchLabels, s.metadata.labels) && components.includes(s.metadata.labels?.['app.kubernetes.io/component'] ?? ''),
    );
    expect(scraped.map((s) => s.metadata.name).sort()).toEqual(['ops-drover', 'ops-drover-worker']);
    for (const s of scraped) expect(s.spec.ports.map((p) => p.name)).toContain('http');
    const workerService = one<Service>(maximal, 'Service', 'ops-drover-worker');
    expect(selects(workerService.spec.selector, one<Workload>(maximal, 'Deployment', 'ops-drover-worker').spec.template.metadata.labels)).toBe(true);

    // The Ingress exposes what Slack and Alertmanager post to, and nothing else (no /metrics).
    const ingress = one<Ingress>(maximal, 'Ingress', 'ops-drover');
    const service = one<Service>(maximal, 'Service', 'ops-drover');
    expect(ingress.spec.rules).toHaveLength(1);
    expect(ingress.spec.rules[0]!.http.paths.map((p) => [p.path, p.pathType])).toEqual([
      ['/slack/events', 'Exact'],
      ['/webhooks/alertmanager', 'Exact'],
    ]);
    for (const p of ingress.spec.rules[0]!.http.paths) expect(p.backend.service).toEqual({ name: service.metadata.name, port: { number: service.spec.ports[0]!.port } });
    expect(selects(service.spec.selector, one<Workload>(maximal, 'Deployment', 'ops-drover').spec.template.metadata.labels)).toBe(true);
    const socketAlerts = await render({ slack: { enabled: true, mode: 'socket', botToken: 'xoxb-1', appToken: 'xapp-1' }, ...ALERTS, ingress: { enabled: true } });
    expect(one<Ingress>(socketAlerts, 'Ingress', 'ops-drover').spec.rules[0]!.http.paths.map((p) => p.path)).toEqual(['/webhooks/alertmanager']);
    await expect(render({ ingress: { enabled: true } })).rejects.toThrow(/ingress\.enabled is true but there is nothing to expose/);

    // One budget per Deployment, each selecting its pods.
    const pdbs = all<Pdb>(maximal, 'PodDisruptionBudget');
    expect(pdbs.map((p) => p.metadata.name)).toEqual(['ops-drover', 'ops-drover-worker']);
    for (const pdb of pdbs) {
      expect(pdb.spec).toMatchObject({ maxUnavailable: 1 });
      expect(selects(pdb.spec.selector.matchLabels, one<Workload>(maximal, 'Deployment', pdb.metadata.name).spec.template.metadata.labels)).toBe(true);
    }
  });

  it('bundles a pinned Valkey with AOF and a maxmemory below its memory limit, unless an external Redis is given', async () => {
    const redis = one<Workload>(defaults, 'StatefulSet', 'ops-drover-redis');
    const container = redis.spec.template.spec.containers[0]!;
    expect(container.image).toMatch(/^docker\.io\/valkey\/valkey:\d+\.\d+\.\d+-alpine$/);
    const args = container.args?.join(' ') ?? '';
    expect(args).toContain('--appendonly yes');
    expect(args).toContain('--maxmemory-policy noeviction');
    // 80% of the 1Gi limit: a full Redis refuses writes before the container is OOM-killed.
    expect(container.resources?.limits?.memory).toBe('1Gi');
    expect(args).toContain(`--maxmemory ${Math.floor(1024 * 1024 * 1024 * 0.8)}`);
    expect(redis.spec.volumeClaimTemplates?.[0]?.spec.resources.requests.storage).toBe('2Gi');
    expect(container.volumeMounts).toContainEqual({ name: 'data', mountPath: '/data' });
    const redisService = one<Service>(defaults, 'Service', 'ops-drover-redis');
    expect(selects(redisService.spec.selector, redis.spec.template.metadata.labels)).toBe(true);
    expect(redisService.spec.ports).toEqual([expect.objectContaining({ port: 6379 })]);
    // The maximal values: an explicit maxmemory, and the image pinned by digest.
    const pinned = one<Workload>(maximal, 'StatefulSet', 'ops-drover-redis').spec.template.spec.containers[0]!;
    expect(pinned.image).toBe(`docker.io/valkey/valkey@${(MAXIMAL.redis as { image: { digest: string } }).image.digest}`);
    expect(pinned.args?.join(' ')).toContain('--maxmemory 400mb');
    // Keeping a Redis image (an upgrade from the chart's earlier redis:7): its own binaries.
    const kept = one<Workload>(await render({ redis: { image: { repository: 'docker.io/library/redis', tag: '7.4.2-alpine' } } }), 'StatefulSet', 'ops-drover-redis');
    expect(kept.spec.template.spec.containers[0]?.args?.[0]).toContain('exec redis-server - ');
    expect(container.args?.[0]).toContain('exec valkey-server - ');
    await expect(render({ redis: { resources: { limits: null } } })).rejects.toThrow(/redis\.maxmemory is empty and redis\.resources\.limits\.memory is not set/);

    expect(all(external, 'StatefulSet')).toEqual([]);
    expect(all(external, 'NetworkPolicy').map((n) => n.metadata.name)).toEqual(['ops-drover', 'ops-drover-worker']);
    expect(all(external, 'Service').map((s) => s.metadata.name).sort()).toEqual(['ops-drover', 'ops-drover-worker']);
    for (const w of droverWorkloads(external)) expect(resolveEnv(external, w).env.REDIS_URL).toBe(EXTERNAL_REDIS_URL);

    const managed = await render({ redis: { external: { existingSecret: 'redis-creds', existingSecretKey: 'url' } } });
    expect(all(managed, 'Secret')).toEqual([]);
    expect(all(managed, 'StatefulSet')).toEqual([]);
    expect(resolveEnv(managed, one<Workload>(managed, 'Deployment', 'ops-drover')).external).toEqual([{ name: 'redis-creds', key: 'url' }]);
    await expect(render({ redis: { external: { url: 'http://redis:6379' } } })).rejects.toThrow(/at '\/redis\/external\/url': 'http:\/\/redis:6379' does not match pattern/);
  });

  it('ships a locked-down `helm test` pod that asks the Service for /readyz', () => {
    const test = one<Pod>(defaults, 'Pod', 'ops-drover-test-readyz');
    expect(test.metadata.annotations).toMatchObject({ 'helm.sh/hook': 'test' });
    expect(test.spec.restartPolicy).toBe('Never');
    expect(test.spec.automountServiceAccountToken).toBe(false);
    expect(test.spec.securityContext).toMatchObject({ runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } });
    const [c] = test.spec.containers;
    expect(c?.image).toBe(droverContainer(one<Workload>(defaults, 'Deployment', 'ops-drover')).image);
    expect(c?.securityContext).toMatchObject({ readOnlyRootFilesystem: true, allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } });
    const service = one<Service>(defaults, 'Service', 'ops-drover');
    expect(c?.env).toEqual([{ name: 'READYZ_URL', value: `http://ops-drover.drover.svc:${service.spec.ports[0]!.port}/readyz` }]);
    expect(c?.command?.join(' ')).toMatch(/^node -e fetch\(process\.env\.READYZ_URL/);
  });

  it.each([
    [{ slack: { enabled: true } }, 'slack.botToken is required when slack.enabled is true (or set existingSecret)'],
    [{ slack: { enabled: true, botToken: 'xoxb-1' } }, 'slack.signingSecret is required in HTTP mode'],
    [{ slack: { enabled: true, botToken: 'xoxb-1', mode: 'socket' } }, 'slack.appToken is required in Socket Mode'],
    [{ alertmanager: { enabled: true } }, 'alertmanager.webhookToken is required when alertmanager.enabled is true'],
    [{ alertmanager: { enabled: true, webhookToken: 'too-short' } }, 'alertmanager.webhookToken must be at least 16 characters'],
    [{ redis: { auth: { password: 'p@ss/word' } } }, 'redis.auth.password may only hold letters, digits'],
    [{ autoscaling: { keda: { enabled: true } }, worker: { separate: false } }, 'autoscaling.keda scales the worker Deployment: it needs worker.separate: true'],
    [{ autoscaling: { keda: { enabled: true } }, redis: { external: { url: EXTERNAL_REDIS_URL } } }, 'autoscaling.keda.externalRedis.address (host:port) is required with an external Redis'],
  ])('refuses %j as Helm does', async (values, message) => {
    // The template named is the first to evaluate the check (the pod templates include secret.yaml for its checksum).
    const literal = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    await expect(render(values)).rejects.toThrow(new RegExp(`^Error: execution error at \\(drover/templates/[\\w/.-]+\\.yaml:\\d+:\\d+\\): ${literal(message)}`));
  });
});
