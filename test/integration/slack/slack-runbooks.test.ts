import { slashCommandBody } from '../../../src/testing/index.js';
import { blocksToText } from '../../../src/chat/blocks/index.js';
import type { ChatMessage } from '../../../src/chat/types.js';
import { renderCatalogue } from '../../../src/runbook/catalogue.js';
import { defineRunbook, z } from '../../../src/sdk/index.js';
import { buildSlackTestDrover, type SlackTestDrover } from '../../support/slack-drover.js';
import { slackProblems } from '../../unit/chat-blocks/support/slack-limits.js';

const FORM = 'application/x-www-form-urlencoded';
const CHANNEL = 'C0OPS';
const USER = 'U0ALICE';

// Enough runbooks that the catalogue needs pages in chat.
const extra = Array.from({ length: 30 }, (_, i) =>
  defineRunbook({
    id: `extra-${String(i).padStart(2, '0')}`,
    summary: `Extra runbook number ${i}, to fill the catalogue`,
    params: z.object({
      namespace: z.string().min(1).describe('Namespace'),
      replicas: z.number().int().min(1).max(20).default(2).describe('How many'),
      mode: z.enum(['fast', 'safe']).default('safe'),
    }),
    concurrencyKey: (p) => `extra/${p.namespace}`,
    run: () => Promise.resolve(),
  }),
);

function command(text: string): string {
  return slashCommandBody({ text, userId: USER, userName: 'alice', channelId: CHANNEL, triggerId: `trig-${Math.random()}` });
}

describe('Slack: /drover runbooks, the catalogue in chat, through Bolt\'s receiver', () => {
  let t: SlackTestDrover;

  beforeAll(async () => {
    t = await buildSlackTestDrover({ runbooks: extra });
  });

  afterAll(async () => {
    await t.close();
  });

  beforeEach(() => {
    t.slack.clear();
  });

  async function ask(text: string): Promise<ChatMessage> {
    const res = await t.send(command(text), FORM);
    expect(res.status).toBe(200);
    const call = await t.slack.waitForCall('chat.postEphemeral');
    expect(call.args).toMatchObject({ channel: CHANNEL, user: USER });
    return { text: call.args.text as string, blocks: call.args.blocks as ChatMessage['blocks'] };
  }

  it('pages every runbook the catalogue documents, each page within Slack\'s limits', async () => {
    const first = await ask('runbooks');
    expect(slackProblems(first)).toEqual([]);
    const text = blocksToText(first);
    const pages = Number(/Page 1 of (\d+)/.exec(text)?.[1]);
    expect(pages).toBeGreaterThan(1);
    expect(text).toContain('next page: `/drover runbooks 2`');

    const shown = new Set<string>();
    for (let page = 1; page <= pages; page++) {
      t.slack.clear();
      const message = page === 1 ? first : await ask(`runbooks ${page}`);
      expect(slackProblems(message)).toEqual([]);
      for (const m of blocksToText(message).matchAll(/^• (\S+) · /gm)) shown.add(m[1]!);
    }
    // The same runbooks as `drover runbooks docs`, by chat name.
    const documented = [...renderCatalogue(t.drover.runbooks.list()).matchAll(/^## (\S+)$/gm)].map((m) => m[1]!);
    expect(shown.size).toBe(documented.length);
  });

  it('shows what the Markdown catalogue shows: params with types and defaults, risk, approval, triggers, concurrency key', async () => {
    const text = blocksToText(await ask('runbooks expand'));
    expect(text).toContain('• expand-pvc · high risk · approval: always, 1 approver');
    expect(text).toContain('`growPercent` integer, default 50, 10–200');
    expect(text).toContain('`maxSize` string, default 1Ti');
    expect(text).toContain('alert KubePersistentVolumeFillingUp: namespace ← label namespace, pvc ← label persistentvolumeclaim');
    expect(text).toContain('concurrency key: pvc/<namespace>/<pvc>');
    // `list` is the same command, not a second listing to keep in step.
    t.slack.clear();
    expect(blocksToText(await ask('list expand'))).toBe(text);
  });

  it('one runbook in full, with its concurrency key', async () => {
    const detail = await ask('runbooks cordon-node');
    expect(slackProblems(detail)).toEqual([]);
    const text = blocksToText(detail);
    expect(text).toContain('Concurrency key: node/<node>');
    expect(text).toContain('Approval: always, 1 approver');
    expect(text).toContain('• alert KubeNodeNotReady: node ← label node');
  });

  it('a value that is not a whole number comes back in the form, in words', async () => {
    await t.send(command('run scale-deployment namespace=demo deployment=web replicas=abc'), FORM);
    const open = await t.slack.waitForCall('views.open');
    const view = JSON.stringify(open.args.view);
    expect(view).toContain('replicas must be a whole number');
    expect(view).not.toMatch(/Invalid input|expected number|received/);
  });
});
