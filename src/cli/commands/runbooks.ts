import { resolve } from 'node:path';
import type { Command } from 'commander';
import { configFrom } from '../config-from.js';
import { EXIT } from '../output.js';
import type { CommandDeps } from '../deps.js';

// Loaded when a command runs, not when the CLI starts.
const registryModule = () => import('../../runbook/registry.js');

export function registerRunbookCommands(program: Command, deps: CommandDeps, setExit: (code: number) => void): void {
  const runbooks = program.command('runbooks').description('List or validate the runbooks in the runbooks directory');

  runbooks
    .command('list')
    .description('List runbooks with their parameters')
    .action(async () => {
      const config = configFrom(deps);
      const dir = resolve(deps.cwd, config.runbooks.dir);
      const [{ chatName, loadRunbooks }, { describeParams }, { runbookImporter }] = await Promise.all([
        registryModule(),
        import('../../runbook/params.js'),
        import('../runbook-importer.js'),
      ]);
      const { registry, problems } = await loadRunbooks(dir, runbookImporter(config, deps.cwd, (m) => deps.output.err(`warning: ${m}`)), deps.cwd);
      for (const rb of registry.list()) {
        const params = describeParams(rb.params)
          .map((p) => (p.required ? `${p.name}=<${p.type}>` : `[${p.name}=<${p.type}>]`))
          .join(' ');
        deps.output.out(`${rb.id.padEnd(24)} ${rb.summary}`);
        deps.output.out(`${''.padEnd(24)} risk: ${rb.risk ?? 'medium'}; params: ${params || 'none'}${chatName(rb) ? '' : '; hidden from chat'}`);
      }
      for (const p of problems) deps.output.err(`invalid: ${p}`);
      if (problems.length) setExit(EXIT.failed);
    });

  runbooks
    .command('validate [dir]')
    .description('Load every runbook and report each problem (non-zero exit if any)')
    .action(async (dirArg?: string) => {
      const config = configFrom(deps);
      const dir = resolve(deps.cwd, dirArg ?? config.runbooks.dir);
      const [{ loadRunbooks }, { runbookImporter }] = await Promise.all([registryModule(), import('../runbook-importer.js')]);
      const { registry, problems } = await loadRunbooks(dir, runbookImporter(config, deps.cwd, (m) => deps.output.err(`warning: ${m}`)), deps.cwd);
      for (const p of problems) deps.output.err(p);
      deps.output.out(`${registry.size} runbook(s) valid${problems.length ? `, ${problems.length} problem(s)` : ''} in ${dir}`);
      if (problems.length) setExit(EXIT.failed);
    });
}
