/**
 * The chart in agent mode (mode: agent, docs/agents.md), rendered by the real
 * Helm: only `drover agent --cluster NAME` and what it needs (its
 * ServiceAccount, configuration, the RBAC the policy allows on that cluster,
 * a headless metrics Service, optionally a ServiceMonitor, NetworkPolicy and
 * PodDisruptionBudget), the central Redis's URL only through a secretKeyRef,
 * the same runbook grants the central worker gets, and clear failures for
 * what an agent cannot do without. Central mode stays as it was.
 */
import { once } from 'node:events';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { loadConfig } from '../../../src/config/load-config.js';
import { checkImpersonatedClusters } from '../../../src/k8s/impersonation-settings.js';
import { loadPolicyFile } from '../../../src/policy/index.js';
import { startK8sFake, seedSandbox } from '../../../src/testing/index.js';
import { spawnDrover } from '../../support/cli-process.js';
import { freePort } from '../../support/free-port.js';
import { CHART, helmBinary, helmLint, helmNotes, runHelm } from '../../support/helm.js';
import { REDIS_URL, deletePrefix, redisClient } from '../../support/redis.js';
import { waitFor } from '../../support/wait-for.js';
import {
  all,
  droverContainer,
  mountedFile,
  one,
  render,
  renderWith,
  resolveEnv,
  schemaProblems,
  selects,
  unknownFields,
  type Binding,
  type K8sObject,
  type Pdb,
  type Rendered,
  type Role,
  type Rule,
  type Service,
  type ServiceMonitor,
  type Workload,
} from './objects.js';
import { MAXIMAL, MAXIMAL_VALUES_FILE, policyFor } from './values.js';

const SECRET = 'drover-agent-redis';
const MAXIMAL_POLICY = MAXIMAL.policy as { rules: unknown[] };
const AGENT = { mode: 'agent', agent: { cluster: 'store-1', redis: { existingSecret: SECRET } } };
/** The policy both the central worker and the agent derive their grants from (every cluster, two namespaces). */
const POLICY = policyFor(['*'], ['shop', 'payments']);
const NODES = { policy: { groups: { sre: ['U012ABCDEF'] }, rules: [...POLICY.policy.rules, { groups: ['sre'], runbooks: ['cordon-node', 'drain-node'], clusters: ['*'], namespaces: ['*'] }] } };

/** The kinds an agent release may hold; anything else (a Secret, Redis, an Ingress, autoscaling, alert rules, a test pod) is the central Drover's. */
const AGENT_KINDS = new Set(['Deployment', 'ServiceAccount', 'ConfigMap', 'Service', 'ServiceMonitor', 'NetworkPolicy', 'PodDisruptionBudget', 'Role', 'RoleBinding', 'ClusterRole', 'ClusterRoleBinding']);

interface NetworkPolicy extends K8sObject {
  spec: {
    podSelector: { matchLabels: Record<string, string> };
    policyTypes: string[];
    ingress: Array<{ from: object[]; ports: Array<{ port: string | number; protocol: string }> }>;
    egress: Array<{ to?: Array<{ ipBlock?: { cidr: string; except?: string[] } }>; ports?: Array<{ port: number; protocol: string }> }>;
  };
}

const names = (r: Rendered) => r.objects.map((o) => `${o.kind}/${o.metadata.namespace ? `${o.metadata.namespace}/` : ''}${o.metadata.name}`).sort();
const agentOf = (r: Rendered) => one<Workload>(r, 'Deployment', 'ops-drover');
const envOf = (w: Workload) => droverContainer(w).env ?? [];

/** Each binding's subjects and the rules of the role it binds, by where it applies (a namespace, or the cluster). */
function grantsBySubject(r: Rendered): Record<string, { subjects: Binding['subjects']; rules: Rule[] }> {
  const out: Record<string, { subjects: Binding['subjects']; rules: Rule[] }> = {};
  for (const b of [...all<Binding>(r, 'RoleBinding'), ...all<Binding>(r, 'ClusterRoleBinding')]) {
    const where = b.metadata.namespace ?? '(cluster)';
    const role = all<Role>(r, b.roleRef.kind).find((x) => x.metadata.name === b.roleRef.name && x.metadata.namespace === b.metadata.namespace);
    if (!role) throw new Error(`${b.kind} ${where}/${b.metadata.name} binds ${b.roleRef.kind} ${b.roleRef.name}, which is not rendered`);
    out[where] = { subjects: b.subjects, rules: role.rules };
  }
  return out;
}

