/**
 * One Drover installation laid out as the chart does: Redis, the fakes,
 * `drover serve --no-worker` and separate `drover worker` processes, each a
 * process of its own. Stopped servers first, then the fakes, then Redis.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { freePort } from '../../support/free-port.js';
import { runDroverProcess } from '../../support/cli-process.js';
import { ALLOW_ALL_POLICY } from '../../support/test-drover.js';
import { waitFor } from '../../support/wait-for.js';
import { Fakes } from './fakes.js';
import { DroverProcess } from './processes.js';
import { startChaosRedis, type ChaosRedis } from './redis.js';

export const WEBHOOK_TOKEN = 'chaos-webhook-token-0123456789';
export const SIGNING_SECRET = 'chaos-signing-secret-0123456789abcdef';
export const PREFIX = 'chaos';
/** Planted in alerts and request bodies, always in a shape a redactor must know (a GitHub token, `password=`); any occurrence in a sink is a leak. */
export const CANARIES = ['ghp_ChaosCanary0123456789abcdefghijABCDE', 'hunter2-chaos-canary-pw'] as const;

export interface StackOptions {
  deployments?: number;
  fsync?: 'everysec' | 'always';
  /** Merged over the suite's configuration file. */
  config?: Record<string, unknown>;
  slack?: boolean;
  /** Keys the audit chain (DROVER_AUDIT_KEY) and writes the audit file (DROVER_AUDIT_FILE, `auditFile`) for every process. */
  auditKey?: string;
}

function baseConfig(): Record<string, unknown> {
  return {
    worker: { concurrency: 4, lockDuration: '5s' },
    jobs: { backoff: '200ms', maxBackoff: '2s' },
    clusters: { requestTimeout: '5s' },
    alerts: { clusterMaxRuns: 1_000_000, defaultMaxRuns: 1000, defaultCooldown: '1ms', watchFor: '5s' },
  };
}

export class Stack {
  serve: DroverProcess | undefined;
  readonly workers: DroverProcess[] = [];
  /** Every Drover process ever started here, for the crash and leak counts. */
  private readonly all: DroverProcess[] = [];
  private workerCount = 0;

  private constructor(
    readonly dir: string,
    readonly redis: ChaosRedis,
    readonly fakes: Fakes,
    readonly port: number,
    private readonly env: Record<string, string>,
  ) {}

  static async start(options: StackOptions = {}): Promise<Stack> {
    const dir = mkdtempSync(join(tmpdir(), 'drover-chaos-'));
    const redis = await startChaosRedis(options.fsync);
    const fakes = await Fakes.start(dir, options.deployments ?? 50);
    const config = { ...baseConfig(), ...options.config };
    writeFileSync(join(dir, 'config.yaml'), stringify(config));
    const env: Record<string, string> = {
      REDIS_URL: redis.url,
      DROVER_REDIS_PREFIX: PREFIX,
      KUBECONFIG: join(dir, 'kubeconfig'),
      DROVER_SANDBOX: 'off',
      DROVER_CONFIG: join(dir, 'config.yaml'),
      DROVER_POLICY: ALLOW_ALL_POLICY,
      DROVER_HTTP_HOST: '127.0.0.1',
      ALERTMANAGER_WEBHOOK_TOKEN: WEBHOOK_TOKEN,
      LOG_LEVEL: 'info',
      ...(options.slack
        ? { SLACK_BOT_TOKEN: 'xoxb-chaos-bot', SLACK_SIGNING_SECRET: SIGNING_SECRET, SLACK_API_URL: fakes.slackUrl, DROVER_SLACK_MODE: 'http', DROVER_ALERTS_CHANNEL: 'C0ALERTS' }
        : {}),
      ...(options.auditKey ? { DROVER_AUDIT_KEY: options.auditKey, DROVER_AUDIT_FILE: join(dir, 'audit.jsonl') } : {}),
    };
    return new Stack(dir, redis, fakes, await freePort(), env);
  }

  /** The audit file every process writes, when the stack was started with an audit key. */
  get auditFile(): string | undefined {
    return this.env.DROVER_AUDIT_FILE;
  }

  /** `drover <args>` as a process of its own against this stack, to its end. */
  cli(args: string[], timeoutMs = 60_000): Promise<{ code: number | null; out: string; err: string }> {
    return runDroverProcess(args, this.env, timeoutMs);
  }

  get base(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  async startServe(): Promise<DroverProcess> {
    const serve = new DroverProcess('serve', ['serve', '--no-worker'], { ...this.env, PORT: String(this.port) }, CANARIES);
    this.serve = serve;
    this.all.push(serve);
    await waitFor(async () => {
      if (!serve.alive) throw new Error('serve exited while starting');
      return fetch(`${this.base}/healthz`).then((r) => r.ok, () => false);
    }, 'drover serve to answer /healthz', 60_000);
    return serve;
  }

  async startWorker(): Promise<DroverProcess> {
    const port = await freePort();
    const worker = new DroverProcess(`worker-${++this.workerCount}`, ['worker'], { ...this.env, PORT: String(port) }, CANARIES);
    this.workers.push(worker);
    this.all.push(worker);
    await worker.waitForOutput('worker started');
    return worker;
  }

  /** `drover agent --cluster <cluster>` on this stack's fake cluster, as the agent's Redis user (`redisUrl`). */
  async startAgent(cluster: string, redisUrl: string): Promise<DroverProcess> {
    const port = await freePort();
    const agent = new DroverProcess(`agent-${cluster}-${++this.workerCount}`, ['agent', '--cluster', cluster], { ...this.env, REDIS_URL: redisUrl, PORT: String(port) }, CANARIES);
    this.workers.push(agent);
    this.all.push(agent);
    await agent.waitForOutput('agent started');
    return agent;
  }

  liveWorkers(): DroverProcess[] {
    return this.workers.filter((w) => w.alive);
  }

  crashes(): number {
    return this.all.reduce((n, p) => n + p.crashes, 0);
  }

  /** Planted secrets found in process output, Slack messages and the audit stream: the total, with where when any. */
  async leaks(): Promise<number | string> {
    const count = (text: string): number => CANARIES.reduce((s, c) => s + text.split(c).length - 1, 0);
    const logs = this.all.reduce((sum, p) => sum + p.leaks, 0);
    const slack = count(JSON.stringify(await this.fakes.slackCalls()));
    const redis = this.redis.client();
    const audit = await redis
      .xrange(`${PREFIX}:audit`, '-', '+')
      .then((events) => count(JSON.stringify(events)))
      .finally(() => redis.disconnect());
    const total = logs + slack + audit;
    return total ? `${total} (logs ${logs}, Slack ${slack}, audit ${audit})` : 0;
  }

  /** Stops everything, bounded: Drover processes, then the fakes, then Redis. */
  async stop(): Promise<void> {
    await Promise.all(this.all.map((p) => p.stop('SIGTERM', 10_000)));
    await this.fakes.stop();
    await this.redis.stop();
    rmSync(this.dir, { recursive: true, force: true });
  }
}
