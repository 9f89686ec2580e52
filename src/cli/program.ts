import { Command, CommanderError } from 'commander';
import { DroverError } from '../errors.js';
import type { CliDeps, CommandDeps } from './deps.js';
import { EXIT, printer } from './output.js';
import { configFrom } from './config-from.js';
import { defaultRedactor, Redactor } from '../redact/redactor.js';
import { registerRunbookCommands } from './commands/runbooks.js';
import { registerRunCommands } from './commands/run.js';
import { registerServerCommands } from './commands/servers.js';
import { registerAuditCommands } from './commands/audit.js';
import { registerPolicyCommands } from './commands/policy.js';
import { registerScheduleCommands } from './commands/schedules.js';
import { registerNewCommands } from './commands/new-runbook.js';
import { registerAgentCommands } from './commands/agent.js';
import { registerAgentTokenCommands } from './commands/agent-token.js';
import { registerRolloutCommands } from './commands/rollout.js';
import { registerClusterCommands } from './commands/clusters.js';

export type { CliDeps };

export function buildProgram(deps: CommandDeps, setExit: (code: number) => void): Command {
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
  registerScheduleCommands(program, deps);
  registerNewCommands(program, deps, setExit);
  registerAgentCommands(program, deps, setExit, (agent) => registerAgentTokenCommands(agent, deps, setExit));
  registerRolloutCommands(program, deps, setExit);
  registerClusterCommands(program, deps, setExit);
  return program;
}

/** The configured redactor; the built-in rules when the configuration cannot be read (the command then says why). */
function redactorFor(deps: CliDeps): Redactor {
  try {
    return new Redactor(configFrom(deps).redaction.patterns);
  } catch {
    return defaultRedactor;
  }
}

/** Runs the CLI; resolves to the process exit code. */
export async function runCli(argv: string[], cli: CliDeps): Promise<number> {
  const deps: CommandDeps = { ...cli, output: printer(cli.output, redactorFor(cli)) };
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
