import { spawn, type ChildProcessWithoutNullStreams, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { processEnv, runDroverProcess, spawnDrover, stopProcess } from '../../support/cli-process.js';
import { freePort } from '../../support/free-port.js';
import { deletePrefix, REDIS_URL, redisClient, uniquePrefix } from '../../support/redis.js';
import { ROOT } from '../../support/test-drover.js';
import { waitFor } from '../../support/wait-for.js';

/**
 * The try-it path as a new user types it, with no Slack and no cluster:
 * `drover start` (a real process: local sandbox, worker) and `drover chat` (a
 * real process reading its standard input, as from a terminal). The three
 * shipped runbooks that need approval run for real, approved by a second
 * local identity; the requester cannot approve their own.
 */
describe('the try-it path: terminal chat on the sandbox, approvals included', () => {
  const prefix = uniquePrefix('tryit');
  const redis = redisClient();
  let server: ChildProcess;
  let chat: ChildProcessWithoutNullStreams;
  let out = '';
  let env: Record<string, string>;

  beforeAll(async () => {
    env = { REDIS_URL, DROVER_REDIS_PREFIX: prefix, LOG_LEVEL: 'warn', PORT: String(await freePort()) };
    server = spawnDrover(['start'], env);
    let started = '';
    server.stderr?.on('data', (d: Buffer) => (started += d.toString()));
    await waitFor(() => /Drover is running: \d+ runbooks, clusters: sandbox/.test(started), 'drover start to be ready', 30_000);
    chat = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'src', 'main.ts'), 'chat'], { cwd: ROOT, env: processEnv({ ...env, PORT: String(await freePort())}) });
    chat.stdout.on('data', (d: Buffer) => (out += d.toString()));
    chat.stderr.on('data', (d: Buffer) => (out += d.toString()));
    await waitFor(() => /Drover terminal chat, as [\s\S]*switches back\./.test(out), 'the terminal chat to greet', 30_000);
  }, 70_000);

  afterAll(async () => {
    if (chat) {
      chat.stdin.end();
      await stopProcess(chat, 'SIGTERM', 10_000);
    }
    if (server) await stopProcess(server, 'SIGTERM', 15_000);
    await deletePrefix(redis, prefix);
    await redis.quit();
  }, 40_000);

  const type = (line: string) => chat.stdin.write(`${line}\n`);
  /** The output since `mark`, so each step reads only its own lines. */
  const since = (mark: number) => out.slice(mark);
  const until = (mark: number, re: RegExp, what: string, ms = 15_000) => waitFor(() => re.exec(since(mark)), what, ms);

  /** Asks for a run and returns its id and the plan hash its Approve line names, once it awaits approval. */
  async function proposed(line: string): Promise<{ id: string; hash: string; mark: number }> {
    const mark = out.length;
    type(line);
    const m = await until(mark, /\[approve: \/drover approve (\S+) ([0-9a-f]{12})\]/, `the proposal of "${line}"`);
    return { id: m[1]!, hash: m[2]!, mark };
  }

  it('greets with who you are and how to approve as a second identity', () => {
    expect(out).toMatch(/Drover terminal chat, as \S+@\S+\./);
    expect(out).toContain('On the sandbox you can act as a second local identity to approve your own proposals: `as reviewer`');
  });

  it('help names the terminal\'s own `as` too', async () => {
    const mark = out.length;
    type('help');
    await until(mark, /Drover commands[\s\S]*`as reviewer`/, 'the help with `as`');
  });

  it('/drover runbooks shows the catalogue', async () => {
    const mark = out.length;
    type('/drover runbooks');
    await until(mark, /one in full: `\/drover runbooks <name>`/, 'the catalogue');
    expect(since(mark)).toContain('• cordon-node · high risk · approval: always, 1 approver');
    expect(since(mark)).toContain('concurrency key: node/<node>');
  });

  it('cordon-node: the requester cannot approve; a second local identity can, and the run happens', async () => {
    const { id, hash, mark } = await proposed('run cordon-node node=node-b');
    expect(since(mark)).toMatch(/• cordon Node node-b/);
    expect(since(mark)).toContain('+  unschedulable: true');
    expect(since(mark)).toContain(`(sandbox: the requester cannot approve; as a second local identity: /drover approve ${id} ${hash} --as reviewer)`);

    let m = out.length;
    type(`approve ${id} ${hash}`);
    await until(m, /You asked for this run; someone else must approve it\./, 'the refusal of the requester');

    m = out.length;
    type(`/drover approve ${id} ${hash} --as reviewer`);
    await until(m, new RegExp(`Approved \\(1/1\\): run ${id} is queued\\.`), 'the approval');
    await until(m, /Cordoned node-b/, 'the real run', 20_000);
    await until(m, new RegExp(`\\[run ${id}\\] ✅ cordon-node succeeded`), 'the run to succeed', 20_000);
  }, 40_000);

  it('expand-pvc: `as reviewer` switches identity for what follows, `as me` back', async () => {
    const { id, hash } = await proposed('run expand-pvc namespace=demo pvc=data');
    let m = out.length;
    type('as reviewer');
    await until(m, /You are now reviewer@\S+, a local identity on the sandbox\./, 'the switch');
    m = out.length;
    type(`approve ${id} ${hash}`);
    await until(m, /Approved \(1\/1\)/, 'the approval');
    await until(m, /Expanded demo\/data from 10Gi to 15Gi/, 'the real run', 20_000);
    m = out.length;
    type('as me');
    await until(m, /You are \S+@\S+ again\./, 'the switch back');
  }, 40_000);

  it('raise-hpa-max through the form: optional fields asked with their defaults, confirmed, approved, run', async () => {
    let m = out.length;
    type('run raise-hpa-max');
    await until(m, /namespace \(string, required\): $/m, 'the first question');
    type('shop');
    await until(m, /hpa \(string, required\): $/m, 'the hpa question');
    type('web');
    await until(m, /factor \(number, default 1\.5, 1\.1–3; Enter keeps the default\): $/m, 'the optional factor');
    type('');
    await until(m, /ceiling \(integer, default 30, 1–200; Enter keeps the default\): $/m, 'the optional ceiling');
    type('abc');
    await until(m, /⚠ ceiling must be a whole number/, 'the problem in words');
    await until(m, /ceiling \(integer, default 30, 1–200; Enter keeps the default\): $/m, 'the ceiling asked again');
    type('0');
    await until(m, /⚠ ceiling must be at least 1/, 'the second problem');
    type('');
    await until(m, /Ready: raise-hpa-max on cluster sandbox, for real, with namespace=shop hpa=web factor=1\.5 ceiling=30\./, 'the summary');
    await until(m, /It needs approval: its plan \(a dry run\) is shown to approvers before anything changes\.\nRun it for real\? \[y\/N\]: $/m, 'the confirmation');
    // Nothing was asked of the cluster before the answer.
    expect(since(m)).not.toMatch(/raise-hpa-max (planning|awaiting_approval)/);
    const before = out.length;
    type('y');
    const a = await until(before, /\[approve: \/drover approve (\S+) ([0-9a-f]{12})\]/, 'the proposal');
    m = out.length;
    type(`approve ${a[1]} ${a[2]} --as reviewer`);
    await until(m, /Raised shop\/web maxReplicas from 6 to 9/, 'the real run', 20_000);
  }, 60_000);

  it('drover run says what is wrong with a param in words, and exits non-zero', async () => {
    const r = await runDroverProcess(['run', 'scale-deployment', 'namespace=demo', 'deployment=web', 'replicas=many'], env);
    expect(r.code).not.toBe(0);
    expect(r.err).toContain('Invalid parameters for scale-deployment: replicas must be a whole number.');
    const r2 = await runDroverProcess(['run', 'scale-deployment', 'deployment=web', 'replicas=99'], env);
    expect(r2.err).toContain('namespace is required; replicas must be at most 50');
  }, 30_000);

  it('validation messages on the command line are written for people', async () => {
    const m = out.length;
    type('run scale-deployment namespace=demo deployment=web replicas=-1 --dry-run');
    await until(m, /⚠ replicas must be at least 0/, 'the problem in words');
    type('2');
    type('');
    // A dry run starts without asking.
    await until(m, /scale-deployment succeeded · dry run/, 'the dry run', 20_000);
    expect(since(m)).not.toMatch(/Invalid input|Too small|expected number/);
  }, 30_000);
});
