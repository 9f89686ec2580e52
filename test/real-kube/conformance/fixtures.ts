/** The objects the cases create, as plain JSON (the same bytes go to both servers). */
export const DEPLOYMENTS = '/apis/apps/v1/namespaces/{ns}/deployments';
export const PODS = '/api/v1/namespaces/{ns}/pods';

export function deployment(name = 'web', replicas = 2): Record<string, unknown> {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, labels: { app: name } },
    spec: {
      replicas,
      selector: { matchLabels: { app: name } },
      template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: 'app', image: 'nginx:1.19' }] } },
    },
  };
}

/** A pod; with a node name it is "scheduled" (to a node that runs nothing). */
export function pod(name: string, nodeName?: string): Record<string, unknown> {
  const spec: Record<string, unknown> = { containers: [{ name: 'app', image: 'busybox:1.36' }] };
  if (nodeName) spec.nodeName = nodeName;
  return { apiVersion: 'v1', kind: 'Pod', metadata: { name, labels: { app: name } }, spec };
}

export function node(name: string): Record<string, unknown> {
  return { apiVersion: 'v1', kind: 'Node', metadata: { name, labels: { 'kubernetes.io/hostname': name } } };
}
