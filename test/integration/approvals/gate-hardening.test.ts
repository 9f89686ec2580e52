import { blockActionBody, eventCallbackBody, slashCommandBody } from '../../../src/testing/index.js';
import type { RunRecord } from '../../../src/jobs/run-record.js';
import { parsePolicy } from '../../../src/policy/index.js';
import { buildSlackTestDrover, type SlackTestDrover } from '../../support/slack-drover.js';
import { buildTestDrover, type TestDrover } from '../../support/test-drover.js';
import { seedDemo } from '../../support/seed.js';
import { waitFor } from '../../support/wait-for.js';

const FORM = 'application/x-www-form-urlencoded';
const JSON_TYPE = 'application/json';
const CHANNEL = 'C0OPS';
const ALICE = 'U0ALICE';
const BOB = 'U0BOB';

function textOf(args: Record<string, unknown>): string {
  return JSON.stringify([args.text, args.blocks ?? args.view]);
}

async function propose(t: SlackTestDrover, text: string, user = ALICE): Promise<{ run: RunRecord; ts: string }> {
  const before = new Set((await t.drover.store.recent(200)).map((r) => r.id));
  const body = slashCommandBody({ text, userId: user, userName: user.toLowerCase(), channelId: CHANNEL, triggerId: `trig-${Math.random()}` });
  expect((await t.send(body, FORM)).status).toBe(200);
  const run = await waitFor(async () => (await t.drover.store.recent(200)).find((r) => !before.has(r.id)), 'the proposal');
  const parent = await t.slack.waitForCall('chat.postMessage', (c) => c.args.thread_ts === undefined && textOf(c.args).includes(run.id));
  const pending = await waitFor(async () => {
    const r = await t.drover.store.get(run.id);
    return r?.state === 'awaiting_approval' ? r : undefined;
  }, 'the plan');
  return { run: pending, ts: parent.response?.ts as string };
}

describe('a mention with no user behind it (a bot or a workflow step)', () => {
  // Everyone may run anything for real; scale-deployment needs one approval from
  // "anyone the rules allow to run it" (no `from` group).
  const POLICY = `
groups:
  everyone: ['*']
rules:
  - groups: [everyone]
    runbooks: ['*']
    clusters: ['*']
approvals:
  - runbooks: [scale-deployment]
    require: { approvals: 1, within: 15m }
`;
  let t: SlackTestDrover;

  beforeAll(async () => {
    t = await buildSlackTestDrover({ policy: { document: parsePolicy(POLICY, 'test policy') } });
  });

  afterAll(async () => {
    await t.close();
  });

  it('"@drover approve <run> <hash>" posted by a workflow counts as no approval', async () => {
    const { run } = await propose(t, 'run scale-deployment namespace=demo deployment=web replicas=4', ALICE);
    const hash = run.approval?.hash ?? '';
    // What Slack sends when a Workflow Builder step or another bot posts a message mentioning the app:
    // bot_id (and bot_profile), but no `user`. Whoever controls the workflow (the requester herself) chooses the text.
    const body = eventCallbackBody({
      eventId: 'Ev0WORKFLOW1',
      event: {
        type: 'app_mention',
        subtype: 'bot_message',
        bot_id: 'B0WORKFLOW',
        text: `<@U0DROVER> approve ${run.id} ${hash.slice(0, 12)}`,
        channel: CHANNEL,
        ts: '1795531421.000300',
        event_ts: '1795531421.000300',
      },
    });
    expect((await t.send(body, JSON_TYPE)).status).toBe(200);
    await new Promise((r) => setTimeout(r, 500));
    const now = await t.drover.store.get(run.id);
    expect(now?.approval?.approvers ?? []).toEqual([]);
    expect(now?.state).toBe('awaiting_approval');

    // The same words from a person do approve: the mention path itself works.
    const fromBob = eventCallbackBody({
      eventId: 'Ev0BOB1',
      event: { type: 'app_mention', user: BOB, text: `<@U0DROVER> approve ${run.id} ${hash.slice(0, 12)}`, channel: CHANNEL, ts: '1795531422.000400', event_ts: '1795531422.000400' },
    });
    expect((await t.send(fromBob, JSON_TYPE)).status).toBe(200);
    const approved = await waitFor(async () => {
      const r = await t.drover.store.get(run.id);
      return r?.approval?.approvers.length ? r : undefined;
    }, "Bob's approval");
    expect(approved.approval?.approvers.map((a) => a.id)).toEqual([BOB]);
  });
});

