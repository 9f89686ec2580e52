import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { Readable } from 'node:stream';
import { execFileSync } from 'node:child_process';
import { runCli } from '../../../src/cli/program.js';
import { runbookSource, runbookTestSource } from '../../../src/cli/scaffold/runbook-template.js';
import { isReservedId } from '../../../src/cli/scaffold/runbook-id.js';
import { REDIS_URL } from '../../support/redis.js';
import { freePort } from '../../support/free-port.js';
import { connectRedis } from '../../../src/cli/redis-connect.js';
import { ROOT } from '../../support/test-drover.js';

/** Runs the real CLI in-process in `cwd`; its exit code and output. */
async function drover(cwd: string, args: string[], env: Record<string, string> = { REDIS_URL }) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCli(args, {
    env,
    cwd,
    user: 'ana@laptop',
    stopSignal: new Promise(() => undefined),
    input: Readable.from([]),
    interactive: false,
    output: { out: (l) => out.push(l), err: (l) => err.push(l) },
  });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

describe('drover new runbook', () => {
  let team: string;

  beforeEach(() => {
    team = mkdtempSync(join(tmpdir(), 'drover-team-'));
  });
  afterEach(() => rmSync(team, { recursive: true, force: true }));

  it('writes the runbook and its test into ./runbooks, and says what the project lacks', async () => {
    const r = await drover(team, ['new', 'runbook', 'disk-report']);
    expect(r.code).toBe(0);
    expect(r.out).toContain('created runbooks/disk-report.ts\ncreated runbooks/disk-report.test.ts');
    expect(r.out).toContain('npx drover runbooks test disk-report');
    expect(r.err).toMatch(/No package\.json in .*--init/);
    expect(readFileSync(join(team, 'runbooks', 'disk-report.ts'), 'utf8')).toBe(runbookSource({ id: 'disk-report', risk: 'low' }));
    expect(readFileSync(join(team, 'runbooks', 'disk-report.test.ts'), 'utf8')).toBe(runbookTestSource({ id: 'disk-report', risk: 'low' }));
    expect(readFileSync(join(team, 'runbooks', 'disk-report.ts'), 'utf8')).toMatch(/from 'drover';[\s\S]*risk: 'low'[\s\S]*approval:[\s\S]*concurrencyKey:[\s\S]*ctx\.step\([\s\S]*ctx\.report\(/);
  });

  it('refuses an id it already has and never overwrites a file', async () => {
    expect((await drover(team, ['new', 'runbook', 'disk-report'])).code).toBe(0);
    const file = join(team, 'runbooks', 'disk-report.ts');
    writeFileSync(file, '// mine\n');
    const before = statSync(file).mtimeMs;
    const again = await drover(team, ['new', 'runbook', 'disk-report']);
    expect(again.code).toBe(2);
    expect(again.err).toBe('error: runbooks/disk-report.ts already exists: pick another id, or edit that file. Nothing was written.');
    expect(readFileSync(file, 'utf8')).toBe('// mine\n');
    expect(statSync(file).mtimeMs).toBe(before);

    // A test left behind without its runbook is not overwritten either.
    rmSync(file);
    const orphan = await drover(team, ['new', 'runbook', 'disk-report']);
    expect(orphan.code).toBe(2);
    expect(orphan.err).toMatch(/runbooks\/disk-report\.test\.ts already exists/);
  });

  it('says where it cannot write, in words, and leaves nothing half written', async () => {
    writeFileSync(join(team, 'afile'), '');
    const notDir = await drover(team, ['new', 'runbook', 'disk-report', '--dir', 'afile']);
    expect(notDir.code).toBe(2);
    expect(notDir.err).toBe(`error: Cannot write ${join(team, 'afile')} (not a directory): pick a directory you can write with --dir. Nothing was written.`);

    // A dangling tsconfig.json link: not there for existsSync, refused by the exclusive write (it is never followed).
    symlinkSync(join(team, 'elsewhere.json'), join(team, 'tsconfig.json'));
    const partial = await drover(team, ['new', 'runbook', 'disk-report', '--init']);
    expect(partial.code).toBe(2);
    expect(partial.err).toBe(`error: ${join(team, 'tsconfig.json')} already exists; it was left as it is.`);
    expect(partial.out).toBe('');
    // The runbook, its test and the package.json written before it are removed again; the link's target never written.
    expect(readdirSync(team).sort()).toEqual(['afile', 'runbooks', 'tsconfig.json']);
    expect(readdirSync(join(team, 'runbooks'))).toEqual([]);
    expect(existsSync(join(team, 'elsewhere.json'))).toBe(false);
  });

  it("suggests an id for one with accents, and accepts names that are Object.prototype's", async () => {
    expect((await drover(team, ['new', 'runbook', 'ünïcode-Report'])).err).toMatch(/\(try "unicode-report"\)/);
    expect((await drover(team, ['new', 'runbook', '__proto__'])).code).toBe(2);
    const ctor = await drover(team, ['new', 'runbook', 'constructor']);
    expect(ctor.code).toBe(0);
    expect((await drover(team, ['new', 'runbook', 'constructor'])).code).toBe(2);
  });

  it('refuses an id a loaded runbook already uses, by its id or its chat name', async () => {
    const shipped = await drover(ROOT, ['new', 'runbook', 'restart-deployment', '--dir', team]);
    expect(shipped.code).toBe(2);
    expect(shipped.err).toBe('error: A runbook named "restart-deployment" is already loaded from runbooks/restart-deployment.ts: pick another id. Nothing was written.');
    expect(readdirSync(team)).toEqual([]);

    const mine = join(team, 'runbooks');
    expect((await drover(team, ['new', 'runbook', 'disk-report'])).code).toBe(0);
    writeFileSync(join(mine, 'renamed.ts'), runbookSource({ id: 'renamed', risk: 'low' }).replace("summary:", "triggers: { chat: 'disk-usage' },\n  summary:"));
    const chat = await drover(team, ['new', 'runbook', 'disk-usage', '--dir', join(team, 'elsewhere')]);
    expect(chat.code).toBe(2);
    expect(chat.err).toMatch(/A runbook named "disk-usage" is already loaded from runbooks\/renamed\.ts/);
    expect(existsSync(join(team, 'elsewhere'))).toBe(false);
  }, 30_000);

  it.each([
    ['Disk_Report', 'error: "Disk_Report" is not kebab-case: use lowercase letters, digits and single dashes, e.g. disk-report (try "disk-report").'],
    ['disk--report', 'error: "disk--report" is not kebab-case: use lowercase letters, digits and single dashes, e.g. disk-report (try "disk-report").'],
    ['../escape', 'error: "../escape" is not kebab-case: use lowercase letters, digits and single dashes, e.g. disk-report (try "escape").'],
    ['list', 'error: "list" is reserved (a chat or CLI command has that name); pick a name that says what the runbook does, e.g. list-report.'],
    ['a'.repeat(64), `error: "${'a'.repeat(20)}…" is 64 characters long; a runbook id has at most 63.`],
  ])('refuses the name %j with a clear message, writing nothing', async (id, message) => {
    const r = await drover(team, ['new', 'runbook', id]);
    expect(r.code).toBe(2);
    expect(r.err).toBe(message);
    expect(readdirSync(team)).toEqual([]);
  });

  it("in Drover's own checkout, says what else a shipped runbook needs", async () => {
    writeFileSync(join(team, 'package.json'), '{"name":"drover","type":"module"}\n');
    const r = await drover(team, ['new', 'runbook', 'disk-report']);
    expect(r.code).toBe(0);
    expect(r.err).toMatch(/^note: In Drover's checkout a runbook in runbooks\/ is shipped: regenerate the catalogue \(npm run runbooks:docs\) and give it its RBAC rules/m);
    const elsewhere = await drover(team, ['new', 'runbook', 'pvc-report', '--dir', 'mine']);
    expect(elsewhere.err).not.toContain('shipped');
  });

  it('reserves every chat verb', () => {
    // The chat's verbs, as its dispatcher lists them (not exported: read from the source).
    const source = readFileSync(join(ROOT, 'src', 'chat', 'chat-commands.ts'), 'utf8');
    const verbs = JSON.parse(/const VERBS = (\[[^\]]*\])/.exec(source)?.[1]?.replace(/'/g, '"') ?? '[]') as string[];
    expect(verbs).toContain('describe');
    for (const verb of verbs) expect([verb, isReservedId(verb)]).toEqual([verb, true]);
  });

  it('--init writes a package.json and tsconfig.json depending on drover, and keeps existing ones', async () => {
    const r = await drover(team, ['new', 'runbook', 'disk-report', '--init']);
    expect(r.code).toBe(0);
    expect(r.err).toBe('');
    const pkg = JSON.parse(readFileSync(join(team, 'package.json'), 'utf8')) as { type: string; dependencies: Record<string, string>; scripts: Record<string, string> };
    expect(pkg).toMatchObject({ type: 'module', dependencies: { drover: expect.stringMatching(/^\^\d+\.\d+\.\d+/) as unknown }, scripts: { test: 'drover runbooks test' } });
    expect(JSON.parse(readFileSync(join(team, 'tsconfig.json'), 'utf8'))).toMatchObject({ compilerOptions: { module: 'NodeNext', strict: true }, include: ['runbooks'] });

    writeFileSync(join(team, 'package.json'), '{"name":"ours","type":"module","dependencies":{"drover":"^0.1.0"}}\n');
    const second = await drover(team, ['new', 'runbook', 'pvc-report', '--init', '--risk', 'high']);
    expect(second.code).toBe(0);
    expect(second.out).not.toContain('created package.json');
    expect(readFileSync(join(team, 'package.json'), 'utf8')).toBe('{"name":"ours","type":"module","dependencies":{"drover":"^0.1.0"}}\n');
    expect(readFileSync(join(team, 'runbooks', 'pvc-report.ts'), 'utf8')).toMatch(/risk: 'high',\n.*\n {2}approval: \{ required: 'unless-dry-run', approvers: 1/);
  }, 30_000);
});

describe('drover runbooks test', () => {
  let team: string;

  beforeEach(() => {
    team = mkdtempSync(join(tmpdir(), 'drover-team-'));
  });
  afterEach(() => rmSync(team, { recursive: true, force: true }));

  it('says when there are no tests, or an id has none, or there is no such runbook', async () => {
    const none = await drover(team, ['runbooks', 'test', '--dir', team]);
    expect(none.code).toBe(1);
    expect(none.err).toBe(`No runbook tests in ${team} (a runbook's test is <id>.test.ts next to it). \`drover new runbook <id>\` writes a runbook with its test.`);

    writeFileSync(join(team, 'untested.ts'), runbookSource({ id: 'untested', risk: 'low' }));
    const untested = await drover(team, ['runbooks', 'test', 'untested', 'nope', '--dir', team]);
    expect(untested.code).toBe(2);
    expect(untested.err.split('\n')).toEqual([
      `error: runbook "untested" has no test: write ${join(team, 'untested.test.ts')} (drover new runbook writes one for a new runbook; see docs/authoring.md)`,
      `error: no runbook "nope" in ${team} (there: untested)`,
    ]);

    const missing = await drover(team, ['runbooks', 'test', '--dir', join(team, 'absent')]);
    expect(missing.code).toBe(2);
    expect(missing.err).toMatch(/cannot read the runbooks directory .*absent \(ENOENT\)/);
  });

  // In Drover's checkout: 'drover' is this package (its own name), from source.
  it('runs a scaffolded test in the checkout (passes), and fails with the runner\'s report when the runbook breaks it', async () => {
    const dir = mkdtempSync(join(ROOT, 'test', '.runbooks-'));
    try {
      expect((await drover(ROOT, ['new', 'runbook', 'disk-report', '--dir', dir])).code).toBe(0);
      const passing = await drover(ROOT, ['runbooks', 'test', 'disk-report', '--dir', dir]);
      expect(passing.err).toMatch(/Testing 1 runbook: test\/\.runbooks-\w+\/disk-report\.test\.ts/);
      expect(passing.out).toMatch(/✔ a dry run reads the deployment and changes nothing/);
      expect(passing.out).toMatch(/ℹ pass 3\nℹ fail 0/);
      expect(passing.code).toBe(0);

      const file = join(dir, 'disk-report.ts');
      writeFileSync(file, readFileSync(file, 'utf8').replace('replicas ready.', 'ready.'));
      const failing = await drover(ROOT, ['runbooks', 'test', '--dir', dir]);
      expect(failing.out).toMatch(/✖ a real run on the sandbox reports what it found/);
      expect(failing.out).toMatch(/ℹ pass 1\nℹ fail 2/);
      expect(failing.code).toBe(1);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 90_000);

  it('says how to get Redis when none answers and none can be started', async () => {
    writeFileSync(join(team, 'x.test.ts'), '');
    const url = `redis://127.0.0.1:${await freePort()}`;
    const r = await drover(team, ['runbooks', 'test', '--dir', team], { REDIS_URL: url, PATH: join(team, 'no-such-bin') });
    expect(r.code).toBe(5);
    expect(r.err).toMatch(/^error: Redis is not answering at redis:\/\/127\.0\.0\.1:\d+\/? \(.*\)\. Start Redis or set REDIS_URL\.\nInstall Redis and run it \(Debian\/Ubuntu: sudo apt-get install redis-server; macOS: .*\), or point REDIS_URL at one\.$/);
  });

  // As `npm start` does: a local redis-server, in memory, stopped when the tests end.
  it('starts a local redis-server for the tests when none answers, and stops it after', async () => {
    mkdirSync(join(team, 'node_modules'));
    symlinkSync(ROOT, join(team, 'node_modules', 'drover'), 'dir');
    expect((await drover(team, ['new', 'runbook', 'disk-report'])).code).toBe(0);
    const url = `redis://127.0.0.1:${await freePort()}`;
    const redisServer = execFileSync('which', ['redis-server'], { encoding: 'utf8' }).trim();
    const r = await drover(team, ['runbooks', 'test'], { REDIS_URL: url, PATH: dirname(redisServer) });
    expect(r.err).toMatch(/Redis is not answering at 127\.0\.0\.1:\d+; starting .*redis-server on port \d+ \(in memory, stopped with Drover\)\./);
    expect(r.out).toMatch(/ℹ pass 3\nℹ fail 0/);
    expect(r.code).toBe(0);
    // Gone when the command answers: it waits for redis-server to exit (else, in a container whose init does not reap, a zombie).
    expect(await answers(url)).toBe(false);
  }, 90_000);
});

/** True when a Redis answers at `url`. */
function answers(url: string): Promise<boolean> {
  return connectRedis(url, 300).then(
    (r) => (r.disconnect(), true),
    () => false,
  );
}
