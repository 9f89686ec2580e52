import { isTerminal } from '../../../src/jobs/run-record.js';
import { defineRunbook, secret, z } from '../../../src/sdk/index.js';
import { slashCommandBody } from '../../../src/testing/index.js';
import { buildSlackTestDrover, type SlackTestDrover } from '../../support/slack-drover.js';
import { drover } from '../../support/cli.js';
import { waitFor } from '../../support/wait-for.js';

const API_KEY = 'sk-live-9f8e7d6c5b4a3210';

const useSecret = defineRunbook({
  id: 'use-secret',
  summary: 'Uses a secret parameter',
  params: z.object({ service: z.string(), apiKey: secret(z.string().min(8)) }),
  async run(ctx, { service, apiKey }) {
    await ctx.step('call', () => ctx.report(`calling ${service} with ${apiKey} and Authorization: Bearer abcdefghijklmnop`));
    ctx.log.info(`used ${apiKey}`);
    return { keyLength: apiKey.length };
  },
});

describe('secrets never reach chat, the CLI or the audit log', () => {
  let t: SlackTestDrover;

  beforeAll(async () => {
    t = await buildSlackTestDrover({ runbooks: [useSecret] });
  });

  afterAll(async () => {
    await t.close();
  });

  it('a secret param is used by the run and shown nowhere', async () => {
    const res = await t.send(slashCommandBody({ text: `run use-secret service=billing apiKey=${API_KEY}`, userId: 'U0SEC', userName: 'sec', channelId: 'C0SEC' }), 'application/x-www-form-urlencoded');
    expect(res.status).toBe(200);
    const parent = await t.slack.waitForCall('chat.postMessage', (c) => c.args.thread_ts === undefined && /use-secret/.test(JSON.stringify(c.args)));
    const run = (await t.drover.store.recent(5)).find((r) => r.runbook === 'use-secret')!;
    const done = await waitFor(async () => {
      const r = await t.drover.store.get(run.id);
      return r && isTerminal(r.state) ? r : undefined;
    }, 'the run');
    expect(done.state).toBe('succeeded');
    // The runbook got the real value...
    expect(done.result).toEqual({ keyLength: API_KEY.length });
    await t.slack.waitForCall('chat.update', (c) => c.args.ts === parent.response?.ts && /succeeded/i.test(JSON.stringify(c.args)));
    await waitFor(() => t.slack.thread('C0SEC', parent.response?.ts as string).some((m) => /calling billing/.test(JSON.stringify(m))), 'the report');

    // ...and nobody else sees it: not Slack, not the run record, not the events, not the audit log, not the CLI.
    const everything = [
      JSON.stringify(t.slack.calls()),
      JSON.stringify(await t.drover.store.get(run.id)),
      JSON.stringify(await t.drover.store.events(run.id)),
      JSON.stringify(await t.drover.audit.read()),
      (await drover(t, ['status', run.id])).out,
      (await drover(t, ['audit', 'export'])).out,
    ].join('\n');
    expect(everything).toContain('billing');
    expect(everything).not.toContain(API_KEY);
    expect(everything).not.toContain('abcdefghijklmnop');
    expect(everything).toContain('[redacted]');
    // The command itself is audited as received, with the secret's value masked.
    const received = (await t.drover.audit.read()).find((e) => e.type === 'command.received');
    expect(received).toMatchObject({ actor: { id: 'U0SEC' }, channel: 'C0SEC', verb: 'run', args: ['use-secret', 'service=billing', 'apiKey=[redacted]'] });
    // The secret itself is dropped once the run has ended.
    expect(await t.redis.exists(`${t.prefix}:run:${run.id}:secrets`)).toBe(0);
  });
});
