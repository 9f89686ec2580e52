// The Kubernetes API fake's process, seen from the benchmark.
import type { SeedObject } from '../../src/testing/index.js';
import type { Children, Child } from './children.js';
import { ask } from './ipc.js';
import { benchJs } from './paths.js';

export interface FakeRequest {
  method: string;
  path: string;
  /** Wall-clock milliseconds (performance.timeOrigin + performance.now()) when the fake had answered it. */
  at: number;
}

export interface FakeProcess {
  url: string;
  kubeConfigYaml: string;
  child: Child;
  seed(objects: SeedObject[]): Promise<void>;
  requests(): Promise<FakeRequest[]>;
  clear(): Promise<void>;
}

export async function startFakeProcess(children: Children): Promise<FakeProcess> {
  const child = children.start('k8s-fake', benchJs('processes/k8s-fake.js'), [], { ipc: true, execArgv: [] });
  const kubeConfigYaml = await ask<string>(child.process, undefined, 'kubeConfig');
  // The url arrives in the same message.
  const url = /server: (\S+)/.exec(kubeConfigYaml)?.[1] ?? '';
  return {
    url,
    kubeConfigYaml,
    child,
    seed: async (objects) => {
      // In chunks: one IPC message stays small.
      for (let i = 0; i < objects.length; i += 500) await ask(child.process, { seed: objects.slice(i, i + 500) }, 'seeded');
    },
    requests: () => ask<FakeRequest[]>(child.process, { requests: true }, 'requests'),
    clear: async () => {
      await ask(child.process, { clear: true }, 'cleared');
    },
  };
}

export function deployment(namespace: string, name: string): SeedObject {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, namespace },
    spec: {
      replicas: 2,
      selector: { matchLabels: { app: name } },
      template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: 'c', image: 'nginx' }] } },
    },
  };
}

export function pod(namespace: string, name: string): SeedObject {
  return { apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace }, spec: { containers: [{ name: 'web', image: 'nginx' }] } };
}
