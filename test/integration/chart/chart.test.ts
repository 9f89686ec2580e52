/**
 * The Helm chart (helm/drover), rendered as `helm template` would and checked
 * as a cluster would receive it: well-formed objects of served APIs, a locked
 * down pod, configuration Drover itself accepts, credentials only through
 * Secrets, least-privilege RBAC derived from the shipped runbooks, and
 * Helm-style failures for missing required values.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { CHART, helmBinary, helmNotes } from '../../support/helm.js';
import { ROOT } from '../../support/test-drover.js';
import {
  all,
  decode,
  droverConfigOf,
  droverContainer,
  grants,
  one,
  render,
  resolveEnv,
  schemaProblems,
  selects,
  type Binding,
  type Ingress,
  type Pdb,
  type Rendered,
  type Role,
  type Rule,
  type Secret,
  type Service,
  type ServiceMonitor,
  type Workload,
} from './objects.js';

// ---- What the RBAC must be

/** The rules the shipped runbooks need, as rendered (order included): a change here is a reviewed change. */
const RUNBOOK_RULES: Rule[] = [
  { apiGroups: ['apps'], resources: ['deployments'], verbs: ['get', 'patch'] },
  { apiGroups: ['apps'], resources: ['deployments/scale'], verbs: ['get', 'patch'] },
  { apiGroups: [''], resources: ['pods'], verbs: ['get', 'list', 'delete'] },
  { apiGroups: [''], resources: ['pods/log'], verbs: ['get'] },
  { apiGroups: [''], resources: ['events'], verbs: ['list'] },
  { apiGroups: ['autoscaling'], resources: ['horizontalpodautoscalers'], verbs: ['get', 'patch'] },
  { apiGroups: [''], resources: ['persistentvolumeclaims'], verbs: ['get', 'patch'] },
  { apiGroups: ['batch'], resources: ['jobs'], verbs: ['get'] },
];
const CLUSTER_RULES: Rule[] = [
  { apiGroups: [''], resources: ['nodes'], verbs: ['get', 'patch'] },
  { apiGroups: ['storage.k8s.io'], resources: ['storageclasses'], verbs: ['get'] },
];

/**
 * The API calls behind each ctx.k8s method (src/k8s/*-ops.ts). A runbook
 * calling a method missing here fails the test: add it, and the grant it needs.
 */
const K8S_METHOD_CALLS: Record<string, Array<[group: string, resource: string, verb: string]>> = {
  getDeployment: [['apps', 'deployments', 'get']],
  restartDeployment: [['apps', 'deployments', 'get'], ['apps', 'deployments', 'patch']],
  getScale: [['apps', 'deployments/scale', 'get']],
  scaleDeployment: [['apps', 'deployments/scale', 'get'], ['apps', 'deployments/scale', 'patch']],
  getPod: [['', 'pods', 'get']],
  listPods: [['', 'pods', 'list']],
  deletePod: [['', 'pods', 'get'], ['', 'pods', 'delete']],
  readPodLogs: [['', 'pods/log', 'get']],
  listEvents: [['', 'events', 'list']],
  getNode: [['', 'nodes', 'get']],
  cordonNode: [['', 'nodes', 'get'], ['', 'nodes', 'patch']],
  getHpa: [['autoscaling', 'horizontalpodautoscalers', 'get']],
  setHpaMaxReplicas: [['autoscaling', 'horizontalpodautoscalers', 'get'], ['autoscaling', 'horizontalpodautoscalers', 'patch']],
  getPvc: [['', 'persistentvolumeclaims', 'get']],
  expandPvc: [['', 'persistentvolumeclaims', 'get'], ['', 'persistentvolumeclaims', 'patch']],
  getStorageClass: [['storage.k8s.io', 'storageclasses', 'get']],
  getJob: [['batch', 'jobs', 'get']],
  listJobPods: [['', 'pods', 'list']],
};

