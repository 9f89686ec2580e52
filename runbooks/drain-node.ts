import { defineRunbook, DroverError, RunbookRefusal, z, type EvictionResult } from 'drover';

/** Evictions in flight at once. */
const PARALLEL = 5;
/** First wait after a PodDisruptionBudget says no; doubles up to MAX_RETRY_MS. */
const FIRST_RETRY_MS = 5_000;
const MAX_RETRY_MS = 30_000;

interface Outcome {
  pod: string;
  outcome: 'evicted' | 'gone' | 'blocked' | 'failed';
  reason?: string;
  code?: string;
  attempts: number;
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}

/** kube-prometheus KubeNodeUnreachable: move the workloads off a node that is gone or going. */
export default defineRunbook({
  id: 'drain-node',
  summary: 'Drain a node: cordon it, then evict its pods, honouring PodDisruptionBudgets (kubectl drain)',
  description:
    'Cordons the node, then evicts every pod on it through the Eviction API, so PodDisruptionBudgets are honoured: a budget that allows no disruption is retried until `timeoutSeconds`. Skips DaemonSet and mirror pods; refuses pods no controller owns and pods with emptyDir data unless `force` / `deleteEmptyDirData`. Reports what could not be evicted and why, and fails then. A dry run sends the evictions as dry runs. Needs approval: capacity drops and every pod on the node restarts elsewhere.',
  params: z.object({
    node: z.string().min(1).describe('Name of the node'),
    timeoutSeconds: z.number().int().min(10).max(150).default(120).describe('How long to keep retrying evictions a PodDisruptionBudget blocks'),
    force: z.boolean().default(false).describe('Also evict pods no controller owns (they are not recreated)'),
    deleteEmptyDirData: z.boolean().default(false).describe('Also evict pods with emptyDir volumes (their data is lost)'),
  }),
  triggers: { alerts: [{ alertname: 'KubeNodeUnreachable', params: { node: 'label:node' } }] },
  risk: 'high',
  approval: { required: 'always', approvers: 1 },
  rateLimit: { maxRuns: 1, window: '1h' },
  timeout: '3m',
  concurrencyKey: (p) => `node/${p.node}`,
  async run(ctx, { node, timeoutSeconds, force, deleteEmptyDirData }) {
    // Reading and sorting first: a drain that would be refused does not cordon either.
    await ctx.step('read node', async () => (await ctx.k8s.getNode(node)).metadata?.name ?? node);
    const plan = await ctx.step('find pods to evict', () => ctx.k8s.planDrain(node, { force, deleteEmptyDirData }));
    if (plan.refuse.length > 0) {
      const list = plan.refuse.map((p) => `${p.namespace}/${p.name}: ${p.reason}`).join('; ');
      throw new RunbookRefusal(`Refusing to drain ${node}: ${plan.refuse.length} pod(s) cannot be evicted safely: ${list}.`, {
        refused: plan.refuse.map((p) => `${p.namespace}/${p.name}`),
      });
    }
    await ctx.step('cordon', () => ctx.k8s.cordonNode(node));
    const outcomes = await ctx.step('evict pods', async ({ signal }) => {
      const deadline = Date.now() + timeoutSeconds * 1000;
      const queue = [...plan.evict];
      const results: Outcome[] = [];
      const evictOne = async (p: (typeof plan.evict)[number]): Promise<Outcome> => {
        const pod = `${p.namespace}/${p.name}`;
        let wait = FIRST_RETRY_MS;
        for (let attempts = 1; ; attempts++) {
          let r: EvictionResult;
          try {
            r = await ctx.k8s.evictPod(p.namespace, p.name, { uid: p.uid });
          } catch (err) {
            const e = err instanceof DroverError ? err : undefined;
            return { pod, outcome: 'failed', reason: err instanceof Error ? err.message : String(err), ...(e ? { code: e.code } : {}), attempts };
          }
          if (r.outcome !== 'blocked') return { pod, outcome: r.outcome, attempts };
          // A dry run says what the budget answers now; it does not wait for it to change.
          const remaining = deadline - Date.now();
          if (ctx.dryRun || signal.aborted || remaining <= 0) return { pod, outcome: 'blocked', reason: r.reason, attempts };
          // The last attempt is at the deadline.
          await sleep(Math.min(Math.max(wait, (r.retryAfterSeconds ?? 0) * 1000), remaining), signal);
          wait = Math.min(wait * 2, MAX_RETRY_MS);
        }
      };
      // A dry run (the plan people approve, and its re-check before the real run) goes in order, so the plan is the same each time.
      const lanes = ctx.dryRun ? 1 : PARALLEL;
      await Promise.all(
        Array.from({ length: Math.min(lanes, queue.length) }, async () => {
          for (let next = queue.shift(); next; next = queue.shift()) results.push(await evictOne(next));
        }),
      );
      return results.sort((a, b) => a.pod.localeCompare(b.pod));
    });

    const evicted = outcomes.filter((o) => o.outcome === 'evicted' || o.outcome === 'gone');
    const stuck = outcomes.filter((o) => o.outcome === 'blocked' || o.outcome === 'failed');
    const lines = [
      `${ctx.dryRun ? 'Would drain' : 'Drained'} ${node}: ${ctx.dryRun ? 'would evict' : 'evicted'} ${evicted.length} of ${plan.evict.length} pod(s)${plan.skip.length ? `, skipped ${plan.skip.length}` : ''}.`,
      ...evicted.map((o) => `  ${o.outcome === 'gone' ? 'already gone' : ctx.dryRun ? 'would evict' : 'evicted'}: ${o.pod}`),
      ...plan.skip.map((p) => `  skipped: ${p.namespace}/${p.name} (${p.reason})`),
      ...stuck.map((o) => `  NOT evicted: ${o.pod}: ${o.reason ?? ''}${o.outcome === 'blocked' && !ctx.dryRun ? ` (still blocked after ${timeoutSeconds}s, ${o.attempts} attempts)` : ''}`),
    ];
    await ctx.report(lines.join('\n'));
    if (stuck.length > 0 && !(ctx.dryRun && stuck.every((o) => o.outcome === 'blocked'))) {
      const first = stuck[0]!;
      throw new DroverError(
        (first.outcome === 'blocked' ? 'k8s_throttled' : (first.code ?? 'internal')) as ConstructorParameters<typeof DroverError>[0],
        `Drain of ${node} incomplete: ${stuck.length} pod(s) not evicted: ${stuck.map((o) => `${o.pod} (${o.reason ?? ''})`).join('; ')}. The node stays cordoned.`,
        { retryable: false, details: { node, notEvicted: stuck.map((o) => o.pod) } },
      );
    }
    return { node, evicted: evicted.map((o) => o.pod), skipped: plan.skip.map((p) => `${p.namespace}/${p.name}`), blocked: stuck.map((o) => o.pod) };
  },
});
