import type { Logger } from 'pino';
import type { AuditLog } from '../audit/audit-log.js';
import { asDroverError } from '../errors.js';
import type { K8sOps } from '../k8s/types.js';
import { unconfiguredServices, type CtxServices } from './ctx-services.js';
import type { Requester, RunContext, RunLogger, StepContext, StepOptions } from '../runbook/types.js';
import type { RunRecord } from './run-record.js';
import type { RunStore } from './run-store.js';
import type { Tracer } from '@opentelemetry/api';
import { stepSpan, type StepEnd } from '../tracing/step-span.js';
import { isRunParked } from './run-parked.js';

export interface RunContextDeps {
  run: RunRecord;
  attempt: number;
  signal: AbortSignal;
  k8s: K8sOps;
  store: RunStore;
  audit: AuditLog;
  logger: Logger;
  /** Removes the run's own secret values from text people will read. */
  scrub?: (text: string) => string;
  /**
   * Stops the run: someone asked to cancel it (the durable flag, read before
   * every step, so a missed pub/sub message cannot let it go on). Answers the
   * error to throw.
   */
  cancelled: (by: Requester) => Error;
  /** The run's run.started event, appended while its first step begins: no step's own event (nor its effect) goes before it. */
  audited?: Promise<unknown>;
  /** Traces each step (a span around it, parent of its Kubernetes calls); absent when tracing is off. */
  tracer?: Tracer;
  /** ctx.prometheus and ctx.http; by default none configured. */
  services?: CtxServices;
}

/** Refuses calls once the run is cancelled or timed out, so no mutation (nor request) starts after that. */
function guard<T extends object>(k8s: T, signal: AbortSignal): T {
  return new Proxy(k8s, {
    get(target, prop, receiver) {
      const value: unknown = Reflect.get(target, prop, receiver);
      if (typeof value !== 'function') return value;
      return (...args: unknown[]) => {
        signal.throwIfAborted();
        return (value as (...a: unknown[]) => unknown).apply(target, args);
      };
    },
  });
}

function runLogger(logger: Logger, scrub: (text: string) => string): RunLogger {
  return {
    debug: (msg, fields) => logger.debug(fields ?? {}, scrub(msg)),
    info: (msg, fields) => logger.info(fields ?? {}, scrub(msg)),
    warn: (msg, fields) => logger.warn(fields ?? {}, scrub(msg)),
    error: (msg, fields) => logger.error(fields ?? {}, scrub(msg)),
  };
}

/** The ctx a runbook's run() receives. */
export function createRunContext(deps: RunContextDeps): RunContext {
  const { run, attempt, signal, store, audit } = deps;
  const scrub = deps.scrub ?? ((text: string) => text);
  const occurrences = new Map<string, number>();
  const services = deps.services ?? unconfiguredServices({ runId: run.id, cluster: run.cluster, dryRun: run.dryRun, signal, audit, onChange: () => undefined });

  async function step<T>(name: string, fn: (s: StepContext) => Promise<T> | T, options: StepOptions = {}): Promise<T> {
    signal.throwIfAborted();
    // The n-th step of a given name is the same step on every attempt, so a
    // retried run finds its checkpoints as long as it calls steps in the same order.
    const n = (occurrences.get(name) ?? 0) + 1;
    occurrences.set(name, n);
    const key = n === 1 ? name : `${name}#${n}`;
    return stepSpan(deps.tracer, { name, key, runId: run.id, attempt }, (outcome) => runStep(key, fn, options, outcome));
  }

  async function runStep<T>(key: string, fn: (s: StepContext) => Promise<T> | T, options: StepOptions, outcome: StepEnd): Promise<T> {
    // The cancel flag, the checkpoint and the step's start, in one round trip.
    const [begun] = await Promise.all([store.beginStep(run.id, key, Boolean(options.skipInDryRun && run.dryRun)), deps.audited]);
    if (begun.kind === 'cancel') throw deps.cancelled(begun.by);
    if (begun.kind === 'done') {
      outcome('replayed');
      await audit.append({ type: 'run.step.finished', runId: run.id, step: key, attempt, outcome: 'replayed', durationMs: 0 });
      return begun.checkpoint.value as T;
    }
    if (begun.kind === 'skipped') {
      outcome('skipped');
      await audit.append({ type: 'run.step.finished', runId: run.id, step: key, attempt, outcome: 'skipped', durationMs: 0 });
      return undefined as T;
    }
    const { execution, firstStartedAt } = begun;
    await audit.append({ type: 'run.step.started', runId: run.id, step: key, attempt, execution });
    const started = performance.now();
    try {
      const value = await fn({ signal, execution, firstStartedAt });
      const durationMs = Math.round(performance.now() - started);
      // JSON round trip now, so the first run sees exactly what a replay would.
      const stored = value === undefined ? undefined : (JSON.parse(JSON.stringify(value)) as T);
      await Promise.all([
        store.endStep(run.id, key, stored, { type: 'step', step: key, phase: 'succeeded', durationMs }),
        audit.append({ type: 'run.step.finished', runId: run.id, step: key, attempt, outcome: 'succeeded', durationMs }),
      ]);
      outcome('succeeded');
      return stored as T;
    } catch (err) {
      const durationMs = Math.round(performance.now() - started);
      if (isRunParked(err) && !signal.aborted) {
        // Not a failure: the step runs again when the run wakes.
        outcome('parked');
        await audit.append({ type: 'run.step.finished', runId: run.id, step: key, attempt, outcome: 'parked', durationMs });
        throw err;
      }
      const e = asDroverError(signal.aborted && signal.reason !== undefined ? signal.reason : err);
      const error = { code: e.code, message: scrub(e.message) };
      outcome('failed', error);
      await store.emit(run.id, { type: 'step', step: key, phase: 'failed', durationMs, error });
      await audit.append({ type: 'run.step.finished', runId: run.id, step: key, attempt, outcome: 'failed', durationMs, error });
      throw err;
    }
  }

  return {
    runId: run.id,
    runbookId: run.runbook,
    cluster: run.cluster,
    dryRun: run.dryRun,
    requester: run.requester,
    attempt,
    signal,
    k8s: guard(deps.k8s, signal),
    prometheus: guard(services.prometheus, signal),
    http: guard(services.http, signal),
    log: runLogger(deps.logger, scrub),
    step,
    report: (text) => store.emit(run.id, { type: 'report', text: scrub(text) }),
  };
}
