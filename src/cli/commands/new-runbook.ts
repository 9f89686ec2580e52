import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { mkdir, unlink, writeFile } from 'node:fs/promises';
import { join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Option, type Command } from 'commander';
import { DroverError } from '../../errors.js';
import type { Risk } from '../../runbook/types.js';
import { configFrom } from '../config-from.js';
import type { CommandDeps } from '../deps.js';
import { runbookIdProblem } from '../scaffold/runbook-id.js';
import { runbookSource, runbookTestSource } from '../scaffold/runbook-template.js';
import { SHIPPED_RUNBOOK_ADVICE, isDroverCheckout, packageJson, projectAdvice, tsconfigJson, type ProjectFile } from '../scaffold/project-files.js';

interface NewRunbookOptions {
  dir?: string;
  risk: Risk;
  init?: boolean;
}

/** Drover's own version, for the dependency `--init` writes. */
function droverVersion(): string {
  // src/cli/commands/ or dist/src/cli/commands/: the package.json is the first one above.
  let dir = fileURLToPath(new URL('.', import.meta.url));
  for (let i = 0; i < 5; i++) {
    dir = resolve(dir, '..');
    const candidate = join(dir, 'package.json');
    if (existsSync(candidate)) return (JSON.parse(readFileSync(candidate, 'utf8')) as { version: string }).version;
  }
  return '0.1.0';
}

/** The ids (and chat names) of the runbooks already in these directories, with the file each came from. */
async function takenNames(deps: CommandDeps, dirs: string[]): Promise<Map<string, string>> {
  const config = configFrom(deps);
  const [{ chatName, loadRunbooks }, { runbookImporter }] = await Promise.all([import('../../runbook/registry.js'), import('../runbook-importer.js')]);
  const taken = new Map<string, string>();
  for (const dir of dirs.filter((d) => existsSync(d))) {
    const { registry } = await loadRunbooks(dir, runbookImporter(config, deps.cwd, () => undefined), deps.cwd);
    for (const rb of registry.list()) {
      const where = rb.source ?? dir;
      taken.set(rb.id, where);
      const chat = chatName(rb);
      if (chat) taken.set(chat, where);
    }
  }
  return taken;
}

/** A file-system failure, for the person who typed the command: where, and why in a word, never a stack. */
function cannotWrite(path: string, err: unknown): DroverError {
  const e = err as NodeJS.ErrnoException;
  const why = e.code === 'ENOTDIR' ? 'not a directory' : e.code === 'EACCES' || e.code === 'EPERM' ? 'permission denied' : e.code === 'EROFS' ? 'read-only file system' : (e.code ?? e.message);
  return new DroverError('params_invalid', `Cannot write ${path} (${why}): pick a directory you can write with --dir. Nothing was written.`, { cause: err });
}

/** A file of the same name as the runbook in any form the loader or the test runner would pick up. */
function existingFile(dir: string, id: string): string | undefined {
  if (!existsSync(dir)) return undefined;
  let listed: string[];
  try {
    listed = readdirSync(dir);
  } catch (err) {
    throw cannotWrite(dir, err);
  }
  const names = new Set(listed);
  return [`${id}.ts`, `${id}.mts`, `${id}.js`, `${id}.mjs`, `${id}.test.ts`].find((n) => names.has(n));
}

/** Writes a new file; never replaces one (the `wx` flag fails if it appeared meanwhile). */
async function writeNew(path: string, text: string): Promise<void> {
  try {
    await writeFile(path, text, { flag: 'wx' });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') throw new DroverError('runbook_invalid', `${path} already exists; it was left as it is.`, { cause: err });
    throw cannotWrite(path, err);
  }
}

/** Writes all the files or none: when one cannot be written, those written before it are removed. */
async function writeAll(files: [string, string][], created: (path: string) => void): Promise<void> {
  const written: string[] = [];
  try {
    for (const [path, text] of files) {
      await writeNew(path, text);
      written.push(path);
    }
  } catch (err) {
    await Promise.all(written.map((path) => unlink(path).catch(() => undefined)));
    throw err;
  }
  for (const path of written) created(path);
}

export function registerNewCommands(program: Command, deps: CommandDeps, _setExit: (code: number) => void): void {
  const create = program.command('new').description('Create things from a template: drover new runbook <id>');

  create
    .command('runbook <id>')
    .description('Write runbooks/<id>.ts (typed params, risk, approval, concurrency key, a step, a report) and its passing test, runbooks/<id>.test.ts')
    .option('--dir <dir>', 'where to write them; default: the configured runbooks directory (./runbooks)')
    .addOption(new Option('--risk <risk>', 'the runbook\'s risk; high asks for an approval before a real run').choices(['low', 'medium', 'high']).default('low'))
    .option('--init', 'also write a package.json and a tsconfig.json depending on drover, when the current directory has none')
    .action(async (id: string, opts: NewRunbookOptions) => {
      const problem = runbookIdProblem(id);
      if (problem) throw new DroverError('params_invalid', `${problem}.`);
      const config = configFrom(deps);
      const configured = resolve(deps.cwd, config.runbooks.dir);
      const dir = resolve(deps.cwd, opts.dir ?? config.runbooks.dir);
      const shown = (path: string) => relative(deps.cwd, path) || '.';

      const clash = existingFile(dir, id);
      if (clash) throw new DroverError('runbook_invalid', `${shown(join(dir, clash))} already exists: pick another id, or edit that file. Nothing was written.`);
      const taken = (await takenNames(deps, [...new Set([configured, dir])])).get(id);
      if (taken) throw new DroverError('runbook_invalid', `A runbook named "${id}" is already loaded from ${taken}: pick another id. Nothing was written.`);

      const project: ProjectFile[] = opts.init ? [packageJson(deps.cwd, droverVersion()), tsconfigJson()].filter((f) => !existsSync(join(deps.cwd, f.name))) : [];
      await mkdir(dir, { recursive: true }).catch((err: unknown) => {
        throw cannotWrite(dir, err);
      });
      const files: [string, string][] = [
        [join(dir, `${id}.ts`), runbookSource({ id, risk: opts.risk })],
        [join(dir, `${id}.test.ts`), runbookTestSource({ id, risk: opts.risk })],
        ...project.map((f): [string, string] => [join(deps.cwd, f.name), f.text]),
      ];
      await writeAll(files, (path) => deps.output.out(`created ${shown(path)}`));
      for (const line of projectAdvice(deps.cwd, Boolean(opts.init))) deps.output.err(`note: ${line}`);
      if (dir === configured && isDroverCheckout(deps.cwd)) deps.output.err(`note: ${SHIPPED_RUNBOOK_ADVICE}`);
      const selector = dir === configured ? id : `${id} --dir ${shown(dir)}`;
      deps.output.out(
        [
          '',
          'Next:',
          `  npx drover runbooks test ${selector}      # its test: a dry run and a real run on a sandbox cluster`,
          `  npx drover start                            # then, in the chat it offers: run ${id} deployment=web --dry-run`,
          `  npx drover run ${id} deployment=web --dry-run --wait`,
        ].join('\n'),
      );
    });
}
