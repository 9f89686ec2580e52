import { defineRunbook, RunbookRefusal, z, type CoreV1Event, type V1Pod } from 'drover';

/** Each report stays well under a chat message's limit. */
const MAX_REPORT_CHARS = 3500;
const LOG_LINES = 50;
const MAX_LOG_CHARS = 2500;
const MAX_EVENTS = 8;

function clip(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 30)}\n… (${text.length - max + 30} more characters cut)`;
}

/** The last `max` characters of a log (the end is what explains a crash). */
function tail(text: string, max: number): string {
  return text.length <= max ? text : `… (${text.length - max} earlier characters cut)\n${text.slice(-max)}`;
}

function age(at: Date | string | undefined): string {
  if (!at) return '';
  const s = Math.max(0, Math.round((Date.now() - new Date(at).getTime()) / 1000));
  return s < 120 ? `${s}s` : s < 7200 ? `${Math.round(s / 60)}m` : `${Math.round(s / 3600)}h`;
}

/** `kubectl describe`'s Events section, newest last, bounded. */
function eventLines(events: CoreV1Event[]): string[] {
  return events
    .slice()
    .sort((a, b) => new Date(a.lastTimestamp ?? a.eventTime ?? 0).getTime() - new Date(b.lastTimestamp ?? b.eventTime ?? 0).getTime())
    .slice(-MAX_EVENTS)
    .map((e) => `  ${e.type ?? ''} ${e.reason ?? ''}${(e.count ?? 1) > 1 ? ` (x${e.count})` : ''}${e.lastTimestamp ? ` ${age(e.lastTimestamp)} ago` : ''}: ${e.message ?? ''}`);
}

/** The container whose logs explain the most: the one that restarted most, else one not ready. Env values are never shown. */
function describePod(pod: V1Pod): { lines: string[]; container: string | undefined; previous: boolean } {
  const owner = pod.metadata?.ownerReferences?.find((o) => o.controller);
  const lines = [
    `Pod ${pod.metadata?.namespace}/${pod.metadata?.name}: phase ${pod.status?.phase ?? 'Unknown'}, node ${pod.spec?.nodeName ?? '(none)'}${owner ? `, owned by ${owner.kind}/${owner.name}` : ''}`,
  ];
  const conditions = (pod.status?.conditions ?? []).map((c) => `${c.type}=${c.status}${c.reason ? ` (${c.reason})` : ''}`);
  if (conditions.length) lines.push(`  Conditions: ${conditions.join(', ')}`);
  let worst: { name: string; restarts: number; crashed: boolean } | undefined;
  for (const c of pod.spec?.containers ?? []) {
    const s = (pod.status?.containerStatuses ?? []).find((x) => x.name === c.name);
    const state = s?.state?.waiting
      ? `waiting (${s.state.waiting.reason ?? ''})`
      : s?.state?.terminated
        ? `terminated (${s.state.terminated.reason ?? ''}, exit ${s.state.terminated.exitCode})`
        : s?.state?.running
          ? 'running'
          : 'not started';
    const last = s?.lastState?.terminated;
    lines.push(
      `  Container ${c.name}: image ${c.image ?? ''}, ${state}, ready ${s?.ready === true}, restarts ${s?.restartCount ?? 0}${last ? `; last exit ${last.exitCode} (${last.reason ?? ''}) ${age(last.finishedAt)} ago` : ''}`,
    );
    const restarts = s?.restartCount ?? 0;
    const crashed = last !== undefined;
    if (!worst || restarts > worst.restarts || (crashed && !worst.crashed)) worst = { name: c.name, restarts, crashed };
  }
  return { lines, container: worst?.name, previous: worst?.crashed === true || (worst?.restarts ?? 0) > 0 };
}

/**
 * kube-prometheus KubePodNotReady, KubeContainerWaiting: put what explains it in the thread.
 * Not KubePodCrashLooping: delete-pod answers that alert, and one alert starting two
 * automatic runs would halve the per-cluster budget of automatic runs (alerts.clusterMaxRuns).
 */
export default defineRunbook({
  id: 'capture-diagnostics',
  summary: 'Post a describe-like summary, events and the crashed container\'s logs of a pod or deployment to the thread',
  description:
    'Read-only. For a pod: its phase, conditions and containers (image, state, restarts, last exit; never env values), its events, and the last log lines of the container that crashed (the previous instance\'s logs). For a deployment: its rollout, its pods and events, then the same for its worst pod. Reports are bounded in size and redacted like every report.',
  params: z.object({
    namespace: z.string().min(1).describe('Namespace of the pod or deployment'),
    pod: z.string().min(1).optional().describe('Name of the pod (give a pod or a deployment)'),
    deployment: z.string().min(1).optional().describe('Name of the deployment (give a pod or a deployment)'),
  }),
  triggers: {
    alerts: [
      { alertname: 'KubePodNotReady', params: { namespace: 'label:namespace', pod: 'label:pod' } },
      { alertname: 'KubeContainerWaiting', params: { namespace: 'label:namespace', pod: 'label:pod' } },
    ],
  },
  risk: 'low',
  rateLimit: { maxRuns: 6, window: '1h' },
  timeout: '2m',
  // The keys delete-pod and the deployment runbooks use: a diagnosis and a fix of the same pod (from two alerts, or chat) run one at a time, not at once.
  concurrencyKey: (p) => (p.pod !== undefined ? `pod/${p.namespace}/${p.pod}` : `deployment/${p.namespace}/${p.deployment ?? ''}`),
  async run(ctx, { namespace, pod, deployment }) {
    if ((pod === undefined) === (deployment === undefined)) {
      throw new RunbookRefusal('Give either a pod or a deployment to capture diagnostics of (not both, not neither).');
    }
    let podName = pod;
    if (deployment !== undefined) {
      const overview = await ctx.step('describe deployment', async () => {
        const status = await ctx.k8s.rolloutStatus(namespace, deployment);
        const d = await ctx.k8s.getDeployment(namespace, deployment);
        const selector = Object.entries(d.spec?.selector?.matchLabels ?? {})
          .map(([k, v]) => `${k}=${v}`)
          .join(',');
        const pods = selector ? await ctx.k8s.listPods(namespace, { labelSelector: selector }) : [];
        const restarts = (p: V1Pod) => (p.status?.containerStatuses ?? []).reduce((n, c) => n + c.restartCount, 0);
        const ready = (p: V1Pod) => (p.status?.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True');
        const worst = pods.slice().sort((a, b) => restarts(b) - restarts(a) || Number(ready(a)) - Number(ready(b)))[0];
        const events = eventLines(await ctx.k8s.listEvents(namespace, { kind: 'Deployment', name: deployment }));
        const lines = [
          `Deployment ${namespace}/${deployment}: ${status.message} (revision ${status.revision}: ${status.updated}/${status.desired} updated, ${status.ready} ready, ${status.available} available${status.paused ? ', paused' : ''})`,
          `  Pods (${pods.length}):`,
          ...pods.slice(0, 10).map((p) => `    ${p.metadata?.name ?? ''}: ${p.status?.phase ?? 'Unknown'}, ready ${ready(p)}, restarts ${restarts(p)}`),
          ...(pods.length > 10 ? [`    … and ${pods.length - 10} more`] : []),
          ...(events.length ? ['  Events:', ...events] : ['  Events: none']),
        ];
        return { text: clip(lines.join('\n'), MAX_REPORT_CHARS), worst: worst?.metadata?.name };
      });
      await ctx.report(overview.text);
      podName = overview.worst;
      if (podName === undefined) return { pod: null };
    }
    const target = podName ?? '';
    const described = await ctx.step(`describe pod ${target}`, async () => {
      const p = await ctx.k8s.getPod(namespace, target);
      const { lines, container, previous } = describePod(p);
      const events = eventLines(await ctx.k8s.listEvents(namespace, { kind: 'Pod', name: target }));
      lines.push(...(events.length ? ['  Events:', ...events] : ['  Events: none']));
      return { text: clip(lines.join('\n'), MAX_REPORT_CHARS), container, previous };
    });
    await ctx.report(described.text);
    if (described.container === undefined) return { pod: target };
    const container = described.container;
    const logs = await ctx.step(`logs of ${target}/${container}`, async () => {
      const which = described.previous ? 'the crashed instance' : 'the current instance';
      try {
        const text = await ctx.k8s.readPodLogs(namespace, target, { container, tailLines: LOG_LINES, previous: described.previous });
        return { which, text: tail(text.trimEnd(), MAX_LOG_CHARS) || '(no output)' };
      } catch (err) {
        return { which, text: `(logs unavailable: ${err instanceof Error ? err.message : String(err)})` };
      }
    });
    await ctx.report([`Logs of ${target}/${container}, ${logs.which}, last ${LOG_LINES} lines:`, '```', logs.text, '```'].join('\n'));
    return { pod: target, container, previous: described.previous };
  },
});