describe('Helm chart helm/drover: mode: agent', () => {
  let agent: Rendered;
  let full: Rendered;

  beforeAll(async () => {
    helmBinary();
    [agent, full] = await Promise.all([
      render(AGENT, POLICY),
      // The central release's maximal values file reused for an agent, with every optional agent object on.
      renderWith({
        valuesFiles: [MAXIMAL_VALUES_FILE],
        values: [AGENT, { agent: { redis: { caSecret: 'central-redis-ca' }, labels: { region: 'eu' } } }],
      }),
    ]);
  }, 300_000);

  it('renders only the agent and what it needs, each object valid for the Kubernetes schemas', () => {
    expect(names(agent)).toEqual([
      // expand-pvc, allowed by '*': whether the claim's class allows expansion (cluster-scoped); the runbooks declaring
      // `gitops` (expand-pvc, raise-hpa-max, scale-deployment): the owner reads, in every namespace (rbac.gitops).
      'ClusterRole/ops-drover',
      'ClusterRoleBinding/ops-drover',
      'ConfigMap/ops-drover-config',
      'ConfigMap/ops-drover-policy',
      'Deployment/ops-drover',
      // Their `suspend` patches: Argo CD's in config.gitops.argocdNamespaces, Flux's in gitops.fluxNamespaces (the defaults).
      'Role/argocd/ops-drover',
      'Role/flux-system/ops-drover',
      'Role/payments/ops-drover',
      'Role/shop/ops-drover',
      'RoleBinding/argocd/ops-drover',
      'RoleBinding/flux-system/ops-drover',
      'RoleBinding/payments/ops-drover',
      'RoleBinding/shop/ops-drover',
      'Service/ops-drover',
      'ServiceAccount/ops-drover',
    ]);
    // Every feature of the central chart on: none of its objects come along.
    expect(names(full).filter((n) => !n.includes('Role'))).toEqual([
      'ConfigMap/ops-drover-config',
      'ConfigMap/ops-drover-policy',
      'Deployment/ops-drover',
      'NetworkPolicy/ops-drover',
      'PodDisruptionBudget/ops-drover',
      'Service/ops-drover',
      'ServiceAccount/ops-drover',
      'ServiceMonitor/ops-drover',
    ]);
    for (const r of [agent, full]) {
      for (const o of r.objects) expect(AGENT_KINDS.has(o.kind) ? o.kind : `${o.kind} ${o.metadata.name}`).toBe(o.kind);
      expect(schemaProblems(r.objects)).toEqual([]);
      expect(unknownFields(r.objects)).toEqual([]);
      // Each object is the agent's (or its RBAC's, which has no component).
      for (const o of r.objects) expect(['agent', undefined]).toContain(o.metadata.labels?.['app.kubernetes.io/component']);
    }
    // No Slack token, webhook token or audit key from the values reaches any object.
    const text = JSON.stringify(full.objects);
    for (const credential of [MAXIMAL.slack.botToken, MAXIMAL.slack.signingSecret, MAXIMAL.alertmanager.webhookToken, MAXIMAL.audit.key]) expect(text).not.toContain(credential);
  });

  it('runs `drover agent --cluster NAME`, the central Redis URL from the Secret and never a literal', () => {
    const w = agentOf(agent);
    const c = droverContainer(w);
    expect(c.command).toBeUndefined(); // the image's entrypoint: node bin/drover.js
    expect(c.args).toEqual(['agent', '--cluster', 'store-1']);
    expect(w.spec.replicas).toBe(1);
    expect(envOf(w)).toEqual([
      { name: 'DROVER_CONFIG', value: '/etc/drover/config/config.yaml' },
      { name: 'DROVER_POLICY', value: '/etc/drover/policy/policy.yaml' },
      { name: 'REDIS_URL', valueFrom: { secretKeyRef: { name: SECRET, key: 'url' } } },
      { name: 'DROVER_REDIS_PREFIX', value: 'drover' },
    ]);
    expect(resolveEnv(agent, w).external).toEqual([{ name: SECRET, key: 'url' }]);
    // Nothing of the central Drover alone: no Slack, Alertmanager, audit key or kubeconfig.
    for (const r of [agent, full]) {
      for (const v of envOf(agentOf(r))) expect(v.name).not.toMatch(/SLACK|ALERTMANAGER|AUDIT|KUBECONFIG/);
      expect(all(r, 'Secret')).toEqual([]);
      expect(all(r, 'ConfigMap').map((m) => m.metadata.name)).toEqual(['ops-drover-config', 'ops-drover-policy']);
    }
    // Only the metrics and probe port.
    expect(c.ports).toEqual([{ name: 'http', containerPort: 3000, protocol: 'TCP' }]);
    expect([c.livenessProbe, c.readinessProbe, c.startupProbe].map((p) => p?.httpGet)).toEqual([
      { path: '/healthz', port: 'http' },
      { path: '/readyz', port: 'http' },
      { path: '/healthz', port: 'http' },
    ]);
  });

  it('mounts the central Redis CA read-only and names it in REDIS_CA_FILE; takes the URL key, prefix, replicas and concurrency from the values', async () => {
    const w = agentOf(full);
    expect(envOf(w)).toContainEqual({ name: 'REDIS_CA_FILE', value: '/etc/drover/redis-ca/ca.crt' });
    expect(droverContainer(w).volumeMounts).toContainEqual({ name: 'redis-ca', mountPath: '/etc/drover/redis-ca', readOnly: true });
    expect(w.spec.template.spec.volumes).toContainEqual({ name: 'redis-ca', secret: { secretName: 'central-redis-ca', items: [{ key: 'ca.crt', path: 'ca.crt' }], defaultMode: 0o444 } });

    const tuned = await render(AGENT, { agent: { replicas: 3, concurrency: 8, redis: { urlKey: 'redis-url', caSecret: 'ca', caKey: 'bundle.pem' } }, config: { redis: { prefix: 'acme' } } });
    const t = agentOf(tuned);
    expect(t.spec.replicas).toBe(3);
    expect(envOf(t).find((v) => v.name === 'REDIS_URL')).toEqual({ name: 'REDIS_URL', valueFrom: { secretKeyRef: { name: SECRET, key: 'redis-url' } } });
    expect(envOf(t)).toContainEqual({ name: 'REDIS_CA_FILE', value: '/etc/drover/redis-ca/bundle.pem' });
    expect(envOf(t)).toContainEqual({ name: 'DROVER_REDIS_PREFIX', value: 'acme' });
    const config = loadConfig({ env: { ...resolveEnv(tuned, t).env, REDIS_URL: 'rediss://agent:pw@redis.example.com:6380' }, readFile: (p) => mountedFile(tuned, t, p) });
    expect(config.worker.concurrency).toBe(8);
    expect(config.redis.prefix).toBe('acme');
  });

  it("gives Drover a configuration it accepts (this cluster only, under its fleet name, without the central Drover's Slack and alerts) and the central policy", () => {
    const w = agentOf(full);
    const file = mountedFile(full, w, '/etc/drover/config/config.yaml');
    const raw = parseYaml(file) as Record<string, unknown>;
    for (const key of ['slack', 'alerts']) expect(Object.keys(raw)).not.toContain(key);
    const config = loadConfig({ env: { ...resolveEnv(full, w).env, REDIS_URL: 'rediss://agent:pw@redis.example.com:6380' }, readFile: (p) => mountedFile(full, w, p) });
    expect(config.clusters).toMatchObject({ inClusterName: 'store-1', default: 'store-1', kubeconfig: [], allow: [], sandbox: 'off' });
    expect(config.http.port).toBe(3000);
    expect(config.log.level).toBe('debug'); // the rest of `config` is kept
    // The agent checks each run against the policy again before it plans and acts: the same rules as the central Drover's.
    expect(config.policy.file).toBe('/etc/drover/policy/policy.yaml');
    const policy = loadPolicyFile(config.policy.file!, (p) => mountedFile(full, w, p));
    expect(policy.rules).toMatchObject(MAXIMAL_POLICY.rules);
    expect(w.spec.template.metadata.annotations).toHaveProperty('checksum/policy');
    // The packs, fetched by the same init containers as the central Drover's.
    expect(config.runbooks.packs.map((p) => p.name)).toEqual(['payments', 'platform']);
    expect(w.spec.template.spec as unknown as { initContainers: Array<{ name: string }> }).toMatchObject({ initContainers: [{ name: 'packs-git' }, { name: 'packs-npm' }] });
    // Informational labels on the Deployment and its pods, never in the selector.
    expect(w.metadata.labels).toMatchObject({ region: 'eu' });
    expect(w.spec.template.metadata.labels).toMatchObject({ region: 'eu', 'app.kubernetes.io/component': 'agent' });
    expect(Object.keys(w.spec.selector.matchLabels)).not.toContain('region');
  });

  it("keeps only this cluster's impersonation settings: Drover refuses an entry for a cluster it does not have", async () => {
    const identity = (user: string) => ({ automation: { user, groups: ['sre'] } });
    const r = await render(AGENT, { config: { clusters: { requestTimeout: '10s', impersonation: { 'in-cluster': identity('central-bot'), 'store-1': identity('store-bot'), 'store-2': identity('other-bot') } } } });
    const w = agentOf(r);
    const config = loadConfig({ env: { ...resolveEnv(r, w).env, REDIS_URL: 'rediss://agent:pw@redis.example.com:6380' }, readFile: (p) => mountedFile(r, w, p) });
    expect(Object.keys(config.clusters.impersonation)).toEqual(['store-1']);
    expect(config.clusters.requestTimeout).toBe(10_000);
    // What `drover agent` checks at start against the clusters it has (only its own, under its fleet name).
    expect(() => checkImpersonatedClusters(config.clusters.impersonation, [config.clusters.inClusterName])).not.toThrow();
  });

  it('runs as non-root on a read-only root filesystem without capabilities, with its own ServiceAccount token', () => {
    const w = agentOf(full);
    const pod = w.spec.template.spec;
    expect(pod.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 1000, seccompProfile: { type: 'RuntimeDefault' } });
    for (const c of [...pod.containers, ...((pod as unknown as { initContainers: typeof pod.containers }).initContainers ?? [])]) {
      expect(c.securityContext).toMatchObject({ readOnlyRootFilesystem: true, allowPrivilegeEscalation: false, runAsNonRoot: true, capabilities: { drop: ['ALL'] } });
    }
    expect(pod.automountServiceAccountToken).toBe(true);
    expect(pod.serviceAccountName).toBe('ops-drover');
    expect(all(full, 'ServiceAccount').map((s) => s.metadata.name)).toEqual(['ops-drover']);
    for (const b of [...all<Binding>(full, 'RoleBinding'), ...all<Binding>(full, 'ClusterRoleBinding')]) {
      expect(b.subjects).toEqual([{ kind: 'ServiceAccount', name: 'ops-drover', namespace: 'drover' }]);
    }
  });

  it("grants exactly what the central worker gets for the same policy, no secrets and no wildcard", async () => {
    for (const values of [[POLICY], [NODES], [{ rbac: { namespaces: ['shop'] } }], [NODES, { rbac: { clusterWide: true } }], [POLICY, { impersonation: { enabled: true, users: ['alice'], groups: ['sre'] }, rbac: { extraRules: [{ apiGroups: ['apps'], resources: ['statefulsets'], verbs: ['get'] }] } }]]) {
      const [central, mine] = await Promise.all([render(...values), render(AGENT, ...values)]);
      const worker = grantsBySubject(central);
      expect(Object.keys(worker).length).toBeGreaterThan(0);
      expect(grantsBySubject(mine)).toEqual(worker);
      for (const { rules } of Object.values(grantsBySubject(mine))) {
        for (const rule of rules) {
          expect(rule.resources).not.toContain('secrets');
          for (const field of [rule.apiGroups, rule.resources, rule.verbs]) expect(field).not.toContain('*');
        }
      }
    }
  });

  it("grants by the agent's cluster name: a rule for other clusters gives it nothing", async () => {
    const only = (clusters: string[]) => ({ policy: { groups: { sre: ['U1'] }, rules: [{ groups: ['sre'], runbooks: ['restart-deployment'], clusters, namespaces: ['shop'] }] } });
    const store = await render(AGENT, only(['store-*']));
    expect(all<Role>(store, 'Role').map((r) => [r.metadata.namespace, r.rules.map((x) => x.resources).flat()])).toEqual([['shop', ['deployments']]]);
    // The central default (in-cluster) matches none of it; nor does another agent cluster.
    for (const r of [await render(only(['store-*'])), await render(AGENT, only(['in-cluster', 'lab-*']))]) {
      for (const kind of ['Role', 'RoleBinding', 'ClusterRole', 'ClusterRoleBinding']) expect(all(r, kind)).toEqual([]);
    }
    expect(await helmNotes({ values: [AGENT, only(['lab-*'])] })).toMatch(/RBAC: no runbook permission \(no rule of `policy` names cluster "store-1"/);
  });

  it('lets nothing in but the metrics scrape, and out only DNS, the central Redis and the API server', async () => {
    const np = await render(AGENT, { networkPolicy: { enabled: true } });
    const policy = one<NetworkPolicy>(np, 'NetworkPolicy', 'ops-drover');
    expect(selects(policy.spec.podSelector.matchLabels, agentOf(np).spec.template.metadata.labels)).toBe(true);
    expect(policy.spec.policyTypes).toEqual(['Ingress', 'Egress']);
    expect(policy.spec.ingress).toEqual([]);
    expect(policy.spec.egress).toEqual([
      { ports: [{ port: 53, protocol: 'UDP' }, { port: 53, protocol: 'TCP' }] },
      { ports: [{ port: 6379, protocol: 'TCP' }] },
      { ports: [{ port: 443, protocol: 'TCP' }, { port: 6443, protocol: 'TCP' }] },
    ]);

    const monitoring = { namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'monitoring' } } };
    const pinned = await render(AGENT, {
      networkPolicy: {
        enabled: true,
        metricsFrom: [monitoring],
        ingressFrom: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'ingress-nginx' } } }],
        egress: { externalRedis: { cidrs: ['203.0.113.10/32'], ports: [6380] }, kubernetesApi: { cidrs: ['10.0.0.1/32'], ports: [443] } },
      },
    });
    const p = one<NetworkPolicy>(pinned, 'NetworkPolicy', 'ops-drover').spec;
    // ingressFrom is the central server's (Slack, Alertmanager): an agent takes no such traffic.
    expect(p.ingress).toEqual([{ from: [monitoring], ports: [{ port: 'http', protocol: 'TCP' }] }]);
    expect(p.egress.slice(1)).toEqual([
      { to: [{ ipBlock: { cidr: '203.0.113.10/32' } }], ports: [{ port: 6380, protocol: 'TCP' }] },
      { to: [{ ipBlock: { cidr: '10.0.0.1/32' } }], ports: [{ port: 443, protocol: 'TCP' }] },
    ]);
    // With packs to fetch, HTTPS out as well (their git host or registry), and extraEgress as given.
    const packs = one<NetworkPolicy>(full, 'NetworkPolicy', 'ops-drover').spec;
    expect(packs.ingress).toHaveLength(1);
    expect(packs.egress.slice(3)).toEqual([
      { ports: [{ port: 443, protocol: 'TCP' }] },
      { to: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'monitoring' } } }], ports: [{ port: 9093, protocol: 'TCP' }] },
    ]);
  });

  it('scrapes /metrics through a headless Service, and keeps a PodDisruptionBudget, when enabled', async () => {
    const service = one<Service>(full, 'Service', 'ops-drover');
    expect(service.spec.clusterIP).toBe('None');
    expect(service.spec.ports).toEqual([{ name: 'http', port: 3000, targetPort: 'http', protocol: 'TCP' }]);
    expect(selects(service.spec.selector, agentOf(full).spec.template.metadata.labels)).toBe(true);
    const monitor = one<ServiceMonitor>(full, 'ServiceMonitor', 'ops-drover');
    expect(monitor.metadata.labels).toMatchObject({ release: 'kube-prometheus-stack' });
    expect(selects(monitor.spec.selector.matchLabels, service.metadata.labels)).toBe(true);
    expect(monitor.spec.endpoints).toEqual([expect.objectContaining({ port: 'http', path: '/metrics' })]);
    const pdb = one<Pdb>(full, 'PodDisruptionBudget', 'ops-drover');
    expect(pdb.apiVersion).toBe('policy/v1');
    expect(selects(pdb.spec.selector.matchLabels, agentOf(full).spec.template.metadata.labels)).toBe(true);
    const old = await renderWith({ values: [AGENT, { podDisruptionBudget: { enabled: true } }], kubeVersion: '1.20.2' });
    expect(one(old, 'PodDisruptionBudget', 'ops-drover').apiVersion).toBe('policy/v1beta1');
    for (const kind of ['ServiceMonitor', 'PodDisruptionBudget', 'NetworkPolicy']) expect(all(agent, kind)).toEqual([]);
  });

  it('fails with a clear message without a valid cluster name or the Redis Secret', async () => {
    await expect(render({ mode: 'agent', agent: { redis: { existingSecret: SECRET } } })).rejects.toThrow(/agent\.cluster is required with mode: agent/);
    for (const bad of ['Store-1', 'store_1', '-store', 'store-', 's'.repeat(51), 'store.eu']) {
      await expect(render(AGENT, { agent: { cluster: bad } })).rejects.toThrow(`agent.cluster "${bad}" is not an agent cluster name: lower-case letters, digits and dashes (a DNS label), at most 50 characters`);
    }
    expect(agentOf(await render(AGENT, { agent: { cluster: 's'.repeat(50) } })).spec.template.spec.containers[0]!.args).toEqual(['agent', '--cluster', 's'.repeat(50)]);
    // The values schema: in agent mode the Secret is required (if/then), and a mode is central or agent.
    await expect(render({ mode: 'agent', agent: { cluster: 'store-1' } })).rejects.toThrow("at '/agent/redis/existingSecret': minLength: got 0, want 1");
    await expect(render({ mode: 'satellite' })).rejects.toThrow("at '/mode': value must be one of 'central', 'agent'");
    // Without the schema (--skip-schema-validation), the templates say it themselves.
    const unchecked = (...set: string[]) => runHelm(['template', 'ops', CHART, '--skip-schema-validation', ...set.flatMap((v) => ['--set', v])]);
    expect((await unchecked('mode=agent', 'agent.cluster=store-1')).stderr).toContain('agent.redis.existingSecret is required with mode: agent');
    expect((await unchecked('mode=satellite')).stderr).toContain('mode must be central or agent, not "satellite"');
    // A password in the configuration file is refused as in central mode.
    await expect(render(AGENT, { config: { redis: { url: 'rediss://agent:pw@redis.example.com:6380' } } })).rejects.toThrow(/config\.redis\.url holds a password/);
  });

  it('passes `helm lint --strict` in both modes, and says in its notes what it installed', async () => {
    await expect(helmLint({ values: [AGENT, POLICY] })).resolves.toContain('0 chart(s) failed');
    await expect(helmLint({ valuesFiles: [MAXIMAL_VALUES_FILE], values: [AGENT] })).resolves.toContain('0 chart(s) failed');
    await expect(helmLint({ values: [{ mode: 'central' }] })).resolves.toContain('0 chart(s) failed');
    const notes = await helmNotes({ values: [AGENT, POLICY] });
    expect(notes).toContain('Drover agent 0.1.0 for cluster "store-1" is installed as ops-drover in namespace drover.');
    expect(notes).toContain(`URL from Secret ${SECRET}, key url`);
    expect(notes).toContain('RBAC: runbooks may act in namespaces shop, payments');
    expect(notes).not.toMatch(/Slack|Alertmanager|helm test|NOTE/);
    // The `helm install` line `drover agent token create` prints has no policy: the notes say what that means.
    expect(await helmNotes({ values: [AGENT] })).toContain('NOTE: the policy has no rules, so the agent denies every run');
  });

  it('starts the real `drover agent` with the files and environment the chart renders, serving /readyz and /metrics and nothing of Slack or Alertmanager', async () => {
    const prefix = `dt-chart-agent-${process.pid}-${Date.now().toString(36)}`;
    const r = await render(AGENT, POLICY, { config: { redis: { prefix } } });
    const w = agentOf(r);
    const dir = await mkdtemp(join(tmpdir(), 'drover-chart-agent-'));
    // The fake API server stands in for the pod's cluster (KUBECONFIG for its ServiceAccount), a free port for 3000.
    const fake = await startK8sFake();
    seedSandbox(fake);
    const redis = redisClient();
    try {
      const env = resolveEnv(r, w).env;
      for (const [name, file] of [['DROVER_CONFIG', 'config.yaml'], ['DROVER_POLICY', 'policy.yaml']] as const) {
        await writeFile(join(dir, file), mountedFile(r, w, env[name]!));
        env[name] = join(dir, file);
      }
      await writeFile(join(dir, 'kubeconfig'), fake.kubeConfigYaml({ contextName: 'store-1' }));
      const port = await freePort();
      const agentProcess = spawnDrover(droverContainer(w).args!, { ...env, REDIS_URL, PORT: String(port), KUBECONFIG: join(dir, 'kubeconfig') });
      let output = '';
      agentProcess.stdout?.on('data', (d: Buffer) => (output += d.toString()));
      agentProcess.stderr?.on('data', (d: Buffer) => (output += d.toString()));
      const exited = once(agentProcess, 'exit');
      try {
        const base = `http://127.0.0.1:${port}`;
        await waitFor(async () => (await fetch(`${base}/readyz`).catch(() => undefined))?.ok, `the agent's /readyz (output so far: ${output})`, 60_000).catch((err: unknown) => {
          throw new Error(`${(err as Error).message}\n${output}`);
        });
        expect(await (await fetch(`${base}/metrics`)).text()).toMatch(/^drover_/m);
        for (const path of ['/slack/events', '/webhooks/alertmanager']) expect((await fetch(`${base}${path}`, { method: 'POST', body: '{}' })).status).toBe(404);
        // It took its place in the central Redis, under the central Drover's prefix, as cluster store-1.
        expect(await redis.exists(`${prefix}:fleet:store-1:agents`)).toBe(1);
      } finally {
        agentProcess.kill('SIGTERM');
        const [code] = (await exited) as [number | null];
        expect({ code, output: code === 0 ? '' : output }).toEqual({ code: 0, output: '' });
      }
    } finally {
      await fake.stop();
      await deletePrefix(redis, prefix);
      await redis.quit();
      await rm(dir, { recursive: true, force: true });
    }
  }, 90_000);

  it('leaves central mode as it was: the same objects, whether mode is given or not', async () => {
    // A fixed Redis password: a generated one differs between renders.
    const pw = { redis: { auth: { password: 'pw' } } };
    const [implicit, explicit] = await Promise.all([render(pw), render(pw, { mode: 'central' })]);
    expect(explicit.objects).toEqual(implicit.objects);
    expect(names(implicit)).toEqual([
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
    const maximal = await renderWith({ valuesFiles: [MAXIMAL_VALUES_FILE], values: [{ mode: 'central' }] });
    expect(names(maximal)).toEqual([
      'ClusterRole/ops-drover',
      'ClusterRoleBinding/ops-drover',
      'ConfigMap/ops-drover-config',
      'ConfigMap/ops-drover-dashboard',
      'ConfigMap/ops-drover-policy',
      'Deployment/ops-drover',
      'Deployment/ops-drover-worker',
      'HorizontalPodAutoscaler/ops-drover',
      'Ingress/ops-drover',
      'NetworkPolicy/ops-drover',
      'NetworkPolicy/ops-drover-redis',
      'NetworkPolicy/ops-drover-worker',
      'Pod/ops-drover-test-readyz',
      'PodDisruptionBudget/ops-drover',
      'PodDisruptionBudget/ops-drover-worker',
      'PrometheusRule/ops-drover',
      // The GitOps `suspend` patches in the reconcilers' namespaces (rbac.gitops; the maximal policy allows scale-deployment and the like).
      'Role/argocd/ops-drover',
      'Role/flux-system/ops-drover',
      'Role/payments/ops-drover',
      'Role/shop/ops-drover',
      'RoleBinding/argocd/ops-drover',
      'RoleBinding/flux-system/ops-drover',
      'RoleBinding/payments/ops-drover',
      'RoleBinding/shop/ops-drover',
      'ScaledObject/ops-drover-worker',
      'Secret/ops-drover',
      'Secret/ops-drover-redis',
      'Service/ops-drover',
      'Service/ops-drover-redis',
      'Service/ops-drover-worker',
      'ServiceAccount/ops-drover',
      'ServiceAccount/ops-drover-server',
      'ServiceMonitor/ops-drover',
      'StatefulSet/ops-drover-redis',
      'TriggerAuthentication/ops-drover-worker',
    ]);
    // The central worker runs `drover worker`, not an agent.
    expect(droverContainer(one<Workload>(maximal, 'Deployment', 'ops-drover-worker')).args).toEqual(['worker']);
  });
});
