/**
 * A fake Kubernetes API server for tests, runbook authors and the sandbox
 * cluster. See README.md in this folder for what it serves and how it differs
 * from a real API server.
 */
export { startK8sFake } from './fake.js';
export { sandboxSeed, seedSandbox } from './sandbox.js';
export { DEFAULT_USER } from './access.js';
export { MANUAL_ROLLOUT_ANNOTATION, REVISION_ANNOTATION, HASH_LABEL } from './deployment-controller.js';
export type { Status, StatusDetails, StatusCause } from './status.js';
export type {
  AccessAttributes,
  FakeAuthorizer,
  FakeBehaviour,
  FakeIdentity,
  FakeKubeConfigOptions,
  FakeKubernetesVersion,
  FakeTokenIdentity,
  FaultRule,
  ForbidRule,
  K8sFake,
  K8sFakeOptions,
  KubeObject,
  RecordedRequest,
  SeedObject,
  SeedPodsOptions,
  WireMeta,
  WireOwnerReference,
} from './types.js';
