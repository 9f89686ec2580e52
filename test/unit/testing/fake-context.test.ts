import { defineRunbook, RunbookRefusal, z, type PlannedChange, type RunContext } from 'drover';
import { fakeContext } from 'drover/testing';
import scaleDeployment from '../../../runbooks/scale-deployment.js';

const change: PlannedChange = { verb: 'patch', kind: 'Deployment/scale', namespace: 'demo', name: 'web', dryRun: false, summary: 'scale Deployment demo/web: replicas 3 → 5', diff: '' };

describe('fakeContext', () => {
  it('runs a shipped runbook with the ctx.k8s calls given, parsing params as Drover does', async () => {
    const scaled: number[] = [];
    const { run, reports, steps } = fakeContext({
      params: { namespace: 'demo', deployment: 'web', replicas: 5 },
      k8s: {
        getScale: () => Promise.resolve(3),
        scaleDeployment: (_ns, _name, replicas) => {
          scaled.push(replicas);
          return Promise.resolve(change);
        },
      },
    });
    // allowZero comes from the schema's default.
    await expect(run(scaleDeployment)).resolves.toEqual({ from: 3, to: 5, changed: true });
    expect(scaled).toEqual([5]);
    expect(steps).toEqual([
      { name: 'read current scale', skipped: false },
      { name: 'scale', skipped: false },
    ]);
    expect(reports).toEqual(['Scaled demo/web from 3 to 5 replicas.']);
  });

  it('names a ctx.k8s call the test did not fake', async () => {
    const { run } = fakeContext({ params: { namespace: 'demo', deployment: 'web', replicas: 5 } });
    await expect(run(scaleDeployment)).rejects.toThrow('ctx.k8s.getScale is not faked: give it to fakeContext (for example fakeContext({ k8s: { getScale: async () => ... } })).');
  });

  it('returns steps as the engine checkpoints them (JSON), skips dry-run-skipped steps, and lets a refusal through', async () => {
    const rb = defineRunbook({
      id: 'shapes',
      summary: 's',
      params: z.object({ refuse: z.boolean().default(false) }),
      async run(ctx, { refuse }) {
        const when = await ctx.step('date', () => ({ at: new Date('2026-01-01T00:00:00Z') }));
        await ctx.step('notify', () => 'sent', { skipInDryRun: true });
        ctx.log.info('checked');
        if (refuse) throw new RunbookRefusal('not today');
        return { when, dryRun: ctx.dryRun, cluster: ctx.cluster };
      },
    });
    const dry = fakeContext({ dryRun: true });
    await expect(dry.run(rb)).resolves.toEqual({ when: { at: '2026-01-01T00:00:00.000Z' }, dryRun: true, cluster: 'sandbox' });
    expect(dry.steps).toEqual([
      { name: 'date', skipped: false },
      { name: 'notify', skipped: true },
    ]);
    expect(dry.logs).toEqual(['info: checked']);
    await expect(fakeContext().run(rb, { refuse: true })).rejects.toMatchObject({ code: 'runbook_refused', message: 'not today' });
  });

  it('fakes ctx.prometheus and ctx.http too, and names what is missing', async () => {
    const rb = defineRunbook({
      id: 'asks',
      summary: 's',
      params: z.object({}),
      async run(ctx) {
        const errors = await ctx.prometheus.value('sum(rate(http_requests_total{code=~"5.."}[5m]))');
        const page = await ctx.http.request({ url: 'https://status.example.com/api/v2/status.json' });
        return { errors, status: page.status, configured: ctx.prometheus.configured };
      },
    });
    const faked = fakeContext({
      prometheus: { value: () => Promise.resolve(0.5) },
      http: { request: () => Promise.resolve({ status: 200 } as Awaited<ReturnType<RunContext['http']['request']>>) },
    });
    await expect(faked.run(rb)).resolves.toEqual({ errors: 0.5, status: 200, configured: true });
    await expect(fakeContext().run(rb)).rejects.toThrow('ctx.prometheus.value is not faked');
  });
});
