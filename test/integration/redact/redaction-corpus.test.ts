import { Readable, Writable } from 'node:stream';
import { runTerminalChat } from '../../../src/chat/terminal-chat.js';
import { isTerminal } from '../../../src/jobs/run-record.js';
import { Redactor, REDACTED } from '../../../src/redact/redactor.js';
import { redactingLogger } from '../../../src/redact/redacting-logger.js';
import { defineRunbook, z } from '../../../src/sdk/index.js';
import { slashCommandBody, viewSubmissionBody, type SeedObject } from '../../../src/testing/index.js';
import { WEBHOOK_TOKEN, deliver } from '../../support/alerts.js';
import { drover } from '../../support/cli.js';
import { BASE64_CORPUS, CORPUS, leaks } from '../../support/secret-corpus.js';
import { buildSlackTestDrover, type SlackTestDrover } from '../../support/slack-drover.js';
import { waitFor } from '../../support/wait-for.js';

/**
 * Every corpus secret, raw and as base64, planted through every entry point
 * (slash command params and words, modal fields, alert labels and annotations
 * through the webhook route, Kubernetes objects a runbook reads, errors,
 * reports, the CLI, the terminal chat); then every sink is searched for any
 * form of any of them. Each sink must hold none, and must show that planted
 * values reached it (redaction markers), so a sink that got nothing does not
 * pass for a clean one.
 */
const SECRETS = [...CORPUS, ...BASE64_CORPUS];
const ALL = SECRETS.map((s) => s.text).join('\n');
const ONE_LINE = SECRETS.filter((s) => !s.text.includes('\n'));
const CHANNEL = 'C0CORPUS';
const ALERTS = 'C0ALERTS';
const UNMATCHED = 'C0UNMATCHED';

const echo = defineRunbook({
  id: 'corpus-echo',
  summary: 'Reads planted objects and says what it saw',
  params: z.object({ note: z.string(), fail: z.boolean().default(false) }),
  triggers: { alerts: [{ alertname: 'CorpusAlert', params: { note: 'annotation:summary' } }] },
  async run(ctx, { note, fail }) {
    const deployment = await ctx.step('read the deployment', () => ctx.k8s.getDeployment('demo', 'corpus'));
    const annotations = deployment.metadata?.annotations ?? {};
    await ctx.step('report', () => ctx.report(`note: ${note}\nannotations: ${JSON.stringify(annotations)}`));
    ctx.log.info(`saw ${note} ${JSON.stringify(annotations)}`);
    if (fail) throw new Error(`could not use ${Object.values(annotations).join(' ')}`);
    return `result: ${note} ${JSON.stringify(annotations)}`;
  },
});

function sinkCapture(): { stream: Writable; text: () => string } {
  const chunks: string[] = [];
  return {
    stream: new Writable({
      write(chunk: Buffer, _enc, done) {
        chunks.push(chunk.toString());
        done();
      },
    }),
    text: () => chunks.join(''),
  };
}

