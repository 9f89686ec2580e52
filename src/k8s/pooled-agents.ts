import { createHash } from 'node:crypto';
import http from 'node:http';
import https from 'node:https';
import type { KubeConfig } from '@kubernetes/client-node';

/** The agent options that make two connections to one API server interchangeable. */
const IDENTITY = ['ca', 'cert', 'key', 'pfx', 'passphrase', 'rejectUnauthorized', 'servername'] as const;

/** Agents kept per kubeconfig (a rotated client certificate makes a new one). */
const MAX_AGENTS = 8;

/** KubeConfigs already pooling (a config given twice is wrapped once). */
const pooling = new WeakSet<KubeConfig>();

interface AgentCarrier {
  getAgent(): http.Agent | https.Agent | undefined;
  setAgent(agent: http.Agent | https.Agent): void;
}

function identityOf(agent: http.Agent): string {
  const options = (agent as http.Agent & { options: Record<string, unknown> }).options;
  const hash = createHash('sha256');
  for (const name of IDENTITY) {
    const value = options[name];
    const values = value === undefined ? [] : Array.isArray(value) ? (value as unknown[]) : [value];
    hash.update(`${name}:`);
    for (const v of values) hash.update(Buffer.isBuffer(v) ? v : String(v)).update('\0');
  }
  return hash.digest('hex');
}

/**
 * Keeps the connections to an API server open between requests.
 * `@kubernetes/client-node` 1.x makes a new agent for every request
 * (kubernetes-client/javascript#2893), so every API call paid a TCP and TLS
 * handshake and left its socket behind. The agent the client made for a
 * request is swapped for a keep-alive one with the same TLS identity (CA,
 * client certificate, server name, verification). Proxy agents are left as
 * they are. Changes the given KubeConfig in place and returns it.
 */
export function poolConnections<T extends KubeConfig>(kubeConfig: T): T {
  if (pooling.has(kubeConfig)) return kubeConfig;
  pooling.add(kubeConfig);
  const agents = new Map<string, http.Agent>();
  const authenticate = kubeConfig.applySecurityAuthentication.bind(kubeConfig);
  kubeConfig.applySecurityAuthentication = async (context) => {
    await authenticate(context);
    const carrier = context as unknown as AgentCarrier;
    const made = carrier.getAgent();
    // Exactly Node's agents: a proxy agent subclasses them and is kept.
    if (!made || (made.constructor !== https.Agent && made.constructor !== http.Agent)) return;
    const key = `${made.constructor === https.Agent ? 'https' : 'http'}:${identityOf(made)}`;
    let pooled = agents.get(key);
    if (!pooled) {
      const options = { ...(made as http.Agent & { options: http.AgentOptions }).options, keepAlive: true };
      pooled = made.constructor === https.Agent ? new https.Agent(options) : new http.Agent(options);
      agents.set(key, pooled);
      if (agents.size > MAX_AGENTS) {
        const [oldest, agent] = agents.entries().next().value as [string, http.Agent];
        agents.delete(oldest);
        agent.destroy();
      }
    }
    carrier.setAgent(pooled);
    made.destroy();
  };
  return kubeConfig;
}
