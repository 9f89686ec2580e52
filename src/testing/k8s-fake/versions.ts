/**
 * Which Kubernetes release the fake answers as. The default, 1.31, is what
 * the sandbox and the fake-based tests expect; 1.20 is the release of the
 * real kube-apiserver the conformance suite (test/real-kube/conformance)
 * compares the fake with, so the two answer like for like.
 */
export const FAKE_KUBERNETES_VERSIONS = ['1.31', '1.20'] as const;
export type FakeKubernetesVersion = (typeof FAKE_KUBERNETES_VERSIONS)[number];

export interface VersionProfile {
  version: FakeKubernetesVersion;
  /** What /version answers. */
  info: Record<string, string>;
  /** The autoscaling version HorizontalPodAutoscalers are served at. */
  hpaVersion: 'v2' | 'v2beta2';
  /** The policy version PodDisruptionBudgets (and Evictions) are served at: policy/v1 came in 1.21 (Eviction in 1.22), v1beta1 went in 1.25. */
  policyVersion: 'v1' | 'v1beta1';
  /** Versions discovery lists per group, preferred first (only the groups the fake serves). */
  groupVersions: Record<string, string[]>;
  /** Pod templates carry `metadata.creationTimestamp: null`, as Go's encoder wrote a zero metav1.Time before 1.31-era omitempty fixes. */
  nullTemplateTimestamp: boolean;
  /** Jobs get `completionMode`, `suspend`, `podReplacementPolicy` and the batch.kubernetes.io labels (1.21+, 1.22+, 1.28+, 1.27+). */
  modernJobs: boolean;
  /** Wording of a 415 for an unknown patch Content-Type. */
  patchMediaTypeMessage: 'accepted-list' | 'short';
  /** A bound claim's spec may also change volumeAttributesClassName (1.29+), and the message says so. */
  volumeAttributesClass: boolean;
}

const BUILD = { gitCommit: '0000000000000000000000000000000000000000', gitTreeState: 'clean', compiler: 'gc', platform: 'linux/amd64' };

export const VERSION_PROFILES: Record<FakeKubernetesVersion, VersionProfile> = {
  '1.31': {
    version: '1.31',
    info: { major: '1', minor: '31', gitVersion: 'v1.31.0-drover-fake', ...BUILD, buildDate: '2024-08-13T00:00:00Z', goVersion: 'go1.22.5' },
    hpaVersion: 'v2',
    policyVersion: 'v1',
    groupVersions: { 'apiextensions.k8s.io': ['v1'], apps: ['v1'], autoscaling: ['v2'], batch: ['v1'], policy: ['v1'], 'storage.k8s.io': ['v1'] },
    nullTemplateTimestamp: false,
    modernJobs: true,
    patchMediaTypeMessage: 'accepted-list',
    volumeAttributesClass: true,
  },
  '1.20': {
    version: '1.20',
    info: { major: '1', minor: '20', gitVersion: 'v1.20.2-drover-fake', ...BUILD, buildDate: '2021-01-13T00:00:00Z', goVersion: 'go1.15.5' },
    hpaVersion: 'v2beta2',
    policyVersion: 'v1beta1',
    // As kube-apiserver 1.20 lists them: autoscaling/v2 came in 1.23, policy/v1 in 1.21.
    groupVersions: { 'apiextensions.k8s.io': ['v1', 'v1beta1'], apps: ['v1'], autoscaling: ['v1', 'v2beta1', 'v2beta2'], batch: ['v1', 'v1beta1'], policy: ['v1beta1'], 'storage.k8s.io': ['v1', 'v1beta1'] },
    nullTemplateTimestamp: true,
    modernJobs: false,
    patchMediaTypeMessage: 'short',
    volumeAttributesClass: false,
  },
};

export function versionProfile(version: FakeKubernetesVersion | undefined): VersionProfile {
  return VERSION_PROFILES[version ?? '1.31'];
}

/** What of a resource's definition decides where it is served (a ResourceDef fits). */
export interface ServedResource {
  resource: string;
  group: string;
  version: string;
}

/** The version a resource is served at under this profile. */
export function servedVersion(profile: VersionProfile, def: ServedResource): string {
  if (def.resource === 'horizontalpodautoscalers') return profile.hpaVersion;
  if (def.resource === 'poddisruptionbudgets') return profile.policyVersion;
  return def.version;
}

/** `group/version` of a resource under this profile. */
export function servedApiVersion(profile: VersionProfile, def: ServedResource): string {
  const version = servedVersion(profile, def);
  return def.group ? `${def.group}/${version}` : version;
}
