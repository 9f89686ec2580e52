/**
 * Independent reads of the real API server: plain HTTPS GETs with the admin
 * token, the JSON exactly as the server serialises it. Neither Drover's
 * Kubernetes layer nor client-node's typed models (which drop fields they do
 * not know) stand between the server and what the tests compare.
 */
import { readFileSync } from 'node:fs';
import { Agent, request } from 'node:https';
import { TOKENS, type RealKube } from '../cluster.js';

export type Json = Record<string, unknown>;

const agents = new WeakMap<RealKube, Agent>();

function agentFor(kube: RealKube): Agent {
  let agent = agents.get(kube);
  if (!agent) {
    agent = new Agent({ ca: readFileSync(kube.caFile), keepAlive: true });
    agents.set(kube, agent);
  }
  return agent;
}

export interface KubeRequestOptions {
  /** Bearer token; admin by default. */
  token?: string;
  /** JSON body (for a request that is refused before anything is written). */
  body?: unknown;
  headers?: Record<string, string>;
}

/** Sends one request; resolves with the status code and the parsed body. */
export function kubeRequest(kube: RealKube, method: string, path: string, options: KubeRequestOptions = {}): Promise<{ status: number; body: Json }> {
  const payload = options.body === undefined ? undefined : JSON.stringify(options.body);
  return new Promise((resolve, reject) => {
    const req = request(
      `${kube.url}${path}`,
      {
        method,
        headers: {
          Authorization: `Bearer ${options.token ?? TOKENS.admin}`,
          Accept: 'application/json',
          ...(payload === undefined ? {} : { 'Content-Length': String(Buffer.byteLength(payload)) }),
          ...options.headers,
        },
        agent: agentFor(kube),
        timeout: 10_000,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString();
          try {
            resolve({ status: res.statusCode ?? 0, body: text ? (JSON.parse(text) as Json) : {} });
          } catch (err) {
            reject(new Error(`${method} ${path}: not JSON (${res.statusCode}): ${text.slice(0, 200)}`, { cause: err }));
          }
        });
      },
    );
    req.on('error', reject);
    req.on('timeout', () => req.destroy(new Error(`${method} ${path}: timed out`)));
    req.end(payload);
  });
}

/** GET `path` (as admin unless another token is given). */
export function kubeGet(kube: RealKube, path: string, token: string = TOKENS.admin): Promise<{ status: number; body: Json }> {
  return kubeRequest(kube, 'GET', path, { token });
}

/** GET that must answer 200. */
export async function kubeRead(kube: RealKube, path: string): Promise<Json> {
  const { status, body } = await kubeGet(kube, path);
  if (status !== 200) throw new Error(`GET ${path}: ${status} ${JSON.stringify(body).slice(0, 300)}`);
  return body;
}

/** The object at `path`, or undefined on 404. */
export async function kubeReadIfExists(kube: RealKube, path: string): Promise<Json | undefined> {
  const { status, body } = await kubeGet(kube, path);
  if (status === 404) return undefined;
  if (status !== 200) throw new Error(`GET ${path}: ${status} ${JSON.stringify(body).slice(0, 300)}`);
  return body;
}

/**
 * etcd's current revision, as a quorum list reports it: every write anywhere
 * in the cluster raises it, so an unchanged revision means nothing was written.
 */
export async function clusterRevision(kube: RealKube): Promise<string> {
  const list = await kubeRead(kube, '/api/v1/namespaces?limit=1');
  const revision = (list.metadata as { resourceVersion?: string } | undefined)?.resourceVersion;
  if (!revision) throw new Error('the namespace list carries no resourceVersion');
  return revision;
}