/** Kinds the chart may render, with the API version a current Kubernetes (1.25+) serves them at. */
const SERVED: Record<string, string> = {
  ConfigMap: 'v1',
  Secret: 'v1',
  Service: 'v1',
  ServiceAccount: 'v1',
  Deployment: 'apps/v1',
  StatefulSet: 'apps/v1',
  ClusterRole: 'rbac.authorization.k8s.io/v1',
  ClusterRoleBinding: 'rbac.authorization.k8s.io/v1',
  Role: 'rbac.authorization.k8s.io/v1',
  RoleBinding: 'rbac.authorization.k8s.io/v1',
  Ingress: 'networking.k8s.io/v1',
  NetworkPolicy: 'networking.k8s.io/v1',
  PodDisruptionBudget: 'policy/v1',
  ServiceMonitor: 'monitoring.coreos.com/v1',
};

// ---- Values used below

const SLACK_HTTP = { slack: { enabled: true, botToken: 'xoxb-1111-2222-bottoken', signingSecret: 'signing-secret-0123456789' } };
const ALERTS = { alertmanager: { enabled: true, webhookToken: 'webhook-token-0123456789abcdef' } };
const EXTERNAL_REDIS_URL = 'rediss://:redis-pw-0123456789@redis.example.com:6380';
/** Everything on at once. */
const EVERYTHING = {
  ...SLACK_HTTP,
  ...ALERTS,
  worker: { separate: true, replicas: 3 },
  ingress: { enabled: true, className: 'nginx', hosts: ['drover.example.com'], tls: [{ secretName: 'drover-tls', hosts: ['drover.example.com'] }] },
  serviceMonitor: { enabled: true, labels: { release: 'kube-prometheus-stack' } },
  podDisruptionBudget: { enabled: true },
  impersonation: { enabled: true, users: ['alice@example.com', 'drover-automation'], groups: ['sre'] },
  kubeconfig: { existingSecret: 'drover-kubeconfig', keys: ['prod', 'staging'] },
  config: { clusters: { default: 'in-cluster' }, log: { level: 'debug' }, alerts: { channel: 'C0123ALERTS' } },
  policy: {
    groups: { sre: ['U012ABCDEF'], automation: ['alertmanager'] },
    rules: [
      { groups: ['sre'], runbooks: ['*'], clusters: ['*'] },
      { groups: ['automation'], runbooks: ['restart-deployment', 'delete-pod'], clusters: ['*'], namespaces: ['*', '!kube-system'] },
    ],
    approvals: [{ risk: ['high'], require: { approvals: 1, from: 'sre' } }],
  },
};

