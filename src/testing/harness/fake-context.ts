import type { K8sOps } from '../../k8s/types.js';
import type { HttpOps } from '../../outbound/http-types.js';
import type { PrometheusOps } from '../../prometheus/types.js';
import type { Requester, RunContext, Runbook, StepOptions } from '../../runbook/types.js';

/** What a fake ctx is built from; everything is optional. */
export interface FakeContextOptions {
  /** The params `run()` gets from the answer's `run(runbook)` (parsed by the runbook's schema, defaults filled in). */
  params?: Record<string, unknown>;
  /** The ctx.k8s calls the runbook makes, as functions; a call not given fails, naming it. */
  k8s?: Partial<K8sOps>;
  /** The ctx.prometheus calls the runbook makes (`value`, `query`...); a call not given fails, naming it. */
  prometheus?: Partial<PrometheusOps>;
  /** ctx.http's `request`, answering as the test needs. */
  http?: Partial<HttpOps>;
  /** Anything else on ctx, as the runbook uses it. */
  extra?: Record<string, unknown>;
  dryRun?: boolean;
  cluster?: string;
  requester?: Requester;
  /** The step's `execution` (2 or more: as if a worker died inside the step and it runs again). */
  execution?: number;
  signal?: AbortSignal;
}

/** One step as the fake ctx ran it. */
export interface FakeStep {
  name: string;
  /** True when skipped (dry run and `skipInDryRun`). */
  skipped: boolean;
}

export interface FakeContext {
  ctx: RunContext;
  /** Lines the runbook reported, in order. */
  reports: string[];
  /** Steps in the order they ran. */
  steps: FakeStep[];
  /** Log lines (`ctx.log`), as `level: message`. */
  logs: string[];
  /** Runs `runbook` with this ctx and the options' params (or `params`), parsed by its schema as Drover does. */
  run(runbook: Runbook, params?: Record<string, unknown>): Promise<unknown>;
}

/** An object whose every member fails, naming what the test did not fake. */
function notFaked(path: string): unknown {
  return new Proxy(
    {},
    {
      get(_, member) {
        if (typeof member === 'symbol' || member === 'then') return undefined;
        return () => Promise.reject(new Error(`${path}.${member} is not faked: give it to fakeContext (for example fakeContext({ k8s: { ${member}: async () => ... } })).`));
      },
    },
  );
}

/**
 * A `ctx` without Drover, Redis or a cluster, for pure unit tests of a
 * runbook's logic: steps run at once (skipped in a dry run when they ask),
 * reports and logs are collected, and ctx.k8s answers with the functions given.
 *
 * @example
 * ```ts
 * const { run, reports } = fakeContext({
 *   params: { namespace: 'demo', deployment: 'web' },
 *   k8s: { getDeployment: async () => ({ spec: { replicas: 3 } }), restartDeployment: async () => change },
 * });
 * await run(restartDeployment);
 * assert.match(reports[0] ?? '', /Restarted demo\/web/);
 * ```
 */
export function fakeContext(options: FakeContextOptions = {}): FakeContext {
  const reports: string[] = [];
  const steps: FakeStep[] = [];
  const logs: string[] = [];
  const dryRun = options.dryRun ?? false;
  const cluster = options.cluster ?? 'sandbox';
  const signal = options.signal ?? new AbortController().signal;
  const firstStartedAt = new Date().toISOString();
  /** `given`'s members, and for any other a function that fails naming `path.member`. */
  const door = (path: string, given: object) =>
    new Proxy(given as Record<string | symbol, unknown>, {
      get: (target, member) => (member in target ? target[member] : (notFaked(path) as Record<string | symbol, unknown>)[member]),
    });
  const k8s = door('ctx.k8s', { cluster, dryRun, ...options.k8s }) as unknown as K8sOps;
  const log = (level: string) => (message: string) => void logs.push(`${level}: ${message}`);
  const base = {
    runId: 'r-fake',
    runbookId: 'fake',
    cluster,
    dryRun,
    requester: options.requester ?? { kind: 'slack', id: 'U_AUTHOR', name: 'author' },
    attempt: 1,
    signal,
    k8s,
    prometheus: door('ctx.prometheus', { configured: options.prometheus !== undefined, ...options.prometheus }),
    http: door('ctx.http', { ...options.http }),
    log: { debug: log('debug'), info: log('info'), warn: log('warn'), error: log('error') },
    async step<T>(name: string, fn: (step: { signal: AbortSignal; execution: number; firstStartedAt: string }) => Promise<T> | T, stepOptions?: StepOptions): Promise<T> {
      if (signal.aborted) throw new Error('The run was cancelled.');
      if (dryRun && stepOptions?.skipInDryRun) {
        steps.push({ name, skipped: true });
        return undefined as T;
      }
      steps.push({ name, skipped: false });
      const value = await fn({ signal, execution: options.execution ?? 1, firstStartedAt });
      // As the engine checkpoints it: a JSON round trip, so the test sees what a replayed step would return.
      return value === undefined ? value : (JSON.parse(JSON.stringify(value)) as T);
    },
    report(text: string) {
      reports.push(text);
      return Promise.resolve();
    },
    ...options.extra,
  } as Record<string | symbol, unknown>;
  const ctx = new Proxy(base, {
    get: (target, member) => (member in target ? target[member] : typeof member === 'string' && member !== 'then' ? notFaked(`ctx.${member}`) : undefined),
  }) as unknown as RunContext;
  return {
    ctx,
    reports,
    steps,
    logs,
    run: (runbook, params) => runbook.run(ctx, runbook.params.parse(params ?? options.params ?? {})),
  };
}
