/**
 * Fault 5: property-based bodies (fast-check) at the Alertmanager webhook and
 * the Slack endpoint of `drover serve`, most of them authenticated (a valid
 * bearer token; a real Slack signature over the body), so they reach the
 * parsers. Counted: 5xx answers, hangs, exits of the server, its RSS growth,
 * and whether a valid request still succeeds afterwards.
 */
import { readFileSync } from 'node:fs';
import { signSlackRequest, slashCommandBody } from '../../../src/testing/index.js';
import { crashLoop, deliveryBody } from '../harness/alerts.js';
import { slackBodies, webhookBodies, type Body } from '../harness/bodies.js';
import { SIGNING_SECRET, Stack, WEBHOOK_TOKEN } from '../harness/stack.js';
import type { Row } from '../harness/table.js';
import type { Scenario, ScenarioOptions } from './scenario.js';

const PARALLEL = 8;

function rssMb(pid: number | undefined): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Math.round(Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024);
}

interface Tally {
  statuses: Map<string, number>;
  fiveXx: number;
  hangs: number;
}

async function send(url: string, bodies: Body[], headersFor: (b: Body, i: number) => Record<string, string>): Promise<Tally> {
  const tally: Tally = { statuses: new Map(), fiveXx: 0, hangs: 0 };
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < bodies.length) {
      const i = next++;
      const b = bodies[i]!;
      let status: string;
      try {
        const res = await fetch(url, { method: 'POST', headers: { ...(b.contentType ? { 'content-type': b.contentType } : {}), ...headersFor(b, i) }, body: b.body, signal: AbortSignal.timeout(10_000) });
        await res.arrayBuffer();
        status = String(res.status);
        if (res.status >= 500) tally.fiveXx += 1;
      } catch {
        status = 'no answer';
        tally.hangs += 1;
      }
      tally.statuses.set(status, (tally.statuses.get(status) ?? 0) + 1);
    }
  };
  await Promise.all(Array.from({ length: PARALLEL }, worker));
  return tally;
}

const histogram = (t: Tally): string => [...t.statuses].sort().map(([s, n]) => `${s}×${n}`).join(' ');

async function run(options: ScenarioOptions): Promise<Row[]> {
  const count = options.short ? 300 : options.long ? 10_000 : 2000;
  const seed = options.rng.int(1, 2 ** 30);
  const stack = await Stack.start({ deployments: 1, slack: true });
  try {
    const serve = await stack.startServe();
    const pid = serve.child.pid;
    const rssBefore = rssMb(pid);
    const rows: Row[] = [];

    const hooks = await send(`${stack.base}/webhooks/alertmanager`, webhookBodies(count, seed), (_b, i): Record<string, string> => (i % 10 === 9 ? {} : { authorization: `Bearer ${WEBHOOK_TOKEN}` }));
    const validHook = await fetch(`${stack.base}/webhooks/alertmanager`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${WEBHOOK_TOKEN}` },
      body: deliveryBody([crashLoop('fuzz-after', new Date().toISOString())]),
    }).then((r) => r.status, () => 0);
    const rssMid = serve.alive ? rssMb(pid) : 0;
    rows.push({
      fault: `${count} property-based webhook bodies`,
      sent: count,
      accepted: histogram(hooks),
      finished: '-',
      lost: '-',
      duplicated: '-',
      crashes: serve.crashes,
      fiveXx: hooks.fiveXx,
      leaks: '',
      notes: `${hooks.hangs} hangs; a valid delivery afterwards: ${validHook}; RSS ${rssBefore} → ${rssMid} MB`,
    });

    const slack = await send(`${stack.base}/slack/events`, slackBodies(count, seed), (b, i): Record<string, string> =>
      // One in ten unsigned or signed with a wrong secret; the rest signed as Slack signs.
      i % 10 === 9 ? { 'x-slack-signature': 'v0=00', 'x-slack-request-timestamp': String(Math.floor(Date.now() / 1000)) } : { ...signSlackRequest(SIGNING_SECRET, b.body) },
    );
    const help = slashCommandBody({ text: 'help', userId: 'U0ALICE', userName: 'alice', channelId: 'C0OPS', triggerId: 'trig-fuzz' });
    const validSlack = await fetch(`${stack.base}/slack/events`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', ...signSlackRequest(SIGNING_SECRET, help) },
      body: help,
    }).then((r) => r.status, () => 0);
    const rssAfter = serve.alive ? rssMb(pid) : 0;
    rows.push({
      fault: `${count} property-based Slack bodies`,
      sent: count,
      accepted: histogram(slack),
      finished: '-',
      lost: '-',
      duplicated: '-',
      crashes: serve.crashes,
      fiveXx: slack.fiveXx,
      leaks: await stack.leaks(),
      notes: `${slack.hangs} hangs; a valid /drover help afterwards: ${validSlack}; RSS ${rssMid} → ${rssAfter} MB (leaks: both rows)`,
    });
    return rows;
  } finally {
    await stack.stop();
  }
}

export const fuzz: Scenario = { name: 'fuzz', run };
