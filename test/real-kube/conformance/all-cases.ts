/** Every case of the suite, and the fake's settings that emulate the real control plane it is compared with. */
import type { K8sFakeOptions } from '../../../src/testing/index.js';
import { TOKENS } from '../cluster.js';
import type { Case } from './case.js';
import { authCases } from './cases/auth.js';
import { autoscalerCases } from './cases/autoscalers.js';
import { deploymentWriteCases } from './cases/deployment-writes.js';
import { discoveryCases } from './cases/discovery.js';
import { evictionCases } from './cases/evictions.js';
import { jobCases } from './cases/jobs.js';
import { applyCases } from './cases/server-side-apply.js';
import { configAndSecretCases } from './cases/config-and-secrets.js';
import { volumeClaimCases } from './cases/volume-claims.js';
import { nodeAndEventCases } from './cases/nodes-events.js';
import { podDeleteCases } from './cases/pod-deletes.js';
import { podLogCases } from './cases/pod-logs.js';
import { scaleCases } from './cases/scale.js';

export const ALL_CASES: readonly Case[] = [
  ...discoveryCases,
  ...deploymentWriteCases,
  ...scaleCases,
  ...applyCases,
  ...configAndSecretCases,
  ...podDeleteCases,
  ...evictionCases,
  ...podLogCases,
  ...nodeAndEventCases,
  ...autoscalerCases,
  ...volumeClaimCases,
  ...jobCases,
  ...authCases,
];

/**
 * kube-apiserver 1.20 with no kube-controller-manager, no kubelet, and the
 * tokens of cluster.ts: admin in system:masters, nobody with no RBAC binding.
 */
export const FAKE_OPTIONS: K8sFakeOptions = {
  kubernetesVersion: '1.20',
  controllers: false,
  keepTerminatingPods: true,
  tokens: { [TOKENS.admin]: { user: 'drover-admin', groups: ['system:masters'] }, [TOKENS.nobody]: { user: 'drover-nobody', groups: ['drover:testers'] } },
  authorize: () => false,
};
