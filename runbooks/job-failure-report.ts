import { defineRunbook, z } from 'drover';

const MAX_LOG_LINES = 40;

/** kube-prometheus KubeJobFailed: put the failed pod's logs and events where the on-call looks. */
export default defineRunbook({
  id: 'job-failure-report',
  summary: 'Post a failed Job\'s pod logs and events to the run\'s thread',
  description: 'Read-only: finds the job\'s failed pods and reports the last log lines and the warning events of each.',
  params: z.object({
    namespace: z.string().min(1).describe('Namespace of the job'),
    job: z.string().min(1).describe('Name of the job'),
  }),
  triggers: { alerts: [{ alertname: 'KubeJobFailed', params: { namespace: 'label:namespace', job: 'label:job_name' } }] },
  risk: 'low',
  rateLimit: { maxRuns: 3, window: '1h' },
  timeout: '2m',
  concurrencyKey: (p) => `job/${p.namespace}/${p.job}`,
  async run(ctx, { namespace, job }) {
    const pods = await ctx.step('find failed pods', async () => {
      const j = await ctx.k8s.getJob(namespace, job);
      const all = await ctx.k8s.listJobPods(namespace, job);
      const failed = all.filter((p) => p.status?.phase === 'Failed');
      return { failedCount: j.status?.failed ?? failed.length, pods: (failed.length ? failed : all).slice(-3).map((p) => p.metadata?.name ?? '') };
    });
    if (!pods.pods.length) {
      await ctx.report(`${namespace}/${job} failed ${pods.failedCount} time(s), but none of its pods is left to inspect.`);
      return pods;
    }
    for (const pod of pods.pods) {
      const report = await ctx.step(`collect ${pod}`, async () => {
        const logs = await ctx.k8s.readPodLogs(namespace, pod, { tailLines: MAX_LOG_LINES }).catch((err: Error) => `(logs unavailable: ${err.message})`);
        const events = (await ctx.k8s.listEvents(namespace, { kind: 'Pod', name: pod }))
          .filter((e) => e.type === 'Warning')
          .slice(-5)
          .map((e) => `${e.reason ?? ''}: ${e.message ?? ''}`);
        return { logs, events };
      });
      await ctx.report(
        [`Pod ${pod}: last ${MAX_LOG_LINES} log lines`, '```', report.logs.trim() || '(no output)', '```', ...(report.events.length ? [`Warnings: ${report.events.join(' | ')}`] : [])].join('\n'),
      );
    }
    return pods;
  },
});
