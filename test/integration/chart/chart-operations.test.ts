/**
 * The chart's operational objects, rendered by the real Helm: CPU autoscaling
 * (autoscaling/v2, v2beta2 before 1.23), KEDA on the exact Redis key of
 * BullMQ's wait list, topology spread, a stop grace matched to the worker's
 * drain, and the opt-in NetworkPolicies.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ConnectionOptions } from 'bullmq';
import { parseDuration } from '../../../src/config/duration.js';
import { RunQueue, type RunQueueOptions } from '../../../src/jobs/run-queue.js';
import { helmBinary } from '../../support/helm.js';
import { ROOT } from '../../support/test-drover.js';
import { all, one, render, renderWith, selects, type K8sObject, type Rendered, type Workload } from './objects.js';
import { COMBINED, EXTERNAL_REDIS_URL, MAXIMAL, MAXIMAL_VALUES_FILE } from './values.js';

interface Hpa extends K8sObject {
  spec: { scaleTargetRef: { kind: string; name: string }; minReplicas: number; maxReplicas: number; metrics: unknown[] };
}
interface ScaledObject extends K8sObject {
  spec: {
    scaleTargetRef: { name: string };
    minReplicaCount: number;
    maxReplicaCount: number;
    triggers: Array<{ type: string; metadata: Record<string, string>; authenticationRef: { name: string } }>;
  };
}
interface TriggerAuthentication extends K8sObject {
  spec: { secretTargetRef: Array<{ parameter: string; name: string; key: string }> };
}
interface PolicyPeer {
  podSelector?: { matchLabels?: Record<string, string> };
  namespaceSelector?: { matchLabels?: Record<string, string> };
  ipBlock?: { cidr: string; except?: string[] };
}
interface NetworkPolicy extends K8sObject {
  spec: {
    podSelector: { matchLabels: Record<string, string> };
    policyTypes: string[];
    ingress?: Array<{ from?: PolicyPeer[]; ports?: Array<{ port: number | string; protocol: string }> }>;
    egress?: Array<{ to?: PolicyPeer[]; ports?: Array<{ port: number | string; protocol: string }> }>;
  };
}

/** The BullMQ key of Drover's wait list for a Redis prefix, as the real RunQueue names it (no job is added). */
async function waitListKey(prefix: string): Promise<string> {
  const connection: ConnectionOptions = { host: '127.0.0.1', port: 6379, lazyConnect: true, maxRetriesPerRequest: null };
  // The constructor only names the queue; the rest of the options are for enqueuing, which this does not do.
  const queue = new RunQueue({ connection, prefix } as unknown as RunQueueOptions);
  try {
    return queue.queue.keys.wait!;
  } finally {
    await queue.queue.close();
  }
}

/** Egress ports of a policy, as `port/protocol`, per rule. */
const egressPorts = (np: NetworkPolicy) => (np.spec.egress ?? []).map((rule) => (rule.ports ?? []).map((p) => `${p.port}/${p.protocol}`).join(','));

