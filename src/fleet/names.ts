import { DroverError } from '../errors.js';

/**
 * An agent cluster's name. It appears inside Redis key patterns of the agent's
 * ACL user and inside run ids, so it is kept to what cannot be read as a glob
 * or a separator there: lower-case letters, digits and inner dashes (a DNS
 * label), at most 50 characters.
 */
export const FLEET_CLUSTER_NAME = /^[a-z0-9](?:[a-z0-9-]{0,48}[a-z0-9])?$/;

export function checkFleetClusterName(name: string): string {
  if (!FLEET_CLUSTER_NAME.test(name)) {
    throw new DroverError(
      'params_invalid',
      `Invalid agent cluster name "${name}": use lower-case letters, digits and dashes (a DNS label, at most 50 characters).`,
    );
  }
  return name;
}

/**
 * The id of a run on an agent cluster: the cluster's name, a dot, then the id
 * the run would have had. The agent's ACL user may touch `run:<cluster>.*`
 * only, so the id is what keeps one cluster's runs from another's agent.
 */
export function fleetRunId(cluster: string, base: string): string {
  return base.startsWith(`${cluster}.`) ? base : `${cluster}.${base}`;
}

/** The agent cluster a run id belongs to (the part before the first dot), if it has one. */
export function clusterOfRunId(id: string): string | undefined {
  const dot = id.indexOf('.');
  if (dot <= 0) return undefined;
  const name = id.slice(0, dot);
  return FLEET_CLUSTER_NAME.test(name) ? name : undefined;
}

/** Whether a run is an agent cluster's: its id is `<cluster>.<id>` (see fleetRunId). */
export function isAgentRun(run: { id: string; cluster: string }): boolean {
  return clusterOfRunId(run.id) === run.cluster;
}

/**
 * Why a run record cannot be trusted, or undefined: an agent cluster's agent
 * can write its runs' records, so one whose id names agent cluster X but whose
 * record names another cluster was forged there (an agent reaching for a
 * cluster it does not live in).
 */
export function foreignRecord(run: { id: string; cluster: string }): string | undefined {
  const owner = clusterOfRunId(run.id);
  return owner !== undefined && owner !== run.cluster ? `Run ${run.id} belongs to agent cluster ${owner} but names cluster ${run.cluster}` : undefined;
}

/** The BullMQ queue an agent cluster's runs go to (its keys: `<prefix>:q:cluster.<name>:*`). */
export function fleetQueueName(cluster: string): string {
  return `cluster.${cluster}`;
}

/** Keys only an agent cluster's agent (and the central Drover) touch: its audit outbox and stream, presence. */
export function roomPrefix(prefix: string, cluster: string): string {
  return `${prefix}:fleet:${cluster}`;
}

/** The central registry of agent clusters (a hash: name → JSON of FleetCluster). */
export const fleetRegistryKey = (prefix: string): string => `${prefix}:fleet:clusters`;

/** The channel agents publish their cluster's name on when they have audit events for the relay. */
export const fleetNotifyChannel = (prefix: string): string => `${prefix}:fleet:notify`;

/** The cancel channel of one agent cluster's runs (the central one carries every run's id). */
export const fleetCancelChannel = (prefix: string, cluster: string): string => `${prefix}:cancel:${cluster}`;

/** The hash of an agent cluster's agents' heartbeats (field: agent id, value: JSON AgentBeat). */
export const agentPresenceKey = (prefix: string, cluster: string): string => `${roomPrefix(prefix, cluster)}:agents`;

/** The Redis ACL user of an agent cluster's agents. */
export const agentUserName = (prefix: string, cluster: string): string => `drover-agent:${prefix}:${cluster}`;
