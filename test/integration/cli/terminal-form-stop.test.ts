import { PassThrough } from 'node:stream';
import { pino } from 'pino';
import { runTerminalChat } from '../../../src/chat/terminal-chat.js';
import { cliChat } from '../../support/cli-chat.js';
import { startDemoDrover } from '../../support/demo-drover.js';
import { ALLOW_ALL_POLICY, type TestDrover } from '../../support/test-drover.js';
import { waitFor } from '../../support/wait-for.js';

/**
 * The terminal form starts a real run only on a typed y: not when the input
 * ends at the question, not after Ctrl-C (the stop signal) even if a y
 * follows while the process winds down, not on an answer that merely starts
 * with y.
 */
describe('the terminal form never runs for real without its y', () => {
  let t: TestDrover;

  beforeAll(async () => {
    t = await startDemoDrover();
  });

  afterAll(async () => {
    await t.close();
  });

  const replicas = () => (t.fake.get('deployments', 'demo', 'web') as unknown as { spec: { replicas: number } }).spec.replicas;

  const chat = () => cliChat(t, ALLOW_ALL_POLICY, 'frank@laptop');

  async function toConfirmation(c: ReturnType<typeof chat>, n: number): Promise<void> {
    c.input.write('run scale-deployment namespace=demo deployment=web\n');
    await waitFor(() => /replicas \(integer, required/.test(c.printed()), 'the question for replicas');
    c.input.write(`${n}\n\n`);
    await waitFor(() => /Run it for real\? \[y\/N\]/.test(c.printed()), 'the confirmation');
  }

  it('the input ending at the question runs nothing', async () => {
    const before = replicas();
    const c = chat();
    await toConfirmation(c, 7);
    c.input.end();
    expect(await c.done).toBe(0);
    await new Promise((r) => setTimeout(r, 500));
    expect(replicas()).toBe(before);
  }, 30_000);

  it('an answer that is not y or yes runs nothing', async () => {
    const before = replicas();
    const c = chat();
    await toConfirmation(c, 8);
    c.input.write('yep, no wait\n');
    await waitFor(() => /Cancelled: nothing was run\./.test(c.printed()), 'the cancellation');
    c.input.end();
    expect(await c.done).toBe(0);
    expect(replicas()).toBe(before);
  }, 30_000);

  it('Ctrl-C at the question, then a y typed while the process winds down (Drover still up, as drover start finishing its runs), runs nothing', async () => {
    const before = replicas();
    let stop: (s: string) => void = () => undefined;
    const input = new PassThrough();
    const out: string[] = [];
    const ended = runTerminalChat({
      commands: t.drover.chat,
      store: t.drover.store,
      redis: t.redis,
      prefix: t.prefix,
      logger: pino({ level: 'silent' }),
      input,
      print: (text) => out.push(text),
      redactor: t.drover.redactor,
      requester: { kind: 'cli', id: 'frank@laptop', name: 'frank@laptop' },
      command: '/drover',
      listClusters: t.drover.listClusters,
      stop: new Promise<string>((r) => (stop = r)),
    });
    input.write('run scale-deployment namespace=demo deployment=web\n');
    await waitFor(() => /replicas \(integer, required/.test(out.join('\n')), 'the question for replicas');
    input.write('9\n\n');
    await waitFor(() => /Run it for real\? \[y\/N\]/.test(out.join('\n')), 'the confirmation');
    stop('SIGINT');
    input.write('y\n');
    // The chat ends by itself (its notifier stopped), though its input never did.
    await ended;
    await new Promise((r) => setTimeout(r, 800));
    expect(replicas()).toBe(before);
    expect((await t.drover.store.recent(20, 'scale-deployment')).filter((r) => !r.dryRun && r.params.replicas === 9)).toEqual([]);
  }, 30_000);
});
