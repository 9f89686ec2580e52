import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { redactingLogger } from '../../../src/redact/redacting-logger.js';
import { Redactor } from '../../../src/redact/redactor.js';
import { DroverError } from '../../../src/errors.js';
import { defineRunbook, secret, z } from '../../../src/sdk/index.js';
import type { Runbook } from '../../../src/runbook/types.js';
import { seedSandbox } from '../../../src/testing/index.js';
import type { Tracing } from '../../../src/tracing/create-tracing.js';
import { WEBHOOK_TOKEN } from '../../support/alerts.js';
import { buildTestDrover, type TestDrover } from '../../support/test-drover.js';

/** A secret param value that must appear in no span. */
export const SECRET_VALUE = 'tr4ce-secret-value-0123456789';

/** Two steps, each with Kubernetes calls; a log line inside the first. */
export const tracedScale = defineRunbook({
  id: 'traced-scale',
  summary: 'Reads a deployment, then scales it',
  params: z.object({ namespace: z.string(), deployment: z.string(), replicas: z.coerce.number().int().default(4), apiKey: secret(z.string()).default(SECRET_VALUE) }),
  triggers: { alerts: [{ alertname: 'TracedAlert', params: { namespace: 'label:namespace', deployment: 'label:deployment' } }] },
  async run(ctx, { namespace, deployment, replicas }) {
    await ctx.step('read', async () => {
      ctx.log.info('reading the deployment');
      return (await ctx.k8s.getDeployment(namespace, deployment)).spec?.replicas;
    });
    await ctx.step('scale', () => ctx.k8s.scaleDeployment(namespace, deployment, replicas));
  },
});

/** tracedScale, held for one approval: its plan is a dry run on a worker. */
export const tracedApproved = defineRunbook({
  id: 'traced-approved',
  summary: 'Scales a deployment once someone approves',
  params: z.object({ namespace: z.string(), deployment: z.string() }),
  approval: { required: 'always', approvers: 1 },
  async run(ctx, { namespace, deployment }) {
    await ctx.step('scale', () => ctx.k8s.scaleDeployment(namespace, deployment, 6));
  },
});

/** Fails its first attempt with an error worth retrying (after a step that succeeds, replayed on the retry). */
export const tracedFlaky = defineRunbook({
  id: 'traced-flaky',
  summary: 'Fails its first attempt, succeeds on the retry',
  params: z.object({ namespace: z.string() }),
  async run(ctx, { namespace }) {
    await ctx.step('list', async () => (await ctx.k8s.listDeployments(namespace)).length);
    await ctx.step('flaky', () => {
      if (ctx.attempt === 1) throw new DroverError('k8s_server_error', 'the API server is busy', { retryable: true });
      return 'ok';
    });
  },
});

export interface TracedDrover extends TestDrover {
  base: string;
  logs: Array<Record<string, unknown>>;
}

/** A Drover with a worker, its router on a loopback port, its log lines kept, traced by `tracing`. */
export async function buildTracedDrover(tracing: Tracing, more: Runbook[] = []): Promise<TracedDrover> {
  const logs: Array<Record<string, unknown>> = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString('utf8').split('\n')) if (line.trim()) logs.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
  const logger = redactingLogger(new Redactor([]), { level: 'info', ...(tracing.logMixin ? { mixin: tracing.logMixin } : {}) }, sink);
  const t = await buildTestDrover({
    runbooks: [tracedScale, tracedFlaky, tracedApproved, ...more],
    logger,
    ...(tracing.tracer ? { tracer: tracing.tracer } : {}),
    configure: (c) => {
      c.alerts.webhookToken = WEBHOOK_TOKEN;
    },
  });
  // The sandbox's objects: demo/web and friends.
  seedSandbox(t.fake);
  await t.drover.startWorker();
  const server: Server = createServer(t.drover.router.listener);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    ...t,
    base: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    logs,
    async close() {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
      await t.close();
    },
  };
}

export const spanId = (s: ReadableSpan): string => s.spanContext().spanId;
export const traceId = (s: ReadableSpan): string => s.spanContext().traceId;
export const parentOf = (s: ReadableSpan): string | undefined => s.parentSpanContext?.spanId;

/** The one span named `name` (a regular expression) whose parent is `parent`. */
export function childOf(spans: ReadableSpan[], parent: ReadableSpan, name: RegExp): ReadableSpan[] {
  return spans.filter((s) => parentOf(s) === spanId(parent) && name.test(s.name));
}
