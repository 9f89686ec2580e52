/**
 * How clusters and their agents read, in `drover clusters`, `/drover clusters`
 * and the message of a run refused for an absent agent.
 */
import { blocksToText, clustersMessage } from '../../../src/chat/blocks/index.js';
import { absentMessage } from '../../../src/fleet/agent-absent.js';
import type { AgentBeat, ClusterStatus } from '../../../src/fleet/agent-presence.js';
import { ago, clusterRows, clusterTable, stateCounts } from '../../../src/fleet/cluster-text.js';
import { matches, parseLabelSet, parseSelector } from '../../../src/fleet/rollout/selector.js';
import { slackProblems } from '../chat-blocks/support/slack-limits.js';

const NOW = Date.parse('2026-12-06T21:00:00Z');

function beat(over: Partial<AgentBeat> = {}): AgentBeat {
  return { id: 'a1', cluster: 'store-1', version: '1.2.0', host: 'node-3', pid: 1, capacity: 4, inFlight: 1, kubernetesVersion: 'v1.29.3', runbooks: 5, startedAt: '', seenAt: NOW - 12_000, ...over };
}

function status(name: string, state: ClusterStatus['state'], over: Partial<ClusterStatus> = {}): ClusterStatus {
  const agents = state === 'up' ? [beat({ cluster: name })] : [];
  const last = state === 'never-seen' ? undefined : beat({ cluster: name, seenAt: state === 'up' ? NOW - 12_000 : NOW - 240_000 });
  return {
    name,
    labels: { region: 'eu' },
    agents,
    lastSeen: last?.seenAt,
    ...(last ? { last } : {}),
    inFlight: agents.length,
    capacity: agents.length * 4,
    versions: agents.map((a) => a.version),
    kubernetesVersions: state === 'never-seen' ? [] : ['v1.29.3'],
    state,
    ...over,
  };
}

describe('ago', () => {
  it.each([
    [0, '0s ago'],
    [12_400, '12s ago'],
    [59_999, '59s ago'],
    [240_000, '4m ago'],
    [3 * 3_600_000 + 1, '3h ago'],
    [2 * 86_400_000, '2d ago'],
    [-5000, '0s ago'],
  ])('%d ms is %s', (ms, text) => expect(ago(ms)).toBe(text));
});

describe('labels set by token create, and drover clusters --label', () => {
  it('reads repeated and comma-separated key=value pairs, and refuses anything else (a label a selector could not name too)', () => {
    expect(parseLabelSet(['region=eu', 'tier=store,zone=a'])).toEqual({ region: 'eu', tier: 'store', zone: 'a' });
    expect(parseLabelSet([])).toEqual({});
    expect(() => parseLabelSet(['region'])).toThrow('Invalid label "region": a label is set as key=value.');
    expect(() => parseLabelSet(['tier!=edge'])).toThrow(/a label is set as key=value/);
    expect(() => parseLabelSet(['=eu'])).toThrow(/Invalid cluster selector/);
    expect(() => parseLabelSet(['tier=store front'])).toThrow(/is not a label value/);
  });

  it('a row matches when it carries every label of the selector', () => {
    const labels = { region: 'eu', tier: 'store' };
    expect(matches(parseSelector('region=eu'), labels)).toBe(true);
    expect(matches(parseSelector('region=eu,tier=edge'), labels)).toBe(false);
    expect(matches(parseSelector('tier!=edge'), labels)).toBe(true);
  });
});

