import type { KnownClusters, WorkerInfo } from '../jobs/presence.js';
import type { ClusterStatus } from './agent-presence.js';

/** How long ago, for people: `12s ago`, `4m ago`, `3h ago`, `2d ago`. */
export function ago(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  if (s < 60) return `${s}s ago`;
  if (s < 3600) return `${Math.floor(s / 60)}m ago`;
  if (s < 86_400) return `${Math.floor(s / 3600)}h ago`;
  return `${Math.floor(s / 86_400)}d ago`;
}

/** A Drover version as people read it: `v1.2.0` (a `v` added unless it has one). */
export function versionText(version: string): string {
  return /^v\d/i.test(version) || !/^\d/.test(version) ? version : `v${version}`;
}

/** One cluster Drover knows, whoever serves it: central workers (a kubeconfig) or its own agents. */
export interface ClusterRow {
  name: string;
  kind: 'worker' | 'agent';
  labels: Record<string, string>;
  /** Live workers serving it, or live agents. */
  agents: number;
  /** Drover versions of its live agents (workers do not say theirs). */
  versions: string[];
  kubernetesVersions: string[];
  /** ms; undefined when never seen. */
  lastSeen?: number;
  /** Runs its agents execute now (unknown for worker clusters). */
  inFlight?: number;
  capacity?: number;
  state: ClusterStatus['state'];
  /** The default cluster of the workers. */
  default?: boolean;
}

/** Every cluster: those workers serve (live or announced before) and the agent clusters, by name. */
export function clusterRows(workers: WorkerInfo[], known: KnownClusters, fleet: ClusterStatus[]): ClusterRow[] {
  const byCluster = new Map<string, WorkerInfo[]>();
  for (const name of known.names) byCluster.set(name, []);
  for (const w of workers) for (const c of w.clusters) byCluster.set(c, [...(byCluster.get(c) ?? []), w]);
  const defaultName = workers.find((w) => w.defaultCluster)?.defaultCluster ?? known.defaultName;
  const rows: ClusterRow[] = [...byCluster].map(([name, serving]) => {
    const lastSeen = serving.length ? Math.max(...serving.map((w) => w.seenAt)) : undefined;
    return {
      name,
      kind: 'worker',
      labels: {},
      agents: serving.length,
      versions: [],
      kubernetesVersions: [],
      ...(lastSeen !== undefined ? { lastSeen } : {}),
      state: serving.length ? 'up' : 'absent',
      ...(name === defaultName ? { default: true } : {}),
    };
  });
  for (const s of fleet) {
    rows.push({
      name: s.name,
      kind: 'agent',
      labels: s.labels,
      agents: s.agents.length,
      versions: s.versions.length ? s.versions : s.last ? [s.last.version] : [],
      kubernetesVersions: s.kubernetesVersions,
      ...(s.lastSeen !== undefined ? { lastSeen: s.lastSeen } : {}),
      inFlight: s.inFlight,
      capacity: s.capacity,
      state: s.state,
    });
  }
  return rows.sort((a, b) => a.name.localeCompare(b.name, 'en', { numeric: true }) || a.kind.localeCompare(b.kind));
}

export function labelsText(labels: Record<string, string>): string {
  const pairs = Object.entries(labels).sort(([a], [b]) => a.localeCompare(b));
  return pairs.length ? pairs.map(([k, v]) => `${k}=${v}`).join(',') : '-';
}

/** The agents column: `2 (v1.2.0; k8s v1.29.3)`, `0`. */
export function agentsText(row: ClusterRow): string {
  const details = [row.versions.length ? row.versions.map(versionText).join(',') : '', row.kubernetesVersions.length ? `k8s ${row.kubernetesVersions.join(',')}` : ''].filter(Boolean);
  return details.length ? `${row.agents} (${details.join('; ')})` : String(row.agents);
}

export function lastSeenText(row: ClusterRow, now: number): string {
  return row.lastSeen === undefined ? 'never' : ago(now - row.lastSeen);
}

export function inFlightText(row: ClusterRow): string {
  if (row.inFlight === undefined) return '-';
  return row.state === 'up' ? `${row.inFlight}/${row.capacity ?? 0}` : String(row.inFlight);
}

/** `drover clusters`: a header and one aligned line per cluster. */
export function clusterTable(rows: ClusterRow[], now: number): string[] {
  const head = ['NAME', 'KIND', 'STATE', 'AGENTS', 'LAST SEEN', 'IN FLIGHT', 'LABELS'];
  const cells = rows.map((r) => [r.default ? `${r.name} (default)` : r.name, r.kind, r.state, agentsText(r), lastSeenText(r, now), inFlightText(r), labelsText(r.labels)]);
  const widths = head.map((h, i) => Math.max(h.length, ...cells.map((c) => (c[i] ?? '').length)));
  return [head, ...cells].map((c) => c.map((cell, i) => (i === c.length - 1 ? cell : cell.padEnd(widths[i] ?? 0))).join('  ').trimEnd());
}

/** How many clusters are in each state. */
export function stateCounts(rows: Array<{ state: ClusterRow['state'] }>): Record<ClusterRow['state'], number> {
  const counts = { up: 0, absent: 0, 'never-seen': 0 };
  for (const r of rows) counts[r.state]++;
  return counts;
}
