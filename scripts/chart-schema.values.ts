/**
 * The JSON Schema of helm/drover's values (values.schema.json), built from
 * what the chart defines and, for `config` and `policy`, from the zod schemas
 * Drover itself loads those files with (z.toJSONSchema), so the chart refuses
 * what Drover would. Every object whose keys the chart defines has
 * additionalProperties: false: a typo in my-values.yaml fails `helm lint`,
 * `helm template` and `helm install`. Kubernetes-typed values: resources,
 * the security contexts, affinity and tolerations have their top-level keys
 * checked (a misspelt one would be dropped); their values, and volumes,
 * peers and the like, are left to the API server.
 */
import { V1Affinity, V1PodSecurityContext, V1ResourceRequirements, V1SecurityContext, V1Toleration } from '@kubernetes/client-node';
import { z } from 'zod';
import { configSchema } from '../src/config/schema.js';
import { policySchema } from '../src/policy/schema.js';

type Schema = Record<string, unknown>;

const str = (extra: Schema = {}): Schema => ({ type: 'string', ...extra });
const bool: Schema = { type: 'boolean' };
const int = (minimum = 0, extra: Schema = {}): Schema => ({ type: 'integer', minimum, ...extra });
const list = (items: Schema, extra: Schema = {}): Schema => ({ type: 'array', items, ...extra });
const strings: Schema = list(str());
const map = (values: Schema = str()): Schema => ({ type: 'object', additionalProperties: values });
/** A Kubernetes object the chart passes through (a NetworkPolicyPeer, a volume...). */
const k8s: Schema = { type: 'object' };
/**
 * A Kubernetes object of a known type, its top-level keys checked: the API
 * server drops a field it does not know (on older clusters silently), so a
 * typo such as readOnlyRootFileSystem would leave the pod without it. The
 * key names come from the Kubernetes client's models.
 */
const k8sTyped = (model: { name: string; getAttributeTypeMap(): Array<{ name: string }> }): Schema => ({
  type: 'object',
  $comment: `Kubernetes ${model.name.replace(/^V1/, '')}: its keys; the API server checks their values`,
  additionalProperties: false,
  properties: Object.fromEntries(model.getAttributeTypeMap().map((a) => [a.name, {}])),
});
const resources = k8sTyped(V1ResourceRequirements);
const k8sList: Schema = list(k8s);

/** An object whose keys the chart defines: nothing else is accepted. */
function obj(properties: Record<string, Schema>, description?: string): Schema {
  return { type: 'object', ...(description ? { description } : {}), additionalProperties: false, properties };
}

/** A zod schema as JSON Schema for the values a user writes (input: defaults make keys optional). */
function fromZod(schema: z.ZodType, description: string): Schema {
  const { $schema: _drop, ...json } = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as Schema;
  return { description, ...json };
}

// Values the templates write into YAML as they are: Kubernetes' own formats, so a
// newline or quote in my-values.yaml cannot add a key or an object to the manifest.
/** An object name (DNS-1123 subdomain), or empty for "not set". */
const name = str({ maxLength: 253, pattern: '^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*)?$' });
/** A namespace (DNS-1123 label). */
const namespace = str({ maxLength: 63, pattern: '^[a-z0-9]([-a-z0-9]*[a-z0-9])?$' });
/** A key of a Secret or ConfigMap, or empty for "not set". */
const dataKey = str({ maxLength: 253, pattern: '^[-._a-zA-Z0-9]*$' });
/** A resource quantity such as 2Gi. */
const quantity = str({ pattern: '^[0-9]+(\\.[0-9]+)?(Ki|Mi|Gi|Ti|Pi|Ei|m|k|M|G|T|P|E)?$' });
/** A Prometheus duration such as 30s or 1m30s. */
const duration = str({ pattern: '^(0|([0-9]+y)?([0-9]+w)?([0-9]+d)?([0-9]+h)?([0-9]+m)?([0-9]+s)?([0-9]+ms)?)$' });
/** A count or a percentage of pods, or empty. */
const podCount: Schema = { type: ['integer', 'string'], minimum: 0, pattern: '^([0-9]+%?)?$' };
/** Redis's maxmemory: bytes, or a size with Redis's units (400mb, 1gb), or empty for 80% of the memory limit. Never 0, which Redis reads as "no limit". */
const redisSize: Schema = { type: ['integer', 'string'], minimum: 1, pattern: '^([1-9][0-9]*([bB]|[kKmMgG][bB]?)?)?$' };

