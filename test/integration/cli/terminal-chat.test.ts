import { cliChat } from '../../support/cli-chat.js';
import { startDemoDrover } from '../../support/demo-drover.js';
import { ALLOW_ALL_POLICY, type TestDrover } from '../../support/test-drover.js';
import { waitFor } from '../../support/wait-for.js';

describe('terminal chat (no Slack workspace needed)', () => {
  let t: TestDrover;

  beforeAll(async () => {
    t = await startDemoDrover();
  });

  afterAll(async () => {
    await t.close();
  });

  it('accepts the same /drover commands and prints the same messages, run threads included', async () => {
    const { input, printed, done } = cliChat(t, ALLOW_ALL_POLICY, 'frank@laptop');
    input.write('/drover help\n');
    await waitFor(() => /describe/.test(printed()), 'the help text');

    input.write('/drover run scale-deployment namespace=demo deployment=web replicas=4\n');
    await waitFor(() => /succeeded/i.test(printed()) && /read current scale/.test(printed()), 'the run thread to end');
    expect(printed()).toMatch(/replicas 3 → 4|3 → 4/);

    // A missing parameter becomes a question, as Slack would open a form; optional ones are asked too.
    input.write('run scale-deployment namespace=demo deployment=web\n');
    await waitFor(() => /replicas \(integer, required/.test(printed()), 'the question for replicas');
    input.write('abc\n');
    await waitFor(() => /allowZero \(boolean, default false; Enter keeps the default\)/.test(printed()), 'the question for allowZero');
    input.write('\n');
    // The answer that is not a whole number is asked again, in words.
    await waitFor(() => /⚠ replicas must be a whole number/.test(printed()), 'the problem with replicas');
    input.write('2\n');
    // A real run is confirmed first: nothing starts with the last answer.
    await waitFor(() => /Run it for real\?/.test(printed()), 'the confirmation');
    expect(printed()).toContain('Ready: scale-deployment on cluster test, for real, with namespace=demo deployment=web replicas=2 allowZero=false.');
    // With the plan of a dry run, which changed nothing.
    expect(printed()).toMatch(/Its plan, from a dry run \(changes nothing\):\n[\s\S]*scale-deployment succeeded · dry run[\s\S]*4 → 2[\s\S]*Run it for real\? \[y\/N\]/);
    await new Promise((r) => setTimeout(r, 300));
    expect((t.fake.get('deployments', 'demo', 'web') as unknown as { spec: { replicas: number } }).spec.replicas).toBe(4);
    input.write('y\n');
    await waitFor(() => (t.fake.get('deployments', 'demo', 'web') as unknown as { spec: { replicas: number } }).spec.replicas === 2, 'the second run');

    // N (or anything but y and d) runs nothing.
    input.write('run scale-deployment namespace=demo deployment=web\n');
    await waitFor(() => printed().split('replicas (integer, required').length === 4, 'the question again');
    input.write('7\n\n');
    await waitFor(() => printed().split('Run it for real?').length === 3, 'the second confirmation');
    input.write('\n');
    await waitFor(() => /Cancelled: nothing was run\./.test(printed()), 'the cancellation');

    // Off the sandbox (a policy file is configured), nobody becomes someone else.
    input.write('as reviewer\n');
    await waitFor(() => /Acting as another identity is only for the sandbox/.test(printed()), 'the refusal to switch identity');
    input.write('approve r123 --as reviewer\n');
    await waitFor(() => printed().split('Acting as another identity is only for the sandbox').length === 3, 'the refusal of --as');

    input.write('run nope\n');
    await waitFor(() => /Unknown runbook "nope"/.test(printed()), 'the error');
    input.end();
    expect(await done).toBe(0);
  }, 30_000);
});
