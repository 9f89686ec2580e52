import { request } from 'node:http';
import { SpanKind } from '@opentelemetry/api';
import { InMemorySpanExporter, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { isTerminal } from '../../../src/jobs/run-record.js';
import { Redactor } from '../../../src/redact/redactor.js';
import { DroverError } from '../../../src/errors.js';
import { defineRunbook, secret, z } from '../../../src/sdk/index.js';
import { createTracing, type Tracing } from '../../../src/tracing/create-tracing.js';
import { WEBHOOK_TOKEN, webhookPayload } from '../../support/alerts.js';
import { waitFor } from '../../support/wait-for.js';
import { buildTracedDrover, traceId, type TracedDrover } from './traced-drover.js';

const SLACK_TOKEN = 'xoxb-1234567890-0987654321-AbCdEfGhIjKlMnOpQrStUvWx';
const PARAM_SECRET = 'hunter2-param-secret-value';

/** A careless runbook: a token in a step's name, the secret param in a failure's message. */
const careless = defineRunbook({
  id: 'careless',
  summary: 'Leaks what it can',
  params: z.object({ namespace: z.string(), password: secret(z.string()) }),
  async run(ctx, { namespace, password }) {
    await ctx.step(`notify with ${SLACK_TOKEN}`, async () => (await ctx.k8s.listDeployments(namespace)).length);
    await ctx.step('fail', () => {
      throw new DroverError('runbook_refused', `refusing: ${password}, password=${password} and Authorization: Bearer abcdefgh12345678`);
    });
  },
});

/** Everything a span carries, as text. */
const texts = (s: ReadableSpan) => JSON.stringify({ name: s.name, attributes: s.attributes, status: s.status, events: s.events, links: s.links });

describe('tracing under hostile or careless input', () => {
  const exporter = new InMemorySpanExporter();
  let tracing: Tracing;
  let t: TracedDrover;

  beforeAll(async () => {
    const redactor = new Redactor([]);
    tracing = createTracing({ env: {}, exporter, redact: (text) => redactor.text(text) });
    t = await buildTracedDrover(tracing, [careless]);
  });

  afterAll(async () => {
    await t.close();
    await tracing.shutdown();
  });

  beforeEach(() => exporter.reset());

  const settled = (runId: string) =>
    waitFor(() => exporter.getFinishedSpans().find((s) => s.kind === SpanKind.CONSUMER && s.attributes['drover.run.id'] === runId), `process span of ${runId}`);

  it('no span name, attribute, status or event carries a token or a secret param, whoever wrote it there', async () => {
    const run = await t.drover.queue.submit({ runbook: 'careless', params: { namespace: 'demo', password: PARAM_SECRET }, requester: { kind: 'slack', id: 'U0ALICE', name: 'alice' } });
    await settled(run.id);
    const spans = exporter.getFinishedSpans();
    expect(spans.some((s) => s.name.startsWith('step notify with'))).toBe(true);
    const all = spans.map(texts).join('\n');
    expect(all).not.toContain(SLACK_TOKEN);
    expect(all).not.toContain('xoxb-');
    expect(all).not.toContain(PARAM_SECRET);
    expect(all).not.toContain('abcdefgh12345678');
    // Who asked, by kind only.
    expect(all).not.toContain('U0ALICE');
    expect(all).not.toContain('alice');
  });

  /** Posts an alert with these headers; the status code. */
  function post(headers: Record<string, string>): Promise<number> {
    const body = JSON.stringify(webhookPayload([{ labels: { alertname: 'Unmatched', namespace: 'demo' } }]));
    return new Promise((resolve, reject) => {
      const req = request(`${t.base}/webhooks/alertmanager`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers } }, (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      });
      req.on('error', reject);
      req.end(body);
    });
  }

  it('a malformed or hostile traceparent is ignored: the request is answered and its span starts a trace of its own', async () => {
    const hostile = [
      'garbage',
      '00-00000000000000000000000000000000-0000000000000000-01',
      'ff-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01',
      `00-${'z'.repeat(32)}-b7ad6b7169203331-01`,
      '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01, 00-1af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01',
      `00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01${'x'.repeat(8000)}`,
    ];
    for (const traceparent of hostile) {
      expect(await post({ authorization: `Bearer ${WEBHOOK_TOKEN}`, traceparent, tracestate: `k=${'v'.repeat(4000)},${'a=b,'.repeat(100)}` })).toBe(200);
    }
    const servers = await waitFor(() => {
      const s = exporter.getFinishedSpans().filter((span) => span.kind === SpanKind.SERVER);
      return s.length === hostile.length ? s : undefined;
    }, 'a server span per request');
    for (const span of servers) {
      expect(span.parentSpanContext).toBeUndefined();
      expect(traceId(span)).not.toMatch(/^0+$|0af7651916cd43dd8448eb211c80319c|1af7651916cd43dd8448eb211c80319c/);
    }
  });

  it('a huge User-Agent is cut to 256 characters in the span', async () => {
    expect(await post({ authorization: `Bearer ${WEBHOOK_TOKEN}`, 'user-agent': 'A'.repeat(12_000) })).toBe(200);
    const [server] = await waitFor(() => {
      const s = exporter.getFinishedSpans().filter((span) => span.kind === SpanKind.SERVER);
      return s.length ? s : undefined;
    }, 'the server span');
    expect(server?.attributes['user_agent.original']).toBe('A'.repeat(256));
  });

  it('an unauthenticated request that claims a sampled parent makes one span, and nothing else', async () => {
    const status = await post({ authorization: 'Bearer wrong', traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01' });
    expect(status).toBe(401);
    const spans = await waitFor(() => (exporter.getFinishedSpans().length ? exporter.getFinishedSpans() : undefined), 'the server span');
    await new Promise((r) => setTimeout(r, 200));
    expect(exporter.getFinishedSpans()).toHaveLength(1);
    expect(spans[0]?.kind).toBe(SpanKind.SERVER);
  });

  it('garbage trace data in a job (written by anyone with Redis access) neither crashes the worker nor joins a trace', async () => {
    const { queue } = t.drover.queue;
    await queue.pause();
    try {
      const garbage: unknown[] = [{ traceparent: 42 }, 'a string', { traceparent: 'garbage', tracestate: { x: 1 } }, null, { traceparent: ['00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01'] }];
      const ids: string[] = [];
      for (const trace of garbage) {
        const run = await t.drover.queue.submit({ runbook: 'traced-scale', params: { namespace: 'demo', deployment: 'web', replicas: 2 }, requester: { kind: 'cli', id: 'bob@laptop' } });
        const job = (await queue.getJob(run.id))!;
        await job.updateData({ ...job.data, trace, previousAttempt: trace } as typeof job.data);
        ids.push(run.id);
      }
      await queue.resume();
      for (const id of ids) {
        // Runs on one target take turns (an attempt that finds it busy waits): every attempt's span is a root.
        await waitFor(() => exporter.getFinishedSpans().some((s) => s.kind === SpanKind.CONSUMER && s.attributes['drover.run.id'] === id && s.attributes['drover.outcome'] === 'succeeded'), `run ${id} to succeed`);
        for (const process of exporter.getFinishedSpans().filter((s) => s.kind === SpanKind.CONSUMER && s.attributes['drover.run.id'] === id)) {
          expect(process.parentSpanContext).toBeUndefined();
          expect(process.links).toEqual([]);
        }
      }
    } finally {
      await queue.resume();
    }
    // The worker is still there: a run after them is taken and finished.
    const after = await t.drover.queue.submit({ runbook: 'traced-scale', params: { namespace: 'demo', deployment: 'web', replicas: 3 }, requester: { kind: 'cli', id: 'bob@laptop' } });
    await waitFor(async () => isTerminal((await t.drover.store.get(after.id))?.state ?? 'queued'), 'a run after them');
  });
});
