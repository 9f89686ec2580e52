import { relative, resolve } from 'node:path';
import type { Command } from 'commander';
import { configFrom } from '../config-from.js';
import { EXIT } from '../output.js';
import type { CommandDeps } from '../deps.js';

/** `drover runbooks test [id...]`: the runbooks' own tests, with Node's test runner, on a reachable Redis. */
export function registerRunbooksTestCommand(runbooks: Command, deps: CommandDeps, setExit: (code: number) => void): void {
  runbooks
    .command('test [ids...]')
    .description('Run the runbooks\' tests (<runbooks dir>/<id>.test.ts, with node:test and the drover/testing harness); all of them, or those of the ids given')
    .option('--dir <dir>', 'the runbooks directory; default: the configured one (./runbooks)')
    .action(async (ids: string[], opts: { dir?: string }) => {
      const config = configFrom(deps);
      const dir = resolve(deps.cwd, opts.dir ?? config.runbooks.dir);
      const [{ findRunbookTests }, { runTests }, { ensureLocalRedis, stopLocalRedis }, { hostModules }] = await Promise.all([
        import('../runbook-tests/find-tests.js'),
        import('../runbook-tests/run-tests.js'),
        import('../local-redis.js'),
        import('../../runbook/host-modules.js'),
      ]);
      const { files, problems } = findRunbookTests(dir, ids);
      for (const p of problems) deps.output.err(`error: ${p}`);
      if (problems.length) return setExit(EXIT.usage);
      if (!files.length) {
        deps.output.err(`No runbook tests in ${relative(deps.cwd, dir) || dir} (a runbook's test is <id>.test.ts next to it). \`drover new runbook <id>\` writes a runbook with its test.`);
        return setExit(EXIT.failed);
      }
      // The harness runs a whole Drover, which needs Redis: the configured one, else a local one started for these tests.
      const url = config.redis.url;
      const { redis, child } = await ensureLocalRedis(url, deps.env.PATH, (line) => deps.output.err(line));
      await redis.quit().catch(() => undefined);
      try {
        deps.output.err(`Testing ${files.length} runbook${files.length > 1 ? 's' : ''}: ${files.map((f) => relative(deps.cwd, f)).join(' ')}`);
        const code = await runTests({
          files,
          cwd: deps.cwd,
          env: { ...deps.env, REDIS_URL: url },
          fromSource: !hostModules().compiled,
          out: (line) => deps.output.out(line),
          err: (line) => deps.output.err(line),
          stopSignal: deps.stopSignal,
        });
        if (code !== 0) setExit(EXIT.failed);
      } finally {
        await stopLocalRedis(child);
      }
    });
}
