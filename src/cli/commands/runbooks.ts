import { writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { configFrom } from '../config-from.js';
import { EXIT } from '../output.js';
import type { CommandDeps } from '../deps.js';
import { registerRunbooksTestCommand } from './runbooks-test.js';

// Loaded when a command runs, not when the CLI starts.
const registryModule = () => import('../../runbook/registry.js');

export function registerRunbookCommands(program: Command, deps: CommandDeps, setExit: (code: number) => void): void {
  const runbooks = program.command('runbooks').description('List, validate or document the runbooks in the runbooks directory');

  runbooks
    .command('list')
    .description('List runbooks with their parameters')
    .action(async () => {
      const config = configFrom(deps);
      const [{ chatName }, { describeParams }, { runbooksFromPacks }] = await Promise.all([
        registryModule(),
        import('../../runbook/params.js'),
        import('../packs-from-config.js'),
      ]);
      const { registry, problems } = await runbooksFromPacks(config, deps, (m) => deps.output.err(`warning: ${m}`));
      for (const rb of registry.list()) {
        const params = describeParams(rb.params)
          .map((p) => (p.required ? `${p.name}=<${p.type}>` : `[${p.name}=<${p.type}>]`))
          .join(' ');
        deps.output.out(`${rb.id.padEnd(24)} ${rb.summary}`);
        const pack = rb.pack ? `; pack: ${rb.pack.name}@${/^[0-9a-f]{40}$/.test(rb.pack.version) ? rb.pack.version.slice(0, 12) : rb.pack.version}` : '';
        deps.output.out(`${''.padEnd(24)} risk: ${rb.risk ?? 'medium'}; params: ${params || 'none'}${chatName(rb) ? '' : '; hidden from chat'}${pack}`);
      }
      for (const p of problems) deps.output.err(`invalid: ${p}`);
      if (problems.length) setExit(EXIT.failed);
    });

  runbooks
    .command('docs')
    .description('Print the Markdown catalogue of the runbooks (params, risk, approval, triggers), or write it to a file')
    .option('--out <file>', 'write the catalogue to this file instead of printing it')
    .action(async (opts: { out?: string }) => {
      const config = configFrom(deps);
      const [{ renderCatalogue }, { runbooksFromPacks }] = await Promise.all([import('../../runbook/catalogue.js'), import('../packs-from-config.js')]);
      const { registry, problems } = await runbooksFromPacks(config, deps, (m) => deps.output.err(`warning: ${m}`));
      for (const p of problems) deps.output.err(`invalid: ${p}`);
      // A catalogue missing a broken runbook would look complete: write nothing.
      if (problems.length) return setExit(EXIT.failed);
      const text = renderCatalogue(registry.list());
      if (!opts.out) return deps.output.out(text.replace(/\n$/, ''));
      const file = resolve(deps.cwd, opts.out);
      await writeFile(file, text);
      deps.output.err(`wrote ${registry.size} runbook(s) to ${file}`);
    });

  runbooks
    .command('validate [dir]')
    .description('Load every runbook and report each problem (non-zero exit if any)')
    .action(async (dirArg?: string) => {
      const config = configFrom(deps);
      if (dirArg === undefined && config.runbooks.packs.length) {
        // Every configured pack, as a serving process loads them (clashes between packs included).
        const { runbooksFromPacks } = await import('../packs-from-config.js');
        const { registry, problems, packs } = await runbooksFromPacks(config, deps, (m) => deps.output.err(`warning: ${m}`));
        for (const p of problems) deps.output.err(p);
        deps.output.out(`${registry.size} runbook(s) valid${problems.length ? `, ${problems.length} problem(s)` : ''} in packs ${packs.map((p) => `${p.name} (${p.dir})`).join(', ')}`);
        if (problems.length) setExit(EXIT.failed);
        return;
      }
      const dir = resolve(deps.cwd, dirArg ?? config.runbooks.dir);
      const [{ loadRunbooks }, { runbookImporter }] = await Promise.all([registryModule(), import('../runbook-importer.js')]);
      const { registry, problems } = await loadRunbooks(dir, runbookImporter(config, deps.cwd, (m) => deps.output.err(`warning: ${m}`)), deps.cwd);
      for (const p of problems) deps.output.err(p);
      deps.output.out(`${registry.size} runbook(s) valid${problems.length ? `, ${problems.length} problem(s)` : ''} in ${dir}`);
      if (problems.length) setExit(EXIT.failed);
    });

  registerRunbooksTestCommand(runbooks, deps, setExit);
}