describe('the redaction corpus through every entry point, counted in every sink', () => {
  let t: SlackTestDrover;
  const logs = sinkCapture();
  const terminal: string[] = [];
  const cli: string[] = [];

  beforeAll(async () => {
    t = await buildSlackTestDrover({
      runbooks: [echo],
      logger: redactingLogger(new Redactor(), { level: 'debug' }, logs.stream),
      configure: (c) => {
        c.alerts.webhookToken = WEBHOOK_TOKEN;
        c.alerts.channel = ALERTS;
        c.alerts.unmatchedChannel = UNMATCHED;
      },
    });
    // Kubernetes objects a runbook reads: annotations full of secrets, and a Secret.
    const annotations = Object.fromEntries(SECRETS.map((s, i) => [`corpus.example/s${i}`, s.text]));
    t.fake.seed(
      ...([
        {
          apiVersion: 'apps/v1',
          kind: 'Deployment',
          metadata: { name: 'corpus', namespace: 'demo', labels: { app: 'corpus' }, annotations },
          spec: { replicas: 1, selector: { matchLabels: { app: 'corpus' } }, template: { metadata: { labels: { app: 'corpus' } }, spec: { containers: [{ name: 'c', image: 'busybox' }] } } },
        },
      ] as SeedObject[]),
    );

    const send = (text: string) => t.send(slashCommandBody({ text, userId: 'U0CORPUS', userName: 'corpus', channelId: CHANNEL, triggerId: `trig-${Math.random()}` }), 'application/x-www-form-urlencoded');
    // Slash commands: a param, an unknown runbook, an unknown command, a failing run (errors).
    for (const s of ONE_LINE) {
      await send(`run corpus-echo note=${JSON.stringify(s.text)}`);
      await send(`run ${s.text}`);
      await send(`${s.text} please`);
    }
    await send(`run corpus-echo fail=true note=${JSON.stringify('fail')}`);
    // Modal fields.
    for (const s of SECRETS) {
      await t.send(
        viewSubmissionBody({
          callbackId: 'drover_run',
          privateMetadata: JSON.stringify({ runbook: 'corpus-echo', channel: CHANNEL }),
          values: { 'param:note': { value: { type: 'plain_text_input', value: s.text } } },
          userId: 'U0CORPUS',
        }),
        'application/x-www-form-urlencoded',
      );
    }
    // Alert labels and annotations through the real webhook route: one a runbook handles, one none does.
    const labels = Object.fromEntries(ONE_LINE.map((s, i) => [`corpus_${i}`, s.text]));
    expect((await deliver(t.base, [{ labels: { alertname: 'CorpusAlert', namespace: 'demo', ...labels }, annotations: { summary: ALL, description: ALL } }])).status).toBe(200);
    expect((await deliver(t.base, [{ labels: { alertname: 'CorpusUnhandled', ...labels }, annotations: { summary: ALL } }])).status).toBe(200);
    // The CLI and the terminal chat.
    for (const s of ONE_LINE.slice(0, 6)) {
      const res = await drover(t, ['run', 'corpus-echo', `note=${s.text}`, '--wait']);
      cli.push(res.out, res.err);
      const unknown = await drover(t, ['run', s.text]);
      cli.push(unknown.out, unknown.err);
    }
    const lines = [...ONE_LINE.slice(6).map((s) => `run corpus-echo note=${JSON.stringify(s.text)}`), ...ONE_LINE.map((s) => `run ${s.text}`)];
    await runTerminalChat({
      commands: t.drover.chat,
      store: t.drover.store,
      redis: t.redis,
      prefix: t.prefix,
      logger: redactingLogger(new Redactor(), { level: 'silent' }),
      input: Readable.from(lines.map((l) => `${l}\n`)),
      print: (text) => terminal.push(text),
      redactor: t.drover.redactor,
      requester: { kind: 'cli', id: 'corpus@laptop', name: 'corpus@laptop' },
      command: '/drover',
      listClusters: t.drover.listClusters,
    });
    // Every run ends, and its thread is written.
    const runs = await waitFor(async () => {
      const recent = (await t.drover.store.recent(200, 'corpus-echo')) ?? [];
      return recent.length >= 2 && recent.every((r) => isTerminal(r.state)) ? recent : undefined;
    }, 'every corpus run to finish', 60_000);
    for (const run of runs.slice(0, 3)) {
      const status = await drover(t, ['status', run.id]);
      cli.push(status.out, status.err);
    }
    const history = await drover(t, ['history']);
    cli.push(history.out);
    const audit = await drover(t, ['audit', 'export']);
    cli.push(audit.out);
    await waitFor(() => t.slack.calls().some((c) => c.method === 'chat.update' && /failed/.test(JSON.stringify(c.args))), 'the failed run in its thread', 30_000);
  }, 180_000);

  afterAll(async () => {
    await t.close();
  });

  const sinks: Array<[string, () => Promise<string>]> = [
    ['Slack (every Web API call)', () => Promise.resolve(JSON.stringify(t.slack.calls()))],
    ['terminal chat', () => Promise.resolve(terminal.join('\n'))],
    ['CLI output', () => Promise.resolve(cli.join('\n'))],
    ['logs', () => Promise.resolve(logs.text())],
    ['/metrics', async () => (await fetch(`${t.base}/metrics`)).text()],
    ['audit log', async () => JSON.stringify(await t.drover.audit.read())],
  ];

  it.each(sinks)('%s holds no form of any corpus secret, and shows redacted ones', async (name, read) => {
    const text = await read();
    expect(leaks(text, SECRETS)).toEqual({});
    if (name !== '/metrics') expect(text).toContain(REDACTED);
  });

  it('each entry point reached its sinks: run messages, unknown-runbook replies, alert announcements, reports; errors in the logs', () => {
    const calls = t.slack.calls();
    const text = (c: (typeof calls)[number]) => JSON.stringify(c.args);
    expect(calls.some((c) => /Unknown runbook|No runbook|not found/i.test(text(c)) && text(c).includes(REDACTED))).toBe(true);
    expect(calls.some((c) => c.args.channel === ALERTS && text(c).includes('CorpusAlert') && text(c).includes(REDACTED))).toBe(true);
    expect(calls.some((c) => c.args.channel === UNMATCHED && text(c).includes('CorpusUnhandled') && text(c).includes(REDACTED))).toBe(true);
    // A runbook's own error is "Internal error" in chat; its words are in the logs.
    expect(calls.some((c) => /Internal error/.test(text(c)))).toBe(true);
    expect(logs.text()).toMatch(/could not use DB_PASSWORD=\[redacted\]/);
    expect(calls.some((c) => /annotations:/.test(text(c)) && text(c).includes(REDACTED))).toBe(true);
    expect(calls.some((c) => /\*Params:\*.*note=/.test(text(c)) && text(c).includes(REDACTED))).toBe(true);
  });

  it('/metrics was scraped with runs of the corpus runbook in it', async () => {
    expect(await (await fetch(`${t.base}/metrics`)).text()).toMatch(/drover_runs_total\{runbook="corpus-echo"/);
  });
});
