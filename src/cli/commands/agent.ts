import type { Command } from 'commander';
import type { CommandDeps } from '../deps.js';
import type { AgentOptions } from '../agent-options.js';

// The agent's code (the worker, the Kubernetes client) loads only when an agent starts.
const runAgent = async (deps: CommandDeps, options: AgentOptions) => (await import('../agent-serve.js')).serveAgent(deps, options);


/** `drover agent`: the worker that lives in one cluster; its `token` sub-commands are run centrally. */
export function registerAgentCommands(program: Command, deps: CommandDeps, setExit: (code: number) => void, more?: (agent: Command) => void): Command {
  const agent = program
    .command('agent')
    .description(
      'Run in one cluster and take only its runs, over an outbound connection to the central Redis (REDIS_URL rediss://…, made by `drover agent token create`); serves /metrics, /healthz, /readyz only',
    )
    .option('--cluster <name>', 'the agent cluster this agent serves (or DROVER_CLUSTER)')
    .option('--context <name>', 'outside a cluster: the kubeconfig context to act on (default: the current one)')
    .action(async (opts: AgentOptions) => {
      await runAgent(deps, opts);
      setExit(0);
    });
  more?.(agent);
  return agent;
}