describe('the plan people see is redacted everywhere', () => {
  const POLICY = `
groups:
  sre: [${ALICE}, ${BOB}]
rules:
  - groups: [sre]
    runbooks: ['*']
    clusters: ['*']
approvals:
  - runbooks: [restart-deployment]
    require: { approvals: 1, within: 15m }
`;
  const DB_PASSWORD = 'S3cretPassw0rdXYZ';
  let t: SlackTestDrover;

  beforeAll(async () => {
    t = await buildSlackTestDrover({ policy: { document: parsePolicy(POLICY, 'test policy') } });
    // A deployment whose pod template carries a connection string with credentials (sorted next to the restart stamp).
    t.fake.seed({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'api', namespace: 'demo', labels: { app: 'api' } },
      spec: {
        replicas: 2,
        selector: { matchLabels: { app: 'api' } },
        template: {
          metadata: { labels: { app: 'api' }, annotations: { 'example.com/db-url': `postgres://app:${DB_PASSWORD}@db.internal:5432/app` } },
          spec: { containers: [{ name: 'api', image: 'api:1' }] },
        },
      },
    });
  });

  afterAll(async () => {
    await t.close();
  });

  it('in the thread and in the approval message', async () => {
    const { ts } = await propose(t, 'run restart-deployment namespace=demo deployment=api', ALICE);
    // The diff really contains the annotation (the redacted thread proves it) ...
    await t.slack.waitForCall('chat.postMessage', (c) => c.args.thread_ts === ts && /db-url: [^\n]*\[redacted\]/.test(textOf(c.args)));
    await t.slack.waitForCall('chat.update', (c) => c.args.ts === ts && textOf(c.args).includes('drover_approve'));
    // Nothing posted to Slack may carry the password.
    const leaks = [...t.slack.calls('chat.postMessage'), ...t.slack.calls('chat.update')].filter((c) => textOf(c.args).includes(DB_PASSWORD));
    expect(leaks.map((c) => c.method)).toEqual([]);
  });

  it('in `/drover status` of a held run', async () => {
    const { run, ts } = await propose(t, 'run restart-deployment namespace=demo deployment=api', ALICE);
    t.slack.clear();
    await t.send(slashCommandBody({ text: `status ${run.id}`, userId: BOB, userName: 'bob', channelId: CHANNEL, triggerId: 'trig-status' }), FORM);
    const status = await t.slack.waitForCall('chat.postEphemeral', (c) => c.args.user === BOB);
    expect(textOf(status.args)).not.toContain(DB_PASSWORD);

    // The approver, too, sees it when clicking through; kept simple: reject to clean up.
    const value = JSON.stringify({ run: run.id, hash: run.approval?.hash });
    await t.send(blockActionBody({ actionId: 'drover_reject', value, userId: BOB, channelId: CHANNEL, messageTs: ts }), FORM);
  });
});

describe('one person under two names (CLI and Slack)', () => {
  // Alice is both U0ALICE in Slack and cli:alice on the bastion; the cluster's
  // impersonation settings say both are the Kubernetes user alice@example.com.
  const POLICY = `
groups:
  sre: [U0ALICE, U0BOB, 'cli:alice']
rules:
  - groups: [sre]
    runbooks: ['*']
    clusters: ['*']
approvals:
  - runbooks: [scale-deployment]
    require: { approvals: 1, from: sre, within: 15m }
`;
  let t: TestDrover;

  beforeAll(async () => {
    t = await buildTestDrover({
      policy: { document: parsePolicy(POLICY, 'test policy') },
      configure: (c) => {
        c.clusters.impersonation = {
          test: {
            users: {
              U0ALICE: { user: 'alice@example.com', groups: ['sre'] },
              'cli:alice': { user: 'alice@example.com', groups: ['sre'] },
              U0BOB: { user: 'bob@example.com', groups: ['sre'] },
            },
          },
        };
      },
    });
    seedDemo(t.fake);
    await t.drover.startWorker();
  });

  afterAll(async () => {
    await t.close();
  });

  it('alice cannot approve, from Slack, the run she asked for on the CLI', async () => {
    const asked = await t.drover.gate.submit({
      runbook: 'scale-deployment',
      params: { namespace: 'demo', deployment: 'web', replicas: 5 },
      requester: { kind: 'cli', id: 'alice@bastion-1' },
    });
    const run = await waitFor(async () => {
      const r = await t.drover.store.get(asked.id);
      return r?.state === 'awaiting_approval' ? r : undefined;
    }, 'the plan');
    const hash = run.approval?.hash ?? '';
    await expect(t.drover.approvals.approve(run.id, { kind: 'slack', id: 'U0ALICE', name: 'alice' }, hash)).rejects.toThrow(/You asked for this run; someone else must approve it/);
    const refused = (await t.drover.audit.read()).filter((e) => e.type === 'approval.refused' && e.runId === run.id);
    expect(refused).toHaveLength(1);
    // Someone else can.
    expect((await t.drover.approvals.approve(run.id, { kind: 'slack', id: 'U0BOB', name: 'bob' }, hash)).kind).toBe('approved');
  });

  it('rejecting her own CLI run from Slack withdraws it', async () => {
    const asked = await t.drover.gate.submit({
      runbook: 'scale-deployment',
      params: { namespace: 'demo', deployment: 'web', replicas: 6 },
      requester: { kind: 'cli', id: 'alice@bastion-1' },
    });
    await waitFor(async () => (await t.drover.store.get(asked.id))?.state === 'awaiting_approval', 'the plan');
    await t.drover.approvals.reject(asked.id, { kind: 'slack', id: 'U0ALICE', name: 'alice' });
    expect((await t.drover.store.get(asked.id))?.error?.message).toBe('Withdrawn by alice.');
  });
});

