import type { ClusterStatus } from '../../fleet/agent-presence.js';
import { ago, labelsText, stateCounts, versionText } from '../../fleet/cluster-text.js';
import type { ChatMessage } from '../types.js';
import { BlockList, context, header, message, section } from './layout.js';
import { escapeFit } from './mrkdwn.js';

const MARKER: Record<ClusterStatus['state'], string> = { up: '🟢', absent: '🔴', 'never-seen': '⚪' };

/** Clusters listed one line each; the rest are counted and left to `drover clusters`. */
export const CLUSTER_LINES = 25;

const n = (value: number): string => value.toLocaleString('en-US');

function clusterLine(s: ClusterStatus, now: number): string {
  const parts = [`${MARKER[s.state]} *${escapeFit(s.name, 60)}* ${s.state}`];
  if (s.state === 'up') {
    parts.push(`${s.agents.length} agent${s.agents.length === 1 ? '' : 's'} (${escapeFit(s.versions.map(versionText).join(', '), 80)})`);
    parts.push(`${s.inFlight}/${s.capacity} runs in flight`);
  }
  if (s.kubernetesVersions.length) parts.push(`k8s ${escapeFit(s.kubernetesVersions.join(', '), 60)}`);
  if (s.lastSeen !== undefined) parts.push(`last seen ${ago(now - s.lastSeen)}${s.state !== 'up' && s.last ? ` (agent ${escapeFit(versionText(s.last.version), 40)} on ${escapeFit(s.last.host, 80)})` : ''}`);
  const labels = labelsText(s.labels);
  if (labels !== '-') parts.push(escapeFit(labels, 200));
  return parts.join(' · ');
}

export interface ClustersMessageInput {
  /** Clusters central workers serve with a kubeconfig. */
  workers: { names: string[]; defaultName?: string };
  /** The agent clusters (undefined: not available in this process). */
  fleet?: ClusterStatus[];
  now?: number;
  /** `drover clusters`, for the full list. */
  limit?: number;
}

/**
 * `/drover clusters`: counts first (agent clusters up, absent, never seen),
 * then the clusters without a live agent, then the others, at most `limit`
 * lines; the rest are counted.
 */
export function clustersMessage(input: ClustersMessageInput): ChatMessage {
  const now = input.now ?? Date.now();
  const limit = input.limit ?? CLUSTER_LINES;
  const fleet = input.fleet ?? [];
  const counts = stateCounts(fleet);
  // A list of every cluster name may carry the agent clusters too: they are listed below.
  const agentNames = new Set(fleet.map((s) => s.name));
  const workerNames = input.workers.names.filter((name) => !agentNames.has(name)).map((name) => (name === input.workers.defaultName ? `${name} (default)` : name));
  const summary = input.fleet
    ? `${n(fleet.length)} agent cluster${fleet.length === 1 ? '' : 's'}: ${n(counts.up)} up, ${n(counts.absent)} absent, ${n(counts['never-seen'])} never seen`
    : 'Agent clusters: not available here';
  const workerLine = workerNames.length ? `Served by central workers: ${workerNames.join(', ')}` : 'No central worker has announced a cluster.';
  const list = new BlockList();
  list.add(header('Clusters'));
  list.add(section(`*${summary}*\n${escapeFit(workerLine, 1000)}`));
  const order: Record<ClusterStatus['state'], number> = { absent: 0, 'never-seen': 1, up: 2 };
  const sorted = [...fleet].sort((a, b) => order[a.state] - order[b.state] || a.name.localeCompare(b.name, 'en', { numeric: true }));
  const shown = sorted.slice(0, limit);
  if (shown.length) list.lines(shown.map((s) => clusterLine(s, now)));
  const tail = sorted.length > shown.length ? [context(`and ${n(sorted.length - shown.length)} more; \`drover clusters\` lists all.`)] : [];
  return message(`${summary}. ${workerLine}`, list.finish(...tail));
}
