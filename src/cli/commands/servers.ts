import type { Command } from 'commander';
import type { CommandDeps } from '../deps.js';
import type { ServeOptions } from '../serve.js';
import { withClient } from '../lazy-runtime.js';

// The servers' code (the app, Slack, the queue, the Kubernetes client) loads only when one starts.
const serve = async (deps: CommandDeps, options: ServeOptions) => (await import('../serve.js')).serve(deps, options);

export function registerServerCommands(program: Command, deps: CommandDeps, _setExit: (code: number) => void): void {
  program
    .command('chat')
    .description('Chat with Drover in the terminal: the same commands and messages as in Slack (needs a running worker)')
    .action(async () => {
      const { terminalChat } = await import('../serve.js');
      await withClient(deps, async (rt) => {
        await Promise.race([terminalChat(deps, rt), deps.stopSignal]);
      });
    });

  program
    .command('worker')
    .description('Run jobs: takes runs off the queue and executes them against the clusters (serves /metrics, /healthz, /readyz; takes no Slack or Alertmanager traffic)')
    .option('--watch-runbooks', 'reload runbooks when their files change (for development; production loads them once)')
    .action((opts: { watchRunbooks?: boolean }) => serve(deps, { worker: true, http: true, local: false, inbound: false, watchRunbooks: opts.watchRunbooks === true }));

  program
    .command('serve')
    .description('The HTTP server (/metrics, /healthz, /readyz) and, unless --no-worker, a worker')
    .option('--no-worker', 'do not run jobs in this process')
    .option('--watch-runbooks', 'reload runbooks when their files change (for development; production loads them once)')
    .action((opts: { worker: boolean; watchRunbooks?: boolean }) => serve(deps, { worker: opts.worker, http: true, local: false, inbound: true, watchRunbooks: opts.watchRunbooks === true }));

  program
    .command('start')
    .description('Everything in one process, for trying Drover: starts a local Redis and a sandbox cluster if needed')
    .action(() => serve(deps, { worker: true, http: true, local: true, inbound: true, watchRunbooks: true }));
}
