import { runbookHarness } from '../../../src/testing/index.js';
import { defineRunbook, z } from '../../../src/sdk/index.js';

const report = defineRunbook({
  id: 'pod-report',
  summary: 'Reports the pods of a namespace',
  params: z.object({ namespace: z.string() }),
  triggers: { schedule: { name: 'hourly', cron: '0 * * * *', timeZone: 'UTC', params: { namespace: 'demo' }, cluster: 'prod-eu' } },
  async run(ctx, { namespace }) {
    const pods = await ctx.step('list pods', () => ctx.k8s.listPods(namespace));
    await ctx.report(`${pods.length} pods in ${namespace}`);
    return pods.length;
  },
});

describe('h.schedule(): an author tests a schedule as it fires', () => {
  it('fires on the sandbox as schedule:<runbook>/<name>, and answers the fire and its run, finished', async () => {
    const h = await runbookHarness({ runbooks: [report] });
    try {
      const { fire, run } = await h.schedule('pod-report/hourly');
      expect(fire).toMatchObject({ outcome: 'queued', cluster: 'sandbox' });
      expect(run?.status).toBe('succeeded');
      expect(run?.reports).toEqual([expect.stringMatching(/^\d+ pods in demo$/)]);
      expect((await h.auditEvents()).filter((e) => e.type === 'schedule.fired')).toHaveLength(1);
      await expect(h.schedule('pod-report/nightly')).rejects.toThrow('No schedule "pod-report/nightly" (a schedule is <runbook>/<name>). Known: pod-report/hourly.');
    } finally {
      await h.close();
    }
  });
});
