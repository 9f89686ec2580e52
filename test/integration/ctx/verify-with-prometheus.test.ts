/**
 * A runbook that checks its fix worked before reporting success, end to end:
 * a whole Drover (the harness) on the sandbox cluster, a real Prometheus
 * scraping an exporter that reports the sandbox deployment's ready replicas,
 * and real loopback HTTP servers for a status page and a ticketing system.
 * The dry run queries Prometheus and reads the status page (reads are real)
 * but only plans the ticket note; the real run scales, waits until
 * Prometheus sees the new replicas, then reports success and writes the note.
 * When the metric never comes right, the run fails saying so.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { defineRunbook, RunbookRefusal, z } from 'drover';
import { runbookHarness, type RunbookHarness } from 'drover/testing';
import { startPrometheus, type PrometheusServer } from '../../prometheus/prometheus-server.js';
import { startMetricsExporter, type MetricsExporter } from '../../support/metrics-exporter.js';
import { waitFor } from '../../support/wait-for.js';

let prom: PrometheusServer;
let exporter: MetricsExporter;
let h: RunbookHarness;
let web: Server;
let origin: string;
const tickets: string[] = [];
let frozen: number | undefined;

const READY = 'sandbox_ready_replicas{namespace="demo",deployment="web"}';

const scaleAndVerify = defineRunbook({
  id: 'scale-and-verify',
  summary: 'Scales demo/web and reports success only once Prometheus sees the replicas ready',
  params: z.object({ replicas: z.coerce.number().int().min(1), statusPage: z.string(), tickets: z.string() }),
  risk: 'low',
  async run(ctx, { replicas, statusPage, tickets: ticketUrl }) {
    const page = await ctx.http.request({ url: statusPage });
    const indicator = page.json<{ status: { indicator: string } }>().status.indicator;
    const before = await ctx.prometheus.value(READY);
    await ctx.report(`status page: ${indicator}; Prometheus sees ${before ?? 'no'} ready replicas`);
    await ctx.step('scale', () => ctx.k8s.scaleDeployment('demo', 'web', replicas));
    if (!ctx.dryRun) {
      const ready = await ctx.step('verify', async ({ signal }) => {
        const deadline = Date.now() + 15_000;
        for (;;) {
          const now = await ctx.prometheus.value(READY);
          if (now === replicas) return now;
          if (Date.now() > deadline) throw new RunbookRefusal(`not verified: Prometheus still sees ${now ?? 'no'} ready replicas, not ${replicas}`);
          await new Promise((r) => setTimeout(r, 250));
          signal.throwIfAborted();
        }
      });
      await ctx.report(`verified: Prometheus sees ${ready} ready replicas`);
    }
    const note = await ctx.http.request({ method: 'POST', url: ticketUrl, json: { text: `demo/web scaled to ${replicas}` } });
    return { ticketSent: note.sent };
  },
});

/** Needs approval: its plan (a dry run) is what the approver sees, HTTP writes included. */
const noteWithApproval = defineRunbook({
  id: 'note-with-approval',
  summary: 'Writes a ticket note once approved',
  params: z.object({ tickets: z.string() }),
  approval: { required: 'always' },
  async run(ctx, { tickets: ticketUrl }) {
    const status = await ctx.step('note', () => ctx.http.request({ method: 'POST', url: ticketUrl, json: { text: 'approved note' } }).then((r) => r.status));
    await ctx.report(`note: HTTP ${status}`);
  },
});