describe('Helm chart helm/drover', () => {
  let defaults: Rendered;
  let everything: Rendered;

  beforeAll(async () => {
    // Fetches the real Helm on a fresh machine (once; cached outside the checkout).
    helmBinary();
    [defaults, everything] = await Promise.all([render(), render(EVERYTHING)]);
  }, 300_000);

  it('is a v2 application chart deploying the package version', () => {
    const chart = parseYaml(readFileSync(join(CHART, 'Chart.yaml'), 'utf8')) as Record<string, string>;
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string };
    expect(chart).toMatchObject({ apiVersion: 'v2', name: 'drover', type: 'application', appVersion: pkg.version });
    const server = one<Workload>(defaults, 'Deployment', 'ops-drover');
    expect(droverContainer(server).image).toBe(`ghcr.io/drover-dev/drover:${pkg.version}`);
  });

  it('renders well-formed objects of API versions a current Kubernetes serves', async () => {
    const renders = [defaults, everything, await render({ redis: { external: { url: EXTERNAL_REDIS_URL } }, rbac: { namespaces: ['shop'] } })];
    for (const r of renders) {
      const seen = new Set<string>();
      for (const o of r.objects) {
        expect(o).toEqual(expect.objectContaining({ apiVersion: expect.any(String) as string, kind: expect.any(String) as string }));
        expect(o.metadata.name).toMatch(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/);
        expect(o.metadata.name.length).toBeLessThanOrEqual(63);
        expect({ kind: o.kind, apiVersion: o.apiVersion }).toEqual({ kind: o.kind, apiVersion: SERVED[o.kind] });
        const id = `${o.kind}/${o.metadata.namespace ?? ''}/${o.metadata.name}`;
        expect(seen.has(id)).toBe(false);
        seen.add(id);
        for (const value of Object.values(o.metadata.labels ?? {})) expect(value.length).toBeLessThanOrEqual(63);
      }
      // Each object against the OpenAPI schema of its kind (newest Kubernetes; the CRDs' own schemas).
      expect(schemaProblems(r.objects)).toEqual([]);
    }
    // The default install, object by object: a new object is a reviewed change.
    expect(defaults.objects.map((o) => `${o.kind}/${o.metadata.name}`).sort()).toEqual([
      'ClusterRole/ops-drover',
      'ClusterRoleBinding/ops-drover',
      'ConfigMap/ops-drover-config',
      'ConfigMap/ops-drover-policy',
      'Deployment/ops-drover',
      'NetworkPolicy/ops-drover-redis',
      'Secret/ops-drover-redis',
      'Service/ops-drover',
      'Service/ops-drover-redis',
      'ServiceAccount/ops-drover',
      'StatefulSet/ops-drover-redis',
    ]);
  });

  it('runs Drover as non-root on a read-only root filesystem, probed on /healthz and /readyz', () => {
    for (const w of [...all<Workload>(everything, 'Deployment'), one<Workload>(defaults, 'Deployment', 'ops-drover')]) {
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
      // The only writable path: /tmp, where tsx caches the compiled runbooks.
      const tmp = c.volumeMounts?.find((m) => m.mountPath === '/tmp');
      expect(pod.volumes?.find((v) => v.name === tmp?.name)?.emptyDir).toBeDefined();
    }
    const redis = one<Workload>(defaults, 'StatefulSet', 'ops-drover-redis');
    expect(redis.spec.template.spec.securityContext).toMatchObject({ runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } });
    expect(redis.spec.template.spec.containers[0]?.securityContext).toMatchObject({ readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } });
    expect(redis.spec.template.spec.automountServiceAccountToken).toBe(false);
  });

  it('points DROVER_CONFIG and DROVER_POLICY at mounted ConfigMap files that Drover accepts', async () => {
    const server = one<Workload>(defaults, 'Deployment', 'ops-drover');
    const { env, config, policy } = droverConfigOf(defaults, server);
    expect(env).toMatchObject({ DROVER_CONFIG: '/etc/drover/config/config.yaml', DROVER_POLICY: '/etc/drover/policy/policy.yaml' });
    // What the probes and the Service rely on, and no sandbox cluster in production.
    expect(config.http).toEqual({ port: 3000, host: '0.0.0.0' });
    expect(config.clusters.sandbox).toBe('off');
    expect(config.policy.file).toBe('/etc/drover/policy/policy.yaml');
    expect(config.slack.botToken).toBeUndefined();
    // Fail closed: the default policy allows nothing, and the notes say so.
    expect(policy.rules).toEqual([]);
    expect(await helmNotes()).toMatch(/the policy has no rules, so every run is denied/);

    // Everything on: Slack in HTTP mode, alerts, a policy, user settings merged under the chart's.
    for (const w of all<Workload>(everything, 'Deployment')) {
      const loaded = droverConfigOf(everything, w);
      expect(loaded.config.slack).toMatchObject({ mode: 'http', botToken: SLACK_HTTP.slack.botToken, signingSecret: SLACK_HTTP.slack.signingSecret });
      expect(loaded.config.alerts).toMatchObject({ webhookToken: ALERTS.alertmanager.webhookToken, channel: 'C0123ALERTS' });
      expect(loaded.config.log.level).toBe('debug');
      expect(loaded.config.clusters).toMatchObject({ default: 'in-cluster', sandbox: 'off', kubeconfig: ['/etc/drover/kubeconfig/prod', '/etc/drover/kubeconfig/staging'] });
      expect(loaded.policy.rules).toHaveLength(2);
      const kube = w.spec.template.spec.volumes?.find((v) => v.secret?.secretName === 'drover-kubeconfig');
      expect(droverContainer(w).volumeMounts).toContainEqual({ name: kube?.name, mountPath: '/etc/drover/kubeconfig', readOnly: true });
    }

    // A change of configuration changes the pod template, so the pods roll.
    const changed = await render({ config: { log: { level: 'warn' } } });
    const annotations = (r: Rendered) => one<Workload>(r, 'Deployment', 'ops-drover').spec.template.metadata.annotations ?? {};
    expect(annotations(changed)['checksum/config']).toMatch(/^[0-9a-f]{64}$/);
    expect(annotations(changed)['checksum/config']).not.toBe(annotations(defaults)['checksum/config']);
    expect(annotations(changed)['checksum/policy']).toBe(annotations(defaults)['checksum/policy']);
  });

  it('passes credentials only through secretKeyRef, never in the pod spec', async () => {
    const credentials = [SLACK_HTTP.slack.botToken, SLACK_HTTP.slack.signingSecret, ALERTS.alertmanager.webhookToken, 'redis-pw-0123456789'];
    const external = await render(EVERYTHING, { redis: { external: { url: EXTERNAL_REDIS_URL } } });
    for (const r of [everything, external]) {
      const secrets = all<Secret>(r, 'Secret').map((s) => Object.values(s.data ?? {}).map(decode).join('\n')).join('\n');
      for (const w of [...all<Workload>(r, 'Deployment'), ...all<Workload>(r, 'StatefulSet')]) {
        const spec = JSON.stringify(w);
        for (const credential of credentials) expect(spec).not.toContain(credential);
        for (const v of w.spec.template.spec.containers.flatMap((c) => c.env ?? [])) {
          if (/TOKEN|SECRET|PASSWORD|AUTH/.test(v.name)) expect(v.valueFrom?.secretKeyRef).toBeDefined();
        }
      }
      for (const credential of credentials.slice(0, 3)) expect(secrets).toContain(credential);
    }
    // The bundled Redis: its password comes from a Secret, and REDIS_URL has it substituted by the kubelet.
    const server = one<Workload>(everything, 'Deployment', 'ops-drover');
    const redisUrl = droverContainer(server).env?.find((v) => v.name === 'REDIS_URL');
    expect(redisUrl?.value).toBe('redis://:$(REDIS_PASSWORD)@ops-drover-redis:6379');
    expect(resolveEnv(everything, server).env.REDIS_URL).toMatch(/^redis:\/\/:[A-Za-z0-9]{32}@ops-drover-redis:6379$/);

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
    const server = one<Workload>(own, 'Deployment', 'ops-drover');
    expect(JSON.stringify(server)).not.toContain(auditKey);
    expect(droverContainer(server).env?.find((v) => v.name === 'DROVER_AUDIT_KEY')?.valueFrom?.secretKeyRef).toEqual({ name: 'ops-drover', key: 'DROVER_AUDIT_KEY' });
    const mine = await render({ audit: { existingSecret: 'drover-audit-key' }, worker: { separate: true } });
    for (const w of all<Workload>(mine, 'Deployment').filter((d) => d.metadata.name !== 'ops-drover-redis')) {
      expect(droverContainer(w).env?.find((v) => v.name === 'DROVER_AUDIT_KEY')?.valueFrom?.secretKeyRef).toEqual({ name: 'drover-audit-key', key: 'audit-key' });
    }
    expect(droverContainer(one<Workload>(defaults, 'Deployment', 'ops-drover')).env?.some((v) => v.name === 'DROVER_AUDIT_KEY')).toBe(false);
    await expect(render({ audit: { key: 'short' } })).rejects.toThrow(/audit.key must be at least 32 characters/);
  });

  it('grants exactly what the shipped runbooks call, with no wildcard', () => {
    const clusterRole = one<Role>(defaults, 'ClusterRole', 'ops-drover');
    expect(clusterRole.rules).toEqual([...RUNBOOK_RULES, ...CLUSTER_RULES]);
    expect(all(defaults, 'Role')).toEqual([]);
    const binding = one<Binding>(defaults, 'ClusterRoleBinding', 'ops-drover');
    expect(binding.roleRef).toMatchObject({ kind: 'ClusterRole', name: 'ops-drover' });
    expect(binding.subjects).toEqual([{ kind: 'ServiceAccount', name: 'ops-drover', namespace: 'drover' }]);
    expect(one<Workload>(defaults, 'Deployment', 'ops-drover').spec.template.spec.serviceAccountName).toBe('ops-drover');

    // Derived from the code: the ctx.k8s methods the runbooks call, and the API calls behind them.
    const used = new Set<string>();
    for (const file of readdirSync(join(ROOT, 'runbooks')).filter((f) => f.endsWith('.ts'))) {
      for (const m of readFileSync(join(ROOT, 'runbooks', file), 'utf8').matchAll(/ctx\.k8s\.(\w+)\(/g)) used.add(m[1]!);
    }
    const unknown = [...used].filter((m) => !(m in K8S_METHOD_CALLS));
    expect(unknown).toEqual([]);
    const calls = [...used].flatMap((m) => K8S_METHOD_CALLS[m]!);
    expect(grants([clusterRole])).toEqual([...new Set(calls.map(([g, res, verb]) => `${g}/${res}:${verb}`))].sort());
    // ...and each of those calls is one src/k8s really makes.
    const made = readdirSync(join(ROOT, 'src', 'k8s'))
      .filter((f) => f.endsWith('.ts'))
      .flatMap((f) => [...readFileSync(join(ROOT, 'src', 'k8s', f), 'utf8').matchAll(/verb: '(\w+)', resource: '([\w/]+)'/g)].map((m) => `${m[2]}:${m[1]}`));
    for (const [, res, verb] of calls) expect(made).toContain(`${res}:${verb}`);

    for (const r of [defaults, everything]) {
      for (const role of [...all<Role>(r, 'ClusterRole'), ...all<Role>(r, 'Role')]) {
        for (const rule of role.rules) {
          for (const field of [rule.apiGroups, rule.resources, rule.verbs, rule.resourceNames ?? []]) expect(field).not.toContain('*');
        }
      }
    }
  });

  it('scopes the namespaced permissions to rbac.namespaces', async () => {
    const r = await render({ rbac: { namespaces: ['shop', 'demo'], extraRules: [{ apiGroups: ['apps'], resources: ['replicasets'], verbs: ['list'] }] } });
    const roles = all<Role>(r, 'Role');
    expect(roles.map((x) => x.metadata.namespace)).toEqual(['shop', 'demo']);
    for (const role of roles) expect(role.rules).toEqual([...RUNBOOK_RULES, { apiGroups: ['apps'], resources: ['replicasets'], verbs: ['list'] }]);
    for (const b of all<Binding>(r, 'RoleBinding')) {
      expect(b.roleRef).toMatchObject({ kind: 'Role', name: 'ops-drover' });
      expect(b.subjects).toEqual([{ kind: 'ServiceAccount', name: 'ops-drover', namespace: 'drover' }]);
    }
    // Nodes and storage classes belong to no namespace.
    expect(one<Role>(r, 'ClusterRole', 'ops-drover').rules).toEqual(CLUSTER_RULES);
    await expect(render({ rbac: { extraRules: [{ apiGroups: [''], resources: ['secrets'], verbs: ['*'] }] } })).rejects.toThrow(
      /^Error: execution error at \(drover\/templates\/rbac\.yaml:\d+:\d+\): rbac\.extraRules\[0\]\.verbs contains "\*"/,
    );
  });

  it('grants impersonate only when enabled, on the listed users and groups only', async () => {
    const impersonating = (r: Rendered) => [...all<Role>(r, 'ClusterRole'), ...all<Role>(r, 'Role')].flatMap((x) => x.rules).filter((rule) => rule.verbs.includes('impersonate'));
    expect(impersonating(defaults)).toEqual([]);
    expect(impersonating(everything)).toEqual([
      { apiGroups: [''], resources: ['users'], verbs: ['impersonate'], resourceNames: ['alice@example.com', 'drover-automation'] },
      { apiGroups: [''], resources: ['groups'], verbs: ['impersonate'], resourceNames: ['sre'] },
    ]);
    const usersOnly = await render({ impersonation: { enabled: true, users: ['bot'] } });
    expect(impersonating(usersOnly)).toEqual([{ apiGroups: [''], resources: ['users'], verbs: ['impersonate'], resourceNames: ['bot'] }]);
    // Impersonating runs need no grant of their own to the service account.
    const onlyImpersonation = await render({ impersonation: { enabled: true, users: ['bot'] }, rbac: { runbooks: false } });
    expect(grants(all<Role>(onlyImpersonation, 'ClusterRole'))).toEqual(['/users:impersonate']);
    await expect(render({ impersonation: { enabled: true } })).rejects.toThrow(/impersonation\.users must list the users Drover may impersonate/);
    await expect(render({ impersonation: { enabled: true, users: ['*'] } })).rejects.toThrow(/must name identities, not "\*"/);
  });

  it('renders the ServiceMonitor, Ingress and PodDisruptionBudgets only when enabled', async () => {
    for (const kind of ['ServiceMonitor', 'Ingress', 'PodDisruptionBudget']) expect(all(defaults, kind)).toEqual([]);

    // The ServiceMonitor finds the server's and the workers' Services (port http), not Redis's.
    const monitor = one<ServiceMonitor>(everything, 'ServiceMonitor', 'ops-drover');
    expect(monitor.metadata.labels).toMatchObject({ release: 'kube-prometheus-stack' });
    expect(monitor.spec.endpoints).toEqual([expect.objectContaining({ port: 'http', path: '/metrics' })]);
    const components = monitor.spec.selector.matchExpressions?.[0]?.values ?? [];
    const scraped = all<Service>(everything, 'Service').filter(
      (s) => selects(monitor.spec.selector.matchLabels, s.metadata.labels) && components.includes(s.metadata.labels?.['app.kubernetes.io/component'] ?? ''),
    );
    expect(scraped.map((s) => s.metadata.name).sort()).toEqual(['ops-drover', 'ops-drover-worker']);
    for (const s of scraped) expect(s.spec.ports.map((p) => p.name)).toContain('http');
    const workerService = one<Service>(everything, 'Service', 'ops-drover-worker');
    expect(selects(workerService.spec.selector, one<Workload>(everything, 'Deployment', 'ops-drover-worker').spec.template.metadata.labels)).toBe(true);

    // The Ingress exposes what Slack and Alertmanager post to, and nothing else (no /metrics).
    const ingress = one<Ingress>(everything, 'Ingress', 'ops-drover');
    const service = one<Service>(everything, 'Service', 'ops-drover');
    expect(ingress.spec.rules).toHaveLength(1);
    expect(ingress.spec.rules[0]!.http.paths.map((p) => [p.path, p.pathType])).toEqual([
      ['/slack/events', 'Exact'],
      ['/webhooks/alertmanager', 'Exact'],
    ]);
    for (const p of ingress.spec.rules[0]!.http.paths) expect(p.backend.service).toEqual({ name: service.metadata.name, port: { number: service.spec.ports[0]!.port } });
    expect(selects(service.spec.selector, one<Workload>(everything, 'Deployment', 'ops-drover').spec.template.metadata.labels)).toBe(true);
    const socketAlerts = await render({ slack: { enabled: true, mode: 'socket', botToken: 'xoxb-1', appToken: 'xapp-1' }, ...ALERTS, ingress: { enabled: true } });
    expect(one<Ingress>(socketAlerts, 'Ingress', 'ops-drover').spec.rules[0]!.http.paths.map((p) => p.path)).toEqual(['/webhooks/alertmanager']);
    await expect(render({ ingress: { enabled: true } })).rejects.toThrow(/ingress\.enabled is true but there is nothing to expose/);

    // One budget per Deployment, each selecting its pods.
    const pdbs = all<Pdb>(everything, 'PodDisruptionBudget');
    expect(pdbs.map((p) => p.metadata.name)).toEqual(['ops-drover', 'ops-drover-worker']);
    for (const pdb of pdbs) {
      expect(pdb.spec).toMatchObject({ maxUnavailable: 1 });
      expect(selects(pdb.spec.selector.matchLabels, one<Workload>(everything, 'Deployment', pdb.metadata.name).spec.template.metadata.labels)).toBe(true);
    }
  });

  it('bundles Redis unless an external one is given', async () => {
    const redis = one<Workload>(defaults, 'StatefulSet', 'ops-drover-redis');
    const container = redis.spec.template.spec.containers[0]!;
    expect(container.image).toMatch(/redis:7/);
    expect(container.args?.join(' ')).toContain('--appendonly yes');
    expect(redis.spec.volumeClaimTemplates?.[0]?.spec.resources.requests.storage).toBe('2Gi');
    expect(container.volumeMounts).toContainEqual({ name: 'data', mountPath: '/data' });
    const redisService = one<Service>(defaults, 'Service', 'ops-drover-redis');
    expect(selects(redisService.spec.selector, redis.spec.template.metadata.labels)).toBe(true);
    expect(redisService.spec.ports).toEqual([expect.objectContaining({ port: 6379 })]);

    const external = await render({ redis: { external: { url: EXTERNAL_REDIS_URL } } });
    expect(all(external, 'StatefulSet')).toEqual([]);
    expect(all(external, 'NetworkPolicy')).toEqual([]);
    expect(all(external, 'Service').map((s) => s.metadata.name)).toEqual(['ops-drover']);
    expect(resolveEnv(external, one<Workload>(external, 'Deployment', 'ops-drover')).env.REDIS_URL).toBe(EXTERNAL_REDIS_URL);

    const managed = await render({ redis: { external: { existingSecret: 'redis-creds', existingSecretKey: 'url' } } });
    expect(all(managed, 'Secret')).toEqual([]);
    expect(all(managed, 'StatefulSet')).toEqual([]);
    expect(resolveEnv(managed, one<Workload>(managed, 'Deployment', 'ops-drover')).external).toEqual([{ name: 'redis-creds', key: 'url' }]);
    await expect(render({ redis: { external: { url: 'http://redis:6379' } } })).rejects.toThrow(/redis\.external\.url must be a redis:\/\/ or rediss:\/\/ URL/);
  });

  it('runs the worker inside `serve`, or as its own Deployment when worker.separate', () => {
    const single = all<Workload>(defaults, 'Deployment');
    expect(single.map((d) => [d.metadata.name, droverContainer(d).args])).toEqual([['ops-drover', ['serve']]]);
    expect(single[0]!.spec.template.spec.automountServiceAccountToken).toBe(true);

    const [server, worker] = ['ops-drover', 'ops-drover-worker'].map((n) => one<Workload>(everything, 'Deployment', n));
    expect(all(everything, 'Deployment')).toHaveLength(2);
    expect(droverContainer(server!).args).toEqual(['serve', '--no-worker']);
    expect(droverContainer(worker!).args).toEqual(['worker']);
    expect(worker!.spec.replicas).toBe(3);
    // Only the pods that act on clusters carry a Kubernetes token.
    expect(server!.spec.template.spec.automountServiceAccountToken).toBe(false);
    expect(worker!.spec.template.spec.automountServiceAccountToken).toBe(true);
    expect(worker!.spec.template.spec.serviceAccountName).toBe('ops-drover');
    // The Service sends Slack and Alertmanager to the server pods only.
    expect(selects(one<Service>(everything, 'Service', 'ops-drover').spec.selector, worker!.spec.template.metadata.labels)).toBe(false);
  });

  it.each([
    [{ slack: { enabled: true } }, 'secret.yaml', 'slack.botToken is required when slack.enabled is true (or set existingSecret)'],
    [{ slack: { enabled: true, botToken: 'xoxb-1' } }, 'secret.yaml', 'slack.signingSecret is required in HTTP mode'],
    [{ slack: { enabled: true, botToken: 'xoxb-1', mode: 'socket' } }, 'secret.yaml', 'slack.appToken is required in Socket Mode'],
    [{ slack: { enabled: true, mode: 'websocket' } }, 'secret.yaml', 'slack.mode must be http or socket, not "websocket"'],
    [{ alertmanager: { enabled: true } }, 'secret.yaml', 'alertmanager.webhookToken is required when alertmanager.enabled is true'],
    [{ alertmanager: { enabled: true, webhookToken: 'too-short' } }, 'secret.yaml', 'alertmanager.webhookToken must be at least 16 characters'],
    [{ redis: { auth: { password: 'p@ss/word' } } }, 'redis-secret.yaml', 'redis.auth.password may only hold letters, digits'],
  ])('refuses %j as Helm does', async (values, file, message) => {
    const literal = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    const helmStyle = new RegExp(`^Error: execution error at \\(drover/templates/${literal(file)}:\\d+:\\d+\\): ${literal(message)}`);
    await expect(render(values)).rejects.toThrow(helmStyle);
  });
});
