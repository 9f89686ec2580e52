import { Command, CommanderError } from 'commander';
import { DroverError } from '../errors.js';
import type { CliDeps } from './deps.js';
import { EXIT } from './output.js';
import { registerRunbookCommands } from './commands/runbooks.js';
import { registerRunCommands } from './commands/run.js';
import { registerServerCommands } from './commands/servers.js';
import { registerAuditCommands } from './commands/audit.js';
import { registerPolicyCommands } from './commands/policy.js';

export type { CliDeps };

export function buildProgram(deps: CliDeps, setExit: (code: number) => void): Command {
  const program = new Command('drover')
    .description('Drover: Kubernetes runbooks as queued, audited jobs, driven from chat, alerts and the command line.')
    .showHelpAfterError()
    .exitOverride()
    .configureOutput({ writeOut: (s) => deps.output.out(s.trimEnd()), writeErr: (s) => deps.output.err(s.trimEnd()) });
  registerRunbookCommands(program, deps, setExit);
  registerRunCommands(program, deps, setExit);
  registerServerCommands(program, deps, setExit);
  registerAuditCommands(program, deps, setExit);
  registerPolicyCommands(program, deps, setExit);
  return program;
}

/** Runs the CLI; resolves to the process exit code. */
export async function runCli(argv: string[], deps: CliDeps): Promise<number> {
  let code: number = EXIT.ok;
  const program = buildProgram(deps, (c) => {
    code = c;
  });
  try {
    await program.parseAsync(argv, { from: 'user' });
    return code;
  } catch (err) {
    if (err instanceof CommanderError) return err.exitCode === 0 ? EXIT.ok : EXIT.usage;
    if (err instanceof DroverError) {
      deps.output.err(`error: ${err.message}`);
      if (err.code === 'redis_unavailable') return EXIT.unavailable;
      if (err.code === 'permission_denied') return EXIT.denied;
      return ['params_invalid', 'runbook_not_found', 'cluster_unknown', 'config_invalid', 'runbook_invalid', 'run_not_found'].includes(err.code)
        ? EXIT.usage
        : EXIT.failed;
    }
    deps.output.err(`error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
    return EXIT.failed;
  }
}