beforeAll(async () => {
  web = createServer((req, res) => {
    if (req.method === 'POST') {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        tickets.push(body);
        res.writeHead(201).end('{}');
      });
      return;
    }
    res.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify({ status: { indicator: 'none' } }));
  });
  await new Promise<void>((r) => web.listen(0, '127.0.0.1', r));
  origin = `http://127.0.0.1:${(web.address() as AddressInfo).port}`;
  exporter = await startMetricsExporter();
  prom = await startPrometheus({ ruleFiles: [], jobs: [{ name: 'sandbox', targets: [exporter.target] }] });
  h = await runbookHarness({
    runbooks: [scaleAndVerify, noteWithApproval],
    timeoutMs: 40_000,
    configure: (config) => {
      config.prometheus.url = prom.url;
      config.outbound.allow = [origin];
    },
  });
  // What kube-state-metrics would say: the deployment's ready replicas, as the sandbox has them now.
  exporter.compute(() => {
    const d = h.cluster.get('deployments', 'demo', 'web') as { status?: { readyReplicas?: number } } | undefined;
    return `${READY} ${frozen ?? d?.status?.readyReplicas ?? 0}\n`;
  });
  await waitFor(async () => (await prom.api<{ result: unknown[] }>(`query?query=${encodeURIComponent(READY)}`)).result.length === 1, 'the first scrape', 20_000);
}, 60_000);

afterAll(async () => {
  await h?.close();
  await prom?.stop();
  await exporter?.stop();
  web?.closeAllConnections();
  await new Promise((r) => web?.close(r));
});

const params = (replicas: number) => ({ replicas, statusPage: `${origin}/status`, tickets: `${origin}/notes` });

test('the dry run reads for real (Prometheus, the status page) and plans the scale and the ticket note without sending either', async () => {
  const before = tickets.length;
  const dry = await h.dryRun('scale-and-verify', params(4));
  expect(dry.status).toBe('succeeded');
  expect(dry.reports[0]).toMatch(/^status page: none; Prometheus sees \d+ ready replicas$/);
  expect(dry.plan.map((c) => c.summary)).toEqual([expect.stringMatching(/^scale Deployment demo\/web: replicas \d+ → 4/), `POST ${origin}/notes (not sent: dry run)`]);
  expect(dry.writes.every((w) => w.dryRun)).toBe(true);
  expect(tickets.length).toBe(before);
  expect(dry.result).toEqual({ ticketSent: false });
  const types = dry.auditEvents.map((e) => e.type);
  expect(types).toContain('prometheus.query');
  expect(dry.auditEvents.filter((e) => e.type === 'http.request').map((e) => e.type === 'http.request' && [e.method, e.outcome, e.sent])).toEqual([
    ['GET', 'succeeded', true],
    ['POST', 'planned', false],
  ]);
}, 60_000);

test('the real run scales, waits until Prometheus sees the replicas, then reports success and writes the note', async () => {
  const run = await h.run('scale-and-verify', params(5));
  expect(run.error).toBeUndefined();
  expect(run.status).toBe('succeeded');
  expect(run.reports.at(-1)).toBe('verified: Prometheus sees 5 ready replicas');
  expect(tickets.at(-1)).toBe(JSON.stringify({ text: 'demo/web scaled to 5' }));
  expect(run.changes.map((c) => c.summary)).toContain(`POST ${origin}/notes (HTTP 201)`);
  const queries = run.auditEvents.filter((e) => e.type === 'prometheus.query');
  expect(queries.length).toBeGreaterThanOrEqual(2);
  expect(queries.every((e) => e.type === 'prometheus.query' && e.server === prom.url && e.outcome === 'succeeded')).toBe(true);
}, 60_000);

test('when Prometheus never sees the fix, the run fails saying so, and writes no note', async () => {
  frozen = 1;
  const before = tickets.length;
  try {
    const run = await h.run('scale-and-verify', params(6));
    expect(run.status).toBe('failed');
    expect(run.refusal).toBe('not verified: Prometheus still sees 1 ready replicas, not 6');
    expect(tickets.length).toBe(before);
  } finally {
    frozen = undefined;
  }
}, 60_000);

test('a run that needs approval: the approver sees the HTTP write in the plan (not sent), which is sent once, after approval', async () => {
  const before = tickets.length;
  const run = await h.run('note-with-approval', { tickets: `${origin}/notes` });
  expect(run.status).toBe('succeeded');
  expect(run.approvers).toEqual(['U_APPROVER']);
  expect(run.plan.map((c) => c.summary)).toEqual([`POST ${origin}/notes (not sent: dry run)`]);
  expect(run.reports.at(-1)).toBe('note: HTTP 201');
  expect(tickets.slice(before)).toEqual([JSON.stringify({ text: 'approved note' })]);
}, 60_000);