const secretRef = obj({ name, key: dataKey });
/** A runbook pack (docs/packs.md): a git repository at a full commit, an npm package at an exact version, or a path in the image. */
const packName = str({ maxLength: 63, pattern: '^[a-z0-9]+(-[a-z0-9]+)*$' });
/**
 * A git URL: no whitespace or control character, not an option (`--upload-pack=…`), no `<transport>::` (`ext::` runs
 * a command), and no credentials in an http(s) URL (they would sit in the pod's args and the config): existingSecret.
 */
const packGitUrl = str({
  minLength: 1,
  pattern: '^[^\\s-][^\\s]*$',
  not: { anyOf: [{ pattern: '^[A-Za-z0-9+.-]*::' }, { pattern: '^[Hh][Tt][Tt][Pp][Ss]?://[^/@]*@' }] },
});
/** A directory inside the checkout: relative, no `..` segment (Go's regexp has no look-ahead, hence the spelling). */
const packDirSegment = '([^/.][^/]*|[.][^/.][^/]*|[.][.][^/]+)';
const packDir = str({ pattern: `^${packDirSegment}(/${packDirSegment})*/?$` });
const pack: Schema = {
  oneOf: [
    { ...obj({ name: packName, git: packGitUrl, commit: str({ pattern: '^[0-9a-f]{40}$' }), dir: packDir, existingSecret: name }), required: ['name', 'git', 'commit'] },
    { ...obj({ name: packName, npm: str({ pattern: '^(@[a-z0-9][\\w.-]*/)?[a-z0-9][\\w.-]*$' }), version: str({ pattern: '^[0-9]+\\.[0-9]+\\.[0-9]+([-+][0-9A-Za-z.+-]+)?$' }) }), required: ['name', 'npm', 'version'] },
    { ...obj({ name: packName, path: str({ minLength: 1 }) }), required: ['name', 'path'] },
  ],
};
const egress = obj({ cidrs: list(str()), ports: list(int(1, { maximum: 65535 })) });
const replicasRange = obj({ minReplicas: int(1), maxReplicas: int(1), targetCPUUtilizationPercentage: int(1, { maximum: 100 }) });
const probe = obj({ periodSeconds: int(1), timeoutSeconds: int(1), failureThreshold: int(1) });
const image = (extra: Record<string, Schema> = {}) =>
  obj({ repository: str({ minLength: 1 }), tag: str(), digest: { type: 'string', pattern: '^(sha256:[a-f0-9]{64})?$' }, pullPolicy: str({ enum: ['Always', 'IfNotPresent', 'Never'] }), ...extra });

