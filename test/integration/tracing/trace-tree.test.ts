import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import { InMemorySpanExporter, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { alertRunId } from '../../../src/alertmanager/alert-intake.js';
import { isTerminal } from '../../../src/jobs/run-record.js';
import { createTracing, type Tracing } from '../../../src/tracing/create-tracing.js';
import { deliver, fingerprintOf } from '../../support/alerts.js';
import { waitFor } from '../../support/wait-for.js';
import { SECRET_VALUE, buildTracedDrover, childOf, parentOf, spanId, traceId, type TracedDrover } from './traced-drover.js';

describe('one trace from an alert or a chat command to each Kubernetes call', () => {
  const exporter = new InMemorySpanExporter();
  let tracing: Tracing;
  let t: TracedDrover;

  beforeAll(async () => {
    tracing = createTracing({ env: {}, exporter });
    t = await buildTracedDrover(tracing);
  });

  afterAll(async () => {
    await t.close();
    await tracing.shutdown();
  });

  beforeEach(() => exporter.reset());

  async function settled(runId: string) {
    const run = await waitFor(async () => {
      const r = await t.drover.store.get(runId);
      return r && isTerminal(r.state) ? r : undefined;
    }, `run ${runId}`);
    // The attempt's span ends once the job's processor returns, just after the run's state is written.
    const process = await waitFor(() => exporter.getFinishedSpans().find((s) => s.kind === SpanKind.CONSUMER && s.attributes['drover.run.id'] === runId), `process span of ${runId}`);
    return { run, process };
  }

  /** From the process span down: steps, each with its Kubernetes client spans, all in the trace. */
  function expectJobTree(spans: ReadableSpan[], process: ReadableSpan, runId: string) {
    expect(process.name).toBe('process runs');
    expect(process.attributes).toMatchObject({
      'messaging.system': 'bullmq',
      'messaging.destination.name': 'runs',
      'messaging.operation.type': 'process',
      'messaging.message.id': runId,
      'drover.run.id': runId,
      'drover.runbook.id': 'traced-scale',
      'drover.dry_run': false,
      'drover.attempt': 1,
      'drover.outcome': 'succeeded',
      'k8s.cluster.name': 'test',
    });
    const [read] = childOf(spans, process, /^step read$/);
    const [scale] = childOf(spans, process, /^step scale$/);
    expect(read?.attributes).toMatchObject({ 'drover.step.name': 'read', 'drover.run.id': runId, 'drover.outcome': 'succeeded' });
    expect(scale?.attributes).toMatchObject({ 'drover.outcome': 'succeeded' });

    const [get] = childOf(spans, read!, /^GET /);
    expect(get?.kind).toBe(SpanKind.CLIENT);
    expect(get?.name).toBe('GET /apis/apps/v1/namespaces/{namespace}/deployments/{name}');
    expect(get?.attributes).toMatchObject({
      'http.request.method': 'GET',
      'http.response.status_code': 200,
      'k8s.cluster.name': 'test',
      'url.template': '/apis/apps/v1/namespaces/{namespace}/deployments/{name}',
      'server.address': '127.0.0.1',
    });
    expect(get?.attributes['url.full']).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/apis\/apps\/v1\/namespaces\/demo\/deployments\/web$/);
    const writes = childOf(spans, scale!, /^(PATCH|PUT) /);
    expect(writes.length).toBeGreaterThan(0);
    expect(writes[0]?.attributes['http.response.status_code']).toBe(200);
    expect(writes[0]?.attributes['url.full']).not.toContain('?');
    return { read: read!, scale: scale! };
  }

  function expectNoSecrets(spans: ReadableSpan[]) {
    const text = JSON.stringify(spans.map((s) => ({ name: s.name, attributes: s.attributes, events: s.events, status: s.status })));
    expect(text).not.toContain(SECRET_VALUE);
    expect(text).not.toContain('namespace=demo');
  }

  it('an Alertmanager webhook: server span → send → process (worker) → steps → Kubernetes client spans, one trace', async () => {
    const labels = { alertname: 'TracedAlert', namespace: 'demo', deployment: 'web' };
    const startsAt = '2026-12-06T10:00:00Z';
    const runId = alertRunId('traced-scale', fingerprintOf(labels), startsAt);
    expect((await deliver(t.base, [{ labels, startsAt }])).status).toBe(200);
    const { run, process } = await settled(runId);
    expect(run.error).toBeUndefined();
    expect(run.state).toBe('succeeded');
    const spans = exporter.getFinishedSpans();

    const server = spans.find((s) => s.kind === SpanKind.SERVER);
    expect(server?.name).toBe('POST /webhooks/alertmanager');
    expect(server?.parentSpanContext).toBeUndefined();
    expect(server?.attributes).toMatchObject({ 'http.request.method': 'POST', 'http.route': '/webhooks/alertmanager', 'http.response.status_code': 200 });

    const [send] = childOf(spans, server!, /^send runs$/);
    expect(send?.kind).toBe(SpanKind.PRODUCER);
    expect(send?.attributes).toMatchObject({ 'messaging.system': 'bullmq', 'messaging.destination.name': 'runs', 'messaging.operation.type': 'send' });
    expect(parentOf(process)).toBe(spanId(send!));
    expect(process.links.map((l) => l.context.spanId)).toEqual([spanId(send!)]);
    expectJobTree(spans, process, runId);

    const trace = spans.filter((s) => traceId(s) === traceId(server!));
    expect(trace.length).toBe(spans.length);
    expectNoSecrets(spans);
  });

  it('a chat command: chat span → send → process → steps → Kubernetes client spans', async () => {
    const outcome = await t.drover.chat.handle('run traced-scale namespace=demo deployment=web replicas=5', {
      requester: { kind: 'slack', id: 'U0ALICE', name: 'alice' },
      channel: 'C0OPS',
      requestId: 'trace-chat-1',
    });
    expect(outcome.kind).toBe('run');
    const runId = (outcome as { run: { id: string } }).run.id;
    const { process } = await settled(runId);
    const spans = exporter.getFinishedSpans();
    const chat = spans.find((s) => s.name === 'chat run');
    expect(chat?.attributes).toMatchObject({ 'drover.chat.verb': 'run', 'drover.requester.kind': 'slack' });
    const [send] = childOf(spans, chat!, /^send runs$/);
    expect(send?.attributes).toMatchObject({ 'messaging.operation.name': 'add', 'drover.run.id': runId, 'drover.runbook.id': 'traced-scale' });
    expect(parentOf(process)).toBe(spanId(send!));
    expectJobTree(spans, process, runId);
    expect(new Set(spans.filter((s) => s.name !== 'chat run' || s === chat).map(traceId))).toEqual(new Set([traceId(chat!)]));
    expectNoSecrets(spans);
  });

  it('a line logged inside a step carries its trace_id and span_id', async () => {
    const outcome = await t.drover.chat.handle('run traced-scale namespace=demo deployment=web replicas=3', {
      requester: { kind: 'slack', id: 'U0ALICE', name: 'alice' },
      channel: 'C0OPS',
      requestId: 'trace-chat-2',
    });
    const runId = (outcome as { run: { id: string } }).run.id;
    const { process } = await settled(runId);
    const { read } = expectJobTree(exporter.getFinishedSpans(), process, runId);
    const line = t.logs.find((l) => l.msg === 'reading the deployment' && l.runId === runId);
    expect(line).toMatchObject({ trace_id: traceId(process), span_id: spanId(read) });
  });

  it('a retry is a new process span in the same trace, linked to the send and to the attempt before it', async () => {
    const outcome = await t.drover.chat.handle('run traced-flaky namespace=demo', { requester: { kind: 'slack', id: 'U0ALICE', name: 'alice' }, channel: 'C0OPS', requestId: 'trace-retry-1' });
    const runId = (outcome as { run: { id: string } }).run.id;
    const run = await waitFor(async () => {
      const r = await t.drover.store.get(runId);
      return r && isTerminal(r.state) ? r : undefined;
    }, `run ${runId}`);
    expect(run.state).toBe('succeeded');
    const attempts = await waitFor(() => {
      const found = exporter.getFinishedSpans().filter((s) => s.kind === SpanKind.CONSUMER && s.attributes['drover.run.id'] === runId);
      return found.length === 2 ? found : undefined;
    }, 'two attempts');
    const [first, second] = attempts.sort((a, b) => Number(a.attributes['drover.attempt']) - Number(b.attributes['drover.attempt']));
    const spans = exporter.getFinishedSpans();
    const send = spans.find((s) => s.kind === SpanKind.PRODUCER && s.attributes['drover.run.id'] === runId);
    expect(traceId(first!)).toBe(traceId(send!));
    expect(traceId(second!)).toBe(traceId(send!));
    expect(parentOf(first!)).toBe(spanId(send!));
    expect(parentOf(second!)).toBe(spanId(send!));
    expect(first?.attributes).toMatchObject({ 'drover.attempt': 1, 'drover.outcome': 'retrying', 'error.type': 'k8s_server_error' });
    expect(first?.status.code).toBe(SpanStatusCode.ERROR);
    expect(second?.attributes).toMatchObject({ 'drover.attempt': 2, 'drover.outcome': 'succeeded' });
    expect(second?.links.map((l) => l.context.spanId)).toEqual([spanId(send!), spanId(first!)]);
    // The step done on the first attempt is replayed from its checkpoint, not redone: no Kubernetes call under it.
    const [replayed] = childOf(spans, second!, /^step list$/);
    expect(replayed?.attributes['drover.outcome']).toBe('replayed');
    expect(childOf(spans, replayed!, /./)).toEqual([]);
    const [failed] = childOf(spans, first!, /^step flaky$/);
    expect(failed?.status).toMatchObject({ code: SpanStatusCode.ERROR, message: 'the API server is busy' });
  });

  it('a run held for approval: its plan job continues the command\'s trace, with its dry-run Kubernetes calls; the approval starts the run\'s own', async () => {
    const alice = { kind: 'slack' as const, id: 'U0ALICE', name: 'alice' };
    const outcome = await t.drover.chat.handle('run traced-approved namespace=demo deployment=web', { requester: alice, channel: 'C0OPS', requestId: 'trace-plan-1' });
    const runId = (outcome as { run: { id: string } }).run.id;
    const planned = await waitFor(async () => {
      const r = await t.drover.store.get(runId);
      return r?.state === 'awaiting_approval' ? r : undefined;
    }, `plan of ${runId}`);
    const plan = await waitFor(() => exporter.getFinishedSpans().find((s) => s.kind === SpanKind.CONSUMER && s.attributes['drover.run.id'] === runId), 'the plan job span');
    let spans = exporter.getFinishedSpans();
    const chat = spans.find((s) => s.name === 'chat run');
    const [send] = childOf(spans, chat!, /^send runs$/);
    expect(send?.attributes).toMatchObject({ 'drover.phase': 'plan', 'drover.dry_run': true });
    expect(parentOf(plan)).toBe(spanId(send!));
    expect(plan.attributes).toMatchObject({ 'drover.phase': 'plan', 'drover.dry_run': true });
    const calls = childOf(spans, plan, /^(GET|PATCH|PUT) /);
    expect(calls.some((c) => c.attributes['http.request.method'] !== 'GET')).toBe(true);
    expect(calls.every((c) => !String(c.attributes['url.full']).includes('dryRun'))).toBe(true);

    exporter.reset();
    const bob = { kind: 'slack' as const, id: 'U0BOB', name: 'bob' };
    expect((await t.drover.chat.handle(`approve ${runId} ${planned.approval?.hash ?? ''}`, { requester: bob, channel: 'C0OPS' })).kind).toBe('reply');
    const { run, process } = await settled(runId);
    expect(run.state).toBe('succeeded');
    spans = exporter.getFinishedSpans();
    const approve = spans.find((s) => s.name === 'chat approve');
    const [queued] = childOf(spans, approve!, /^send runs$/);
    expect(parentOf(process)).toBe(spanId(queued!));
    expect(childOf(spans, process, /^step scale$/)).toHaveLength(1);
  });

  it('a failed step is an error on its span and on the attempt', async () => {
    const outcome = await t.drover.chat.handle('run traced-scale namespace=demo deployment=missing', {
      requester: { kind: 'slack', id: 'U0ALICE', name: 'alice' },
      channel: 'C0OPS',
      requestId: 'trace-chat-3',
    });
    const runId = (outcome as { run: { id: string } }).run.id;
    const { run, process } = await settled(runId);
    expect(run.state).toBe('failed');
    const spans = exporter.getFinishedSpans();
    const [read] = childOf(spans, process, /^step read$/);
    expect(read?.status.code).toBe(SpanStatusCode.ERROR);
    expect(read?.attributes['drover.outcome']).toBe('failed');
    const [get] = childOf(spans, read!, /^GET /);
    expect(get?.attributes).toMatchObject({ 'http.response.status_code': 404, 'error.type': '404' });
    expect(get?.status.code).toBe(SpanStatusCode.ERROR);
    expect(process.status.code).toBe(SpanStatusCode.ERROR);
    expect(process.attributes['drover.outcome']).toBe('failed');
  });
});
