/**
 * Shared helpers for the k8s integration tests: seed objects in wire form,
 * raw HTTP against the fake, and unpacking the client's ApiException.
 */
import { ApiException } from '@kubernetes/client-node';
import type { K8sFake, KubeObject } from '../../../src/testing/index.js';

export function namespace(name: string): KubeObject {
  return { apiVersion: 'v1', kind: 'Namespace', metadata: { name } };
}

export function deployment(name: string, options: { namespace?: string; replicas?: number; image?: string } = {}): KubeObject {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, namespace: options.namespace ?? 'demo', labels: { app: name } },
    spec: {
      replicas: options.replicas ?? 2,
      selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels: { app: name } },
        spec: { containers: [{ name, image: options.image ?? 'nginx:1.27', ports: [{ containerPort: 80 }] }] },
      },
    },
  };
}

export function node(name: string, unschedulable = false): KubeObject {
  return { apiVersion: 'v1', kind: 'Node', metadata: { name }, spec: unschedulable ? { unschedulable: true } : {} };
}

export interface RawAnswer {
  status: number;
  contentType: string | null;
  json: Record<string, unknown>;
  text: string;
}

export async function raw(
  fake: K8sFake,
  method: string,
  path: string,
  options: { body?: unknown; contentType?: string; token?: string; headers?: Record<string, string> } = {},
): Promise<RawAnswer> {
  const headers: Record<string, string> = { ...options.headers };
  if (options.contentType) headers['content-type'] = options.contentType;
  if (options.token) headers.authorization = `Bearer ${options.token}`;
  const init: RequestInit = { method, headers };
  if (options.body !== undefined) init.body = typeof options.body === 'string' ? options.body : JSON.stringify(options.body);
  const res = await fetch(`${fake.url}${path}`, init);
  const text = await res.text();
  let json: Record<string, unknown> = {};
  try {
    json = JSON.parse(text) as Record<string, unknown>;
  } catch {
    // text/plain answers (logs)
  }
  return { status: res.status, contentType: res.headers.get('content-type'), json, text };
}

/** Awaits a client call that must fail and returns its HTTP code and the Status object. */
export async function failure(promise: Promise<unknown>): Promise<{ code: number; status: Record<string, unknown>; headers: Record<string, string> }> {
  const err = await promise.then(
    () => {
      throw new Error('expected the call to fail');
    },
    (e: unknown) => e,
  );
  if (!(err instanceof ApiException)) throw err;
  const e = err as ApiException<unknown>;
  const status = typeof e.body === 'string' ? (JSON.parse(e.body) as Record<string, unknown>) : ((e.body ?? {}) as Record<string, unknown>);
  return { code: e.code, status, headers: e.headers };
}

/** Reads a nested field of a wire object in a test without fighting `unknown`. */
export function field(obj: unknown, ...path: (string | number)[]): unknown {
  let current: unknown = obj;
  for (const key of path) {
    if (typeof current !== 'object' || current === null) return undefined;
    current = (current as Record<string | number, unknown>)[key];
  }
  return current;
}
