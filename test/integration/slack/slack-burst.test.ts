import { signSlackRequest, slashCommandBody } from '../../../src/testing/index.js';
import { buildSlackTestDrover, SIGNING_SECRET, type SlackTestDrover } from '../../support/slack-drover.js';
import { waitFor } from '../../support/wait-for.js';

const FORM = 'application/x-www-form-urlencoded';
const CHANNEL = 'C0BURST';
const COMMANDS = 30;

function textOf(args: Record<string, unknown>): string {
  return JSON.stringify([args.text, args.blocks]);
}

describe('Slack: a burst of commands, answered first and handled after', () => {
  let t: SlackTestDrover;

  beforeAll(async () => {
    t = await buildSlackTestDrover();
  });

  afterAll(async () => {
    await t.close();
  });

  it(`${COMMANDS} commands at once, each sent twice (a replay racing its original): every request gets an empty 200, every command exactly one run and one run message`, async () => {
    const before = new Set((await t.drover.store.recent(1000)).map((r) => r.id));
    const bodies = Array.from({ length: COMMANDS }, (_, i) =>
      slashCommandBody({ text: `run restart-deployment namespace=demo deployment=burst-${i} --dry-run`, userId: 'U0ALICE', userName: 'alice', channelId: CHANNEL, triggerId: `burst-${i}` }),
    );
    const requests = bodies.flatMap((body) => {
      const headers = { 'content-type': FORM, ...signSlackRequest(SIGNING_SECRET, body) };
      return [body, body].map(() => fetch(`${t.base}/slack/events`, { method: 'POST', headers, body }).then(async (r) => ({ status: r.status, text: await r.text() })));
    });
    const answers = await Promise.all(requests);
    expect(answers).toEqual(Array.from({ length: 2 * COMMANDS }, () => ({ status: 200, text: '' })));

    const runMessages = () => t.slack.calls('chat.postMessage').filter((c) => c.args.channel === CHANNEL && c.args.thread_ts === undefined);
    await waitFor(() => runMessages().length >= COMMANDS, `${COMMANDS} run messages`, 20_000);
    await new Promise((r) => setTimeout(r, 500)); // time for a duplicate to show up
    const runs = (await t.drover.store.recent(1000)).filter((r) => !before.has(r.id) && r.runbook === 'restart-deployment');
    expect(runs.map((r) => r.params.deployment).sort()).toEqual(Array.from({ length: COMMANDS }, (_, i) => `burst-${i}`).sort());
    const messages = runMessages();
    expect(messages).toHaveLength(COMMANDS);
    for (const run of runs) expect(messages.filter((m) => textOf(m.args).includes(run.id))).toHaveLength(1);
  });
});