export function chartValuesSchema(): Schema {
  return {
    $schema: 'https://json-schema.org/draft/2020-12/schema',
    title: "Values of Drover's Helm chart (generated by npm run chart:schema; values.yaml describes each key)",
    ...obj({
      nameOverride: str({ maxLength: 63, pattern: '^([a-z0-9]([-a-z0-9]*[a-z0-9])?)?$' }),
      fullnameOverride: str({ maxLength: 63, pattern: '^([a-z0-9]([-a-z0-9]*[a-z0-9])?)?$' }),
      mode: str({ enum: ['central', 'agent'] }),
      // agent.cluster's format is checked by the chart (drover.agentCluster), whose message says what a name may hold.
      agent: obj({
        cluster: str(),
        replicas: int(0),
        concurrency: int(1, { maximum: 256 }),
        resources,
        terminationGracePeriodSeconds: int(0),
        labels: map(),
        redis: obj({ existingSecret: name, urlKey: str({ minLength: 1, maxLength: 253, pattern: '^[-._a-zA-Z0-9]+$' }), caSecret: name, caKey: str({ minLength: 1, maxLength: 253, pattern: '^[-._a-zA-Z0-9]+$' }) }),
      }),
      image: image(),
      imagePullSecrets: k8sList,
      server: obj({ replicas: int(0), resources, terminationGracePeriodSeconds: int(0) }),
      worker: obj({ separate: bool, replicas: int(0), concurrency: int(1, { maximum: 256 }), resources, terminationGracePeriodSeconds: int(0) }),
      slack: obj({ enabled: bool, mode: str({ enum: ['http', 'socket'] }), botToken: str(), signingSecret: str(), appToken: str() }),
      alertmanager: obj({ enabled: bool, webhookToken: str() }),
      audit: obj({ key: str(), existingSecret: name, existingSecretKey: dataKey }),
      existingSecret: name,
      config: fromZod(configSchema, "Drover's configuration file (src/config/schema.ts)"),
      policy: fromZod(policySchema, 'The policy file (src/policy/schema.ts)'),
      kubeconfig: obj({ existingSecret: name, keys: list(dataKey) }),
      // A token's name becomes a directory and a volume name (gitops-token-NAME): a DNS label, as _gitops.tpl checks.
      gitops: obj({
        tokens: list({ ...obj({ name: str({ maxLength: 50, pattern: '^[a-z0-9]([-a-z0-9]*[a-z0-9])?$' }), secretName: name, key: dataKey }), required: ['name', 'secretName'] }),
        workDirSizeLimit: quantity,
        fluxNamespaces: list(namespace),
      }),
      runbooks: obj({
        existingConfigMap: name,
        packs: list(pack),
        install: obj({ gitImage: image(), npmrcSecret: name, sizeLimit: quantity, resources }),
      }),
      serviceAccount: obj({ create: bool, name, annotations: map() }),
      rbac: obj({ create: bool, runbooks: bool, clusterWide: bool, namespaces: list(namespace), extraRules: k8sList, gitops: bool }),
      impersonation: obj({ enabled: bool, users: strings, groups: strings }),
      service: obj({ type: str({ enum: ['ClusterIP', 'NodePort', 'LoadBalancer'] }), port: int(1, { maximum: 65535 }), annotations: map() }),
      ingress: obj({ enabled: bool, className: name, annotations: map(), hosts: strings, tls: k8sList }),
      prometheusRule: obj({ enabled: bool, labels: map(), annotations: map() }),
      grafanaDashboard: obj({ enabled: bool, labels: map(), annotations: map() }),
      serviceMonitor: obj({ enabled: bool, interval: duration, scrapeTimeout: duration, labels: map() }),
      podDisruptionBudget: obj({ enabled: bool, maxUnavailable: podCount, minAvailable: podCount }),
      tests: obj({ enabled: bool }),
      redis: obj({
        external: obj({ url: { type: 'string', pattern: '^(rediss?://.*)?$' }, existingSecret: name, existingSecretKey: dataKey }),
        image: image({ replaceRedis: bool }),
        maxmemory: redisSize,
        auth: obj({ password: str(), existingSecret: name, existingSecretKey: dataKey }),
        persistence: obj({ enabled: bool, size: quantity, storageClass: name }),
        resources,
        networkPolicy: obj({ enabled: bool }),
      }),
      networkPolicy: obj({
        enabled: bool,
        ingressFrom: k8sList,
        metricsFrom: k8sList,
        egress: obj({ kubernetesApi: egress, https: egress, externalRedis: egress }),
        extraEgress: k8sList,
      }),
      autoscaling: obj({
        enabled: bool,
        server: replicasRange,
        worker: replicasRange,
        keda: obj({
          enabled: bool,
          listLength: int(1),
          activationListLength: int(0),
          pollingInterval: int(1),
          cooldownPeriod: int(0),
          operatorPeers: k8sList,
          externalRedis: obj({ address: str(), enableTLS: bool, passwordSecret: secretRef }),
        }),
      }),
      topologySpread: obj({ enabled: bool, maxSkew: int(1) }),
      topologySpreadConstraints: k8sList,
      podAnnotations: map(),
      podLabels: map(),
      podSecurityContext: k8sTyped(V1PodSecurityContext),
      securityContext: k8sTyped(V1SecurityContext),
      livenessProbe: probe,
      readinessProbe: probe,
      startupProbe: probe,
      extraEnv: k8sList,
      extraVolumes: k8sList,
      extraVolumeMounts: k8sList,
      priorityClassName: name,
      nodeSelector: map(),
      tolerations: list(k8sTyped(V1Toleration)),
      affinity: k8sTyped(V1Affinity),
    }),
    // An agent reads the central Redis's URL from a Secret you manage, and from nowhere else.
    if: { properties: { mode: { const: 'agent' } }, required: ['mode'] },
    then: { properties: { agent: { properties: { redis: { properties: { existingSecret: { minLength: 1 } } } } } } },
  };
}

/** The file's text: stable key order, two-space indentation, a final newline. */
export function chartValuesSchemaText(): string {
  return `${JSON.stringify(chartValuesSchema(), null, 2)}\n`;
}
