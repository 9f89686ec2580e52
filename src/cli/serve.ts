import { createServer, type Server } from 'node:http';
import type { ChildProcess } from 'node:child_process';
import { listen } from '../http/listen.js';
import { DroverError } from '../errors.js';
import type { CommandDeps } from './deps.js';
import { configFrom, openRuntime, type Runtime } from './runtime.js';
import { ensureLocalRedis, stopLocalRedis } from './local-redis.js';
import { runTerminalChat } from '../chat/terminal-chat.js';
import { slackSettingsFrom } from '../app.js';
import { startHints } from './start-hints.js';
import { sandboxPolicyApplies } from './policy-from-config.js';

async function listenOrExplain(server: Server, port: number, host: string): Promise<number> {
  try {
    return await listen(server, port, host);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EADDRINUSE') {
      throw new DroverError('config_invalid', `Port ${port} is already in use; set PORT to another port.`, { cause: err });
    }
    throw err;
  }
}

export interface ServeOptions {
  worker: boolean;
  http: boolean;
  /** Developer conveniences: start a local Redis if none answers, print a guide, offer the terminal chat. */
  local: boolean;
  /** Takes Slack's requests and events and Alertmanager's webhook; false for `drover worker`, which holds the Kubernetes credentials. */
  inbound: boolean;
  /** Reload runbooks when their files change (start; worker and serve only with --watch-runbooks or runbooks.watch). */
  watchRunbooks?: boolean;
}

export function terminalChat(deps: CommandDeps, rt: Runtime): Promise<void> {
  const { drover } = rt;
  return runTerminalChat({
    commands: drover.chat,
    store: drover.store,
    redis: rt.redis,
    prefix: rt.config.redis.prefix,
    logger: rt.logger,
    input: deps.input,
    print: (text) => deps.output.out(text),
    redactor: drover.redactor,
    requester: { kind: 'cli', id: deps.user, name: deps.user },
    command: rt.config.slack.command,
    listClusters: drover.listClusters,
    stop: deps.stopSignal,
    sandbox: sandboxPolicyApplies(rt.config, { ...(deps.env.HOME ? { home: deps.env.HOME } : {}), ...(deps.env.KUBERNETES_SERVICE_HOST ? { serviceHost: deps.env.KUBERNETES_SERVICE_HOST } : {}) }),
  });
}

/** `worker`, `serve` and `start`: runs until the process is asked to stop. */
export async function serve(deps: CommandDeps, options: ServeOptions): Promise<void> {
  let child: ChildProcess | undefined;
  let redis;
  if (options.local && !deps.env.REDIS_URL) {
    const local = await ensureLocalRedis(configFrom(deps).redis.url, deps.env.PATH, (l) => deps.output.err(l));
    redis = local.redis;
    child = local.child;
  }
  let rt: Runtime | undefined;
  let server: Server | undefined;
  let watcher: { close(): void } | undefined;
  try {
    const chatInTerminal = options.local && deps.interactive && !configFrom(deps).slack.botToken;
    rt = await openRuntime(deps, { withClusters: options.worker, inbound: options.inbound, ...(redis ? { redis } : {}), ...(chatInTerminal ? { logLevel: 'warn' } : {}) });
    const { drover, config, logger } = rt;
    if (drover.slack) {
      await drover.slack.start({ receive: options.inbound });
      logger.info({ mode: slackSettingsFrom(config.slack)?.mode, command: config.slack.command }, 'Slack app started');
    }
    // Development: runbooks reload when their files change (drover start, --watch-runbooks, runbooks.watch).
    if (options.watchRunbooks || config.runbooks.watch) {
      const { startRunbookReload } = await import('./runbook-reload.js');
      watcher = startRunbookReload(rt.runbooks, deps.cwd, logger, options.local ? (line) => deps.output.err(line) : undefined, () => drover.schedules.reconcile());
    }
    drover.startHousekeeping();
    // Every serving process reconciles the runbooks' schedules and takes their fires (BullMQ gives each fire to one).
    const schedules = await drover.schedules.start();
    if (schedules.length) logger.info({ schedules: schedules.map((s) => `${s.id} next ${s.nextLocal ?? '-'}`) }, 'schedules registered');
    if (options.http) {
      server = createServer(drover.router.listener);
      const port = await listenOrExplain(server, config.http.port, config.http.host);
      logger.info({ port }, 'HTTP server listening (/metrics, /healthz, /readyz)');
    }
    if (options.worker) {
      await drover.startWorker();
      logger.info({ clusters: drover.clusters?.names(), default: drover.clusters?.defaultName, runbooks: drover.runbooks.size }, 'worker started');
    }
    if (options.local) {
      const cluster = drover.clusters?.defaultName ?? '<cluster>';
      deps.output.err(
        [
          '',
          `Drover is running: ${drover.runbooks.size} runbooks, clusters: ${drover.clusters?.names().join(', ') ?? '-'} (default ${cluster}).`,
          `Metrics: http://localhost:${config.http.port}/metrics`,
          'In another terminal, try:',
          ...startHints(drover.runbooks.list()).map((line) => `  ${line}`),
          chatInTerminal ? 'Or type chat commands below, as you would in Slack (no Slack credentials are configured).' : '',
          '',
        ].join('\n'),
      );
    }
    const signal = chatInTerminal ? await Promise.race([deps.stopSignal, terminalChat(deps, rt).then(() => 'end of input')]) : await deps.stopSignal;
    logger.info({ signal }, 'stopping: finishing runs in progress');
  } finally {
    watcher?.close();
    if (server) await new Promise((r) => server?.close(r));
    await rt?.close();
    if (redis && !rt) redis.disconnect();
    if (redis && rt) await redis.quit().catch(() => undefined);
    await stopLocalRedis(child);
  }
}

