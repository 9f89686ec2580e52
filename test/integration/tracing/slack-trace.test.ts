import { SpanKind } from '@opentelemetry/api';
import { InMemorySpanExporter } from '@opentelemetry/sdk-trace-base';
import { runIdFor } from '../../../src/chat/chat-commands.js';
import { isTerminal } from '../../../src/jobs/run-record.js';
import { slashCommandBody } from '../../../src/testing/index.js';
import { createTracing, type Tracing } from '../../../src/tracing/create-tracing.js';
import { buildSlackTestDrover, type SlackTestDrover } from '../../support/slack-drover.js';
import { waitFor } from '../../support/wait-for.js';
import { childOf, parentOf, spanId, traceId, tracedScale } from './traced-drover.js';

describe('a Slack slash command, traced', () => {
  const exporter = new InMemorySpanExporter();
  let tracing: Tracing;
  let t: SlackTestDrover;

  beforeAll(async () => {
    tracing = createTracing({ env: {}, exporter });
    t = await buildSlackTestDrover({ runbooks: [tracedScale], ...(tracing.tracer ? { tracer: tracing.tracer } : {}) });
  });

  afterAll(async () => {
    await t.close();
    await tracing.shutdown();
  });

  it('POST /slack/events → chat run (after the ack) → send → process → steps → Kubernetes calls, one trace', async () => {
    const triggerId = 'trig-traced-1';
    const sent = await t.send(
      slashCommandBody({ text: 'run traced-scale namespace=demo deployment=web replicas=2', userId: 'U0ALICE', userName: 'alice', channelId: 'C0OPS', triggerId }),
      'application/x-www-form-urlencoded',
    );
    expect(sent.status).toBe(200);
    const runId = runIdFor(`cmd:${triggerId}`);
    const run = await waitFor(async () => {
      const r = await t.drover.store.get(runId);
      return r && isTerminal(r.state) ? r : undefined;
    }, `run ${runId}`);
    expect(run.state).toBe('succeeded');
    const process = await waitFor(() => exporter.getFinishedSpans().find((s) => s.kind === SpanKind.CONSUMER && s.attributes['drover.run.id'] === runId), 'the process span');
    const spans = exporter.getFinishedSpans();
    const server = spans.find((s) => s.kind === SpanKind.SERVER && s.name === 'POST /slack/events');
    expect(server?.attributes).toMatchObject({ 'http.route': '/slack/events', 'http.response.status_code': 200 });
    const [chat] = childOf(spans, server!, /^chat run$/);
    expect(chat?.attributes).toMatchObject({ 'drover.chat.verb': 'run', 'drover.requester.kind': 'slack' });
    const [send] = childOf(spans, chat!, /^send runs$/);
    expect(parentOf(process)).toBe(spanId(send!));
    expect(childOf(spans, process, /^step (read|scale)$/)).toHaveLength(2);
    expect(traceId(process)).toBe(traceId(server!));
  });
});
