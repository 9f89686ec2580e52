/**
 * Jest helpers for suites against the real control plane: one per test file
 * (started in beforeAll, stopped in afterAll, both bounded), and a fresh
 * namespace per test so tests never see each other's objects.
 */
import { randomBytes } from 'node:crypto';
import { CoreV1Api } from '@kubernetes/client-node';
import { startRealKube, type RealKube, type StartRealKubeOptions } from './cluster.js';
import { waitFor } from '../support/wait-for.js';

const START_TIMEOUT_MS = 120_000;

/** Starts a real control plane for this file; the getter throws until it is up. */
export function useRealKube(options: Omit<StartRealKubeOptions, 'env'> = {}): () => RealKube {
  let kube: RealKube | undefined;
  beforeAll(async () => {
    kube = await startRealKube({ ...options, env: process.env });
  }, START_TIMEOUT_MS);
  afterAll(async () => {
    await kube?.stop();
  }, 30_000);
  return () => {
    if (!kube) throw new Error('the real kube-apiserver did not start (see beforeAll)');
    return kube;
  };
}

/**
 * Creates a namespace with a unique name (`label-xxxxxx`) and returns its name.
 * With a controller manager running, it also waits for the namespace's
 * `default` ServiceAccount, which that controller adds shortly after: a test
 * that snapshots the namespace must not see it appear later (it did, once, under load).
 */
export async function freshNamespace(kube: RealKube, label = 't'): Promise<string> {
  const name = `${label}-${randomBytes(3).toString('hex')}`;
  const core = kube.kubeConfig().makeApiClient(CoreV1Api);
  await core.createNamespace({ body: { metadata: { name } } });
  if (kube.pids.controllerManager !== undefined) {
    await waitFor(
      () => core.readNamespacedServiceAccount({ namespace: name, name: 'default' }).then(() => true, () => false),
      `the default ServiceAccount of namespace ${name}`,
      30_000,
    );
  }
  return name;
}
