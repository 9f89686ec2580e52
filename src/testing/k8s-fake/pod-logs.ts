/**
 * The `pods/log` subresource: text the test set per pod and container,
 * served with the kubelet's rules for container choice, previous and tailLines.
 */
import { getPath, isObject } from './json.js';
import { badRequest } from './status.js';
import type { KubeObject } from './types.js';

export interface LogQuery {
  container?: string;
  previous?: boolean;
  tailLines?: number;
  limitBytes?: number;
}

function key(namespace: string, pod: string, container: string, previous: boolean): string {
  return `${namespace}/${pod}/${container}/${previous ? 'previous' : 'current'}`;
}

export class PodLogs {
  private readonly lines = new Map<string, string[]>();

  set(namespace: string, pod: string, container: string, logs: string | string[], previous: boolean): void {
    const lines = Array.isArray(logs) ? logs : logs.replace(/\n$/, '').split('\n');
    this.lines.set(key(namespace, pod, container, previous), lines);
  }

  /** Whether a test gave this pod any logs (then the fake is its kubelet, node or not). */
  has(namespace: string, pod: string): boolean {
    const prefix = `${namespace}/${pod}/`;
    return [...this.lines.keys()].some((k) => k.startsWith(prefix));
  }

  /** The container a log request is for; the API server's 400 when it names none or one the pod lacks (checked before any kubelet is asked). */
  containerFor(pod: KubeObject, wanted: string | undefined): string {
    const name = pod.metadata.name ?? '';
    const containers = getPath(pod, 'spec', 'containers');
    const names = Array.isArray(containers) ? containers.filter(isObject).map((c) => String(c.name)) : [];
    if (!wanted) {
      if (names.length !== 1) {
        throw badRequest(`a container name must be specified for pod ${name}, choose one of: [${names.join(' ')}]`);
      }
      return names[0] ?? '';
    }
    if (!names.includes(wanted)) throw badRequest(`container ${wanted} is not valid for pod ${name}`);
    return wanted;
  }

  /** The log text for a pod that exists; throws the kubelet's 400s otherwise. */
  read(pod: KubeObject, query: LogQuery): string {
    const name = pod.metadata.name ?? '';
    const namespace = pod.metadata.namespace ?? '';
    const container = this.containerFor(pod, query.container);
    const stored = this.lines.get(key(namespace, name, container, query.previous === true));
    if (query.previous && !stored) {
      throw badRequest(`previous terminated container "${container}" in pod "${name}" not found`);
    }
    let lines = stored ?? [];
    if (query.tailLines !== undefined) lines = query.tailLines === 0 ? [] : lines.slice(-query.tailLines);
    let text = lines.map((l) => `${l}\n`).join('');
    if (query.limitBytes !== undefined) text = Buffer.from(text).subarray(0, query.limitBytes).toString('utf8');
    return text;
  }
}