describe('drover clusters table', () => {
  it('worker and agent clusters side by side, aligned, the default marked', () => {
    const rows = clusterRows(
      [{ id: 'w1', host: 'h', pid: 1, clusters: ['prod'], defaultCluster: 'prod', runbooks: [], seenAt: NOW - 3000 }],
      { names: ['prod', 'old'], defaultName: 'prod' },
      [status('store-1', 'up'), status('store-2', 'absent'), status('store-3', 'never-seen')],
    );
    expect(clusterTable(rows, NOW)).toEqual([
      'NAME            KIND    STATE       AGENTS                   LAST SEEN  IN FLIGHT  LABELS',
      'old             worker  absent      0                        never      -          -',
      'prod (default)  worker  up          1                        3s ago     -          -',
      'store-1         agent   up          1 (v1.2.0; k8s v1.29.3)  12s ago    1/4        region=eu',
      'store-2         agent   absent      0 (v1.2.0; k8s v1.29.3)  4m ago     0          region=eu',
      'store-3         agent   never-seen  0                        never      0          region=eu',
    ]);
    expect(stateCounts(rows)).toEqual({ up: 2, absent: 2, 'never-seen': 1 });
  });
});

describe('a run refused for an absent agent', () => {
  it('names the cluster, when and which agent was last seen, and what to do', () => {
    expect(absentMessage(status('store-7', 'absent'), NOW)).toBe(
      'Cluster store-7 has no live agent (last seen 4m ago; agent v1.2.0 on host node-3). The run was not queued. Check the drover-agent pod in that cluster, or set fleet.agentAbsent: wait.',
    );
  });

  it('a cluster never seen says so, and how to install an agent', () => {
    expect(absentMessage(status('store-7', 'never-seen'), NOW)).toBe(
      'Cluster store-7 has never had a live agent: none has connected since it was registered. The run was not queued. Install one with what `drover agent token create store-7` prints, or set fleet.agentAbsent: wait.',
    );
  });
});

describe('/drover clusters', () => {
  it('counts first, clusters without a live agent before the others', () => {
    const m = clustersMessage({ workers: { names: ['prod', 'staging'], defaultName: 'prod' }, fleet: [status('store-1', 'up'), status('store-2', 'absent'), status('store-3', 'never-seen')], now: NOW });
    const text = blocksToText(m);
    expect(text).toContain('3 agent clusters: 1 up, 1 absent, 1 never seen');
    expect(text).toContain('Served by central workers: prod (default), staging');
    const lines = text.split('\n').filter((l) => /store-\d/.test(l));
    expect(lines.map((l) => /store-\d/.exec(l)?.[0])).toEqual(['store-2', 'store-3', 'store-1']);
    expect(lines[0]).toContain('absent · k8s v1.29.3 · last seen 4m ago (agent v1.2.0 on node-3) · region=eu');
    expect(lines[2]).toContain('up · 1 agent (v1.2.0) · 1/4 runs in flight · k8s v1.29.3 · last seen 12s ago · region=eu');
    expect(m.text).toMatch(/^3 agent clusters: 1 up, 1 absent, 1 never seen\./);
    expect(slackProblems(m)).toEqual([]);
  });

  it('2,000 clusters: at most 25 lines, the rest counted, within Slack\'s limits', () => {
    const fleet = Array.from({ length: 2000 }, (_, i) => status(`store-${String(i).padStart(4, '0')}`, i % 400 === 0 ? 'absent' : 'up', { labels: { region: 'eu', tier: 'store', zone: `z-${i}`.repeat(20) } }));
    const m = clustersMessage({ workers: { names: [] }, fleet, now: NOW });
    const text = blocksToText(m);
    expect(text).toContain('2,000 agent clusters: 1,995 up, 5 absent, 0 never seen');
    expect(text).toContain('and 1,975 more; `drover clusters` lists all.');
    const listed = text.split('\n').filter((l) => /store-\d{4}/.test(l));
    expect(listed.length).toBeLessThanOrEqual(25);
    // The absent ones first.
    expect(listed.slice(0, 5).every((l) => l.includes('absent'))).toBe(true);
    expect(slackProblems(m)).toEqual([]);
  });

  it('without the fleet (a process that has none) it says so, and lists the worker clusters', () => {
    const text = blocksToText(clustersMessage({ workers: { names: ['prod'] }, now: NOW }));
    expect(text).toContain('Agent clusters: not available here');
    expect(text).toContain('Served by central workers: prod');
  });
});