describe('Helm chart helm/drover: scaling, spread, grace, network', () => {
  let defaults: Rendered;
  let maximal: Rendered;

  beforeAll(async () => {
    helmBinary();
    [defaults, maximal] = await Promise.all([render(), renderWith({ valuesFiles: [MAXIMAL_VALUES_FILE] })]);
  }, 300_000);

  it('autoscales on CPU when asked, with the HPA version the cluster serves', async () => {
    expect(all(defaults, 'HorizontalPodAutoscaler')).toEqual([]);
    const scaled = await render({ autoscaling: { enabled: true } });
    const hpas = all<Hpa>(scaled, 'HorizontalPodAutoscaler');
    expect(hpas.map((h) => [h.apiVersion, h.spec.scaleTargetRef.name, h.spec.minReplicas, h.spec.maxReplicas])).toEqual([
      ['autoscaling/v2', 'ops-drover', 1, 3],
      ['autoscaling/v2', 'ops-drover-worker', 2, 10],
    ]);
    for (const h of hpas) {
      expect(h.spec.metrics).toEqual([{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: h.spec.scaleTargetRef.name.endsWith('worker') ? 70 : 80 } } }]);
      // The HPA owns the replica count: the Deployment does not fight it on every upgrade.
      expect(one<Workload>(scaled, 'Deployment', h.spec.scaleTargetRef.name).spec.replicas).toBeUndefined();
    }
    const old = await renderWith({ values: { autoscaling: { enabled: true } }, kubeVersion: '1.22.0' });
    expect(all(old, 'HorizontalPodAutoscaler').map((h) => h.apiVersion)).toEqual(['autoscaling/v2beta2', 'autoscaling/v2beta2']);
    // One Deployment: one HPA.
    expect(all<Hpa>(await render(COMBINED, { autoscaling: { enabled: true } }), 'HorizontalPodAutoscaler').map((h) => h.spec.scaleTargetRef.name)).toEqual(['ops-drover']);
  });

  it("scales the workers with KEDA on the length of BullMQ's wait list, the password read from the Redis Secret", async () => {
    // With KEDA, the workers get no CPU HPA (two autoscalers on one Deployment fight).
    expect(all<Hpa>(maximal, 'HorizontalPodAutoscaler').map((h) => h.spec.scaleTargetRef.name)).toEqual(['ops-drover']);
    const scaledObject = one<ScaledObject>(maximal, 'ScaledObject', 'ops-drover-worker');
    expect(scaledObject.spec.scaleTargetRef.name).toBe('ops-drover-worker');
    expect(one<Workload>(maximal, 'Deployment', 'ops-drover-worker').spec.replicas).toBeUndefined();
    expect([scaledObject.spec.minReplicaCount, scaledObject.spec.maxReplicaCount]).toEqual([2, 10]);
    const [trigger] = scaledObject.spec.triggers;
    expect(trigger).toMatchObject({ type: 'redis', metadata: { address: 'ops-drover-redis.drover.svc:6379', listName: await waitListKey('drover'), listLength: '8', enableTLS: 'false' } });
    expect(trigger?.metadata.listName).toBe('drover:q:runs:wait');
    const auth = one<TriggerAuthentication>(maximal, 'TriggerAuthentication', trigger!.authenticationRef.name);
    expect(auth.spec.secretTargetRef).toEqual([{ parameter: 'password', name: 'ops-drover-redis', key: 'redis-password' }]);
    expect(JSON.stringify(scaledObject)).not.toMatch(/password/i);
    // KEDA's operator may reach the bundled Redis.
    const redisPolicy = one<NetworkPolicy>(maximal, 'NetworkPolicy', 'ops-drover-redis');
    expect(redisPolicy.spec.ingress?.[1]?.from).toEqual([{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'keda' } } }]);

    // Another prefix (config.redis.prefix), another key; an external Redis by address and a Secret of yours.
    const custom = await render({
      config: { redis: { prefix: 'team-a' } },
      redis: { external: { url: EXTERNAL_REDIS_URL } },
      autoscaling: { keda: { enabled: true, externalRedis: { address: 'redis.example.com:6380', enableTLS: true, passwordSecret: { name: 'redis-creds', key: 'password' } } } },
    });
    const [customTrigger] = one<ScaledObject>(custom, 'ScaledObject', 'ops-drover-worker').spec.triggers;
    expect(customTrigger?.metadata).toMatchObject({ address: 'redis.example.com:6380', listName: await waitListKey('team-a'), enableTLS: 'true' });
    expect(one<TriggerAuthentication>(custom, 'TriggerAuthentication', 'ops-drover-worker').spec.secretTargetRef).toEqual([{ parameter: 'password', name: 'redis-creds', key: 'password' }]);
  });

  it('spreads each component softly across zones and nodes, unless told otherwise', async () => {
    for (const w of all<Workload>(defaults, 'Deployment')) {
      const constraints = w.spec.template.spec.topologySpreadConstraints ?? [];
      expect(constraints.map((c) => [c.topologyKey, c.whenUnsatisfiable, c.maxSkew])).toEqual([
        ['topology.kubernetes.io/zone', 'ScheduleAnyway', 1],
        ['kubernetes.io/hostname', 'ScheduleAnyway', 1],
      ]);
      // Each spreads its own pods, not the other component's.
      for (const c of constraints) expect(c.labelSelector.matchLabels).toEqual(w.spec.selector.matchLabels);
    }
    const own = [{ topologyKey: 'kubernetes.io/hostname', maxSkew: 1, whenUnsatisfiable: 'DoNotSchedule', labelSelector: { matchLabels: { app: 'x' } } }];
    for (const w of all<Workload>(await render({ topologySpreadConstraints: own }), 'Deployment')) expect(w.spec.template.spec.topologySpreadConstraints).toEqual(own);
    for (const w of all<Workload>(await render({ topologySpread: { enabled: false } }), 'Deployment')) expect(w.spec.template.spec.topologySpreadConstraints).toBeUndefined();
  });

  it("gives a stopping worker the time its runs may take: the longest runbook timeout and the step grace", async () => {
    // On SIGTERM a worker waits for its runs; each ends by its runbook's timeout, plus 5 s for a step to notice (src/jobs/run-worker.ts).
    const timeouts = readdirSync(join(ROOT, 'runbooks'))
      .filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts'))
      .map((f) => /^\s*timeout: '([^']+)'/m.exec(readFileSync(join(ROOT, 'runbooks', f), 'utf8'))?.[1])
      .map((t) => parseDuration(t ?? '') ?? Number.NaN);
    expect(timeouts.every(Number.isFinite)).toBe(true);
    expect(readFileSync(join(ROOT, 'src', 'jobs', 'run-worker.ts'), 'utf8')).toContain('this.options.timeoutGraceMs ?? 5000');
    const drainSeconds = (Math.max(...timeouts) + 5000) / 1000;
    const grace = (r: Rendered, name: string) => one<Workload>(r, 'Deployment', name).spec.template.spec.terminationGracePeriodSeconds ?? 30;
    expect(grace(defaults, 'ops-drover-worker')).toBeGreaterThanOrEqual(drainSeconds);
    // The server without a worker only finishes its requests; with one (combined), it gets the worker's grace.
    expect(grace(defaults, 'ops-drover')).toBe(30);
    expect(grace(await render(COMBINED), 'ops-drover')).toBe(grace(defaults, 'ops-drover-worker'));
  });

  it('locks the network down when asked: port 3000 from the named peers only; out, DNS, Redis, HTTPS and the API server', async () => {
    expect(all(defaults, 'NetworkPolicy').map((n) => n.metadata.name)).toEqual(['ops-drover-redis']);
    const server = one<NetworkPolicy>(maximal, 'NetworkPolicy', 'ops-drover');
    const worker = one<NetworkPolicy>(maximal, 'NetworkPolicy', 'ops-drover-worker');
    for (const [np, deployment] of [[server, 'ops-drover'], [worker, 'ops-drover-worker']] as const) {
      expect(np.spec.policyTypes).toEqual(['Ingress', 'Egress']);
      expect(selects(np.spec.podSelector.matchLabels, one<Workload>(maximal, 'Deployment', deployment).spec.template.metadata.labels)).toBe(true);
      expect(np.spec.ingress?.map((rule) => rule.ports)).toEqual([[{ port: 'http', protocol: 'TCP' }]]);
      // The Redis rule selects the bundled Redis's pods.
      const redisRule = np.spec.egress?.find((rule) => rule.ports?.some((p) => p.port === 6379));
      expect(selects(redisRule?.to?.[0]?.podSelector?.matchLabels ?? {}, one<Workload>(maximal, 'StatefulSet', 'ops-drover-redis').spec.template.metadata.labels)).toBe(true);
    }
    // In: the ingress controller, Prometheus and the `helm test` pod to the server; Prometheus only to the workers.
    expect(server.spec.ingress?.[0]?.from).toEqual([
      { namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'ingress-nginx' } } },
      { namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'monitoring' } } },
      { podSelector: { matchLabels: { 'app.kubernetes.io/component': 'test', 'app.kubernetes.io/instance': 'ops', 'app.kubernetes.io/name': 'drover' } } },
    ]);
    expect(selects(server.spec.ingress![0]!.from![2]!.podSelector!.matchLabels!, one(maximal, 'Pod', 'ops-drover-test-readyz').metadata.labels)).toBe(true);
    expect(worker.spec.ingress?.[0]?.from).toEqual([{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'monitoring' } } }]);
    // Out: only the workers reach the API server (the server holds no credentials); the extra rule reaches Alertmanager.
    expect(egressPorts(server)).toEqual(['53/UDP,53/TCP', '6379/TCP', '443/TCP', '9093/TCP']);
    expect(egressPorts(worker)).toEqual(['53/UDP,53/TCP', '6379/TCP', '443/TCP', '443/TCP', '9093/TCP']);
    expect(worker.spec.egress?.[3]?.to).toEqual([{ ipBlock: { cidr: '10.0.0.1/32' } }]);
    // HTTPS anywhere would include the API server (kubernetes.default is port 443): the server's rule leaves out its addresses.
    expect(server.spec.egress?.[2]?.to).toEqual([{ ipBlock: { cidr: '0.0.0.0/0', except: ['10.0.0.1/32'] } }, { ipBlock: { cidr: '::/0', except: [] } }]);
    expect(worker.spec.egress?.[2]?.to).toBeUndefined();
    const dualStack = await render(MAXIMAL, { networkPolicy: { egress: { kubernetesApi: { cidrs: ['10.0.0.1/32', 'fd00::1/128'] } } } });
    expect(one<NetworkPolicy>(dualStack, 'NetworkPolicy', 'ops-drover').spec.egress?.[2]?.to).toEqual([
      { ipBlock: { cidr: '0.0.0.0/0', except: ['10.0.0.1/32'] } },
      { ipBlock: { cidr: '::/0', except: ['fd00::1/128'] } },
    ]);
    // One Deployment: it reaches the API server itself. An external Redis: its port, anywhere unless CIDRs are given.
    const combined = one<NetworkPolicy>(await render(COMBINED, { networkPolicy: { enabled: true } }), 'NetworkPolicy', 'ops-drover');
    expect(egressPorts(combined)).toEqual(['53/UDP,53/TCP', '6379/TCP', '443/TCP', '443/TCP,6443/TCP']);
    expect(combined.spec.ingress?.[0]?.from).toHaveLength(1);
    const external = await render({ networkPolicy: { enabled: true, egress: { externalRedis: { cidrs: ['10.1.0.0/16'], ports: [6380] } } }, redis: { external: { url: EXTERNAL_REDIS_URL } } });
    expect(one<NetworkPolicy>(external, 'NetworkPolicy', 'ops-drover').spec.egress?.[1]).toEqual({ to: [{ ipBlock: { cidr: '10.1.0.0/16' } }], ports: [{ port: 6380, protocol: 'TCP' }] });
  });
});
