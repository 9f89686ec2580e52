import type { K8sFake, SeedObject } from '../../src/testing/index.js';

/** Namespace `demo` with Deployment `web` (3 replicas, 3 pods) and a bare pod `debug-shell`. */
export function seedDemo(fake: K8sFake): void {
  const objects: Array<Record<string, unknown>> = [
    { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'demo' } },
    {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'web', namespace: 'demo', labels: { app: 'web' } },
      spec: {
        replicas: 3,
        selector: { matchLabels: { app: 'web' } },
        template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'web', image: 'nginx:1.27' }] } },
      },
    },
    {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'debug-shell', namespace: 'demo' },
      spec: { containers: [{ name: 'sh', image: 'busybox' }] },
      status: { phase: 'Running' },
    },
  ];
  fake.seed(...(objects as SeedObject[]));
  fake.seedPodsFor('demo', 'web', 3);
}
