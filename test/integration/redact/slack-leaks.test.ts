import { defineRunbook, z } from '../../../src/sdk/index.js';
import { slashCommandBody } from '../../../src/testing/index.js';
import { REDACTED } from '../../../src/redact/redactor.js';
import { WEBHOOK_TOKEN, deliver } from '../../support/alerts.js';
import { buildSlackTestDrover, type SlackTestDrover } from '../../support/slack-drover.js';

// Regressions (issue 12): three Slack messages skipped the redactor while the audit log had the values redacted.
const notes = defineRunbook({
  id: 'take-note',
  summary: 'Takes a note',
  params: z.object({ note: z.string(), password: z.string().optional() }),
  triggers: { alerts: [{ alertname: 'NoteAlert', params: { note: 'label:note' } }] },
  async run(ctx, { note }) {
    await ctx.step('note', () => ctx.report(`noted ${note.length} characters`));
  },
});

const FORM = 'application/x-www-form-urlencoded';
const CHANNEL = 'C0LEAKS';
const ALERTS = 'C0LEAKALERTS';

describe('Slack messages that skipped the redactor', () => {
  let t: SlackTestDrover;

  beforeAll(async () => {
    t = await buildSlackTestDrover({
      runbooks: [notes],
      configure: (c) => {
        c.alerts.webhookToken = WEBHOOK_TOKEN;
        c.alerts.channel = ALERTS;
      },
    });
  });

  afterAll(async () => {
    await t.close();
  });

  const send = (text: string) => t.send(slashCommandBody({ text, userId: 'U0LEAK', userName: 'leak', channelId: CHANNEL, triggerId: `trig-${Math.random()}` }), FORM);

  it("the run message's parameters block", async () => {
    await send('run take-note note=DB_PASSWORD=Pa55-param-block-01 password=hunter2-param-block-02');
    const parent = await t.slack.waitForCall('chat.postMessage', (c) => c.args.channel === CHANNEL && c.args.thread_ts === undefined && /take-note/.test(JSON.stringify(c.args)));
    const text = JSON.stringify(parent.args);
    expect(text).toContain(`note=DB_PASSWORD=${REDACTED}`);
    expect(text).toContain(`password=${REDACTED}`);
    expect(text).not.toMatch(/Pa55-param-block-01|hunter2-param-block-02/);
  });

  it("the alert announcement's summary", async () => {
    const summary = 'Backups fail: https://backup:url-pass-summary-03@s3.example.com and client_secret=cs-summary-04';
    expect((await deliver(t.base, [{ labels: { alertname: 'NoteAlert', note: 'disk', severity: 'warning' }, annotations: { summary } }])).status).toBe(200);
    const announcement = await t.slack.waitForCall('chat.postMessage', (c) => c.args.channel === ALERTS && /NoteAlert/.test(JSON.stringify(c.args)));
    const text = JSON.stringify(announcement.args);
    expect(text).toContain('Backups fail');
    expect(text).toContain(REDACTED);
    expect(text).not.toMatch(/url-pass-summary-03|cs-summary-04/);
  });

  it('the "unknown runbook" reply', async () => {
    await send('run GITHUB_TOKEN=ghp_UnknownRunbookReply0000000000000000 now');
    const reply = await t.slack.waitForCall('chat.postEphemeral', (c) => c.args.channel === CHANNEL && /GITHUB_TOKEN/.test(JSON.stringify(c.args)));
    const text = JSON.stringify(reply.args);
    expect(text).toContain(`GITHUB_TOKEN=${REDACTED}`);
    expect(text).not.toContain('ghp_UnknownRunbookReply');
  });
});
