/**
 * The two ends of the queue as messaging spans: `send <queue>` (PRODUCER)
 * where jobs are added, its context written into each job's data; and
 * `process <queue>` (CONSUMER) per attempt on a worker, a child of that
 * context, so the trace survives Redis, a worker restart and every retry.
 */
import { ROOT_CONTEXT, SpanKind, context, trace, type Tracer } from '@opentelemetry/api';
import { DelayedError, UnrecoverableError, type Job } from 'bullmq';
import {
  ATTR_DROVER_ATTEMPT,
  ATTR_DROVER_DRY_RUN,
  ATTR_DROVER_OUTCOME,
  ATTR_DROVER_PHASE,
  ATTR_DROVER_RUNBOOK,
  ATTR_DROVER_RUN_ID,
  ATTR_K8S_CLUSTER_NAME,
  ATTR_MESSAGING_BATCH_MESSAGE_COUNT,
  ATTR_MESSAGING_DESTINATION_NAME,
  ATTR_MESSAGING_MESSAGE_ID,
  ATTR_MESSAGING_OPERATION_NAME,
  ATTR_MESSAGING_OPERATION_TYPE,
  ATTR_MESSAGING_SYSTEM,
  MESSAGING_SYSTEM,
} from './attributes.js';
import { attributes, errorType, inSpan, recordError } from './spans.js';
import { carrierOf, contextFrom, type TraceCarrier } from './trace-context.js';

/** A run's job data (JobData in the queue), with the trace context it carries. */
export interface TracedJobData {
  runId: string;
  runbook: string;
  cluster: string;
  dryRun: boolean;
  /** `plan`: the dry run a proposal shows its approvers; absent: the run itself. */
  phase?: 'plan';
  /** W3C trace context of the span that queued it: the worker's spans continue that trace, after a restart too. */
  trace?: TraceCarrier;
  /** The span of the attempt before, when it failed to be retried: the next attempt links to it. */
  previousAttempt?: TraceCarrier;
}

/** The jobs one add (or bulk add) puts on the queue. */
export interface SendInfo {
  queue: string;
  runs: ReadonlyArray<{ id: string; runbook: string; dryRun: boolean }>;
  phase?: 'plan';
}

/**
 * Runs `add` inside a `send <queue>` span; `add` gets the fields to spread
 * into each job's data (nothing when tracing is off).
 */
export function sendSpan<T>(tracer: Tracer | undefined, info: SendInfo, add: (fields: { trace?: TraceCarrier }) => Promise<T>): Promise<T> {
  if (!tracer) return add({});
  const one = info.runs.length === 1 ? info.runs[0] : undefined;
  return inSpan(
    tracer,
    `send ${info.queue}`,
    {
      kind: SpanKind.PRODUCER,
      attributes: attributes({
        [ATTR_MESSAGING_SYSTEM]: MESSAGING_SYSTEM,
        [ATTR_MESSAGING_DESTINATION_NAME]: info.queue,
        [ATTR_MESSAGING_OPERATION_TYPE]: 'send',
        [ATTR_MESSAGING_OPERATION_NAME]: one ? 'add' : 'addBulk',
        [ATTR_MESSAGING_BATCH_MESSAGE_COUNT]: one ? undefined : info.runs.length,
        [ATTR_MESSAGING_MESSAGE_ID]: one?.id,
        [ATTR_DROVER_RUN_ID]: one?.id,
        [ATTR_DROVER_RUNBOOK]: one?.runbook,
        [ATTR_DROVER_DRY_RUN]: one?.dryRun,
        [ATTR_DROVER_PHASE]: info.phase ?? 'run',
      }),
    },
    () => {
      const carrier = carrierOf(context.active());
      return add(carrier ? { trace: carrier } : {});
    },
  );
}

/** Sets the run's outcome on the span of the attempt in progress (the worker knows it when it finishes the run). */
export function setOutcome(outcome: string): void {
  trace.getActiveSpan()?.setAttribute(ATTR_DROVER_OUTCOME, outcome);
}

/**
 * Runs one attempt of a job inside a `process <queue>` span: a child of the
 * context the job was sent with, and linked to it as the messaging
 * conventions ask; each retry is one more such span in the same trace,
 * linked to the attempt before it too.
 * A job moved back to wait for its target is no failure.
 */
export function processSpan<R extends { state: string }>(tracer: Tracer | undefined, job: Job<TracedJobData>, work: () => Promise<R>): Promise<R> {
  if (!tracer) return work();
  const { data } = job;
  const parent = contextFrom(ROOT_CONTEXT, data.trace);
  const sent = trace.getSpanContext(parent);
  const previous = trace.getSpanContext(contextFrom(ROOT_CONTEXT, data.previousAttempt));
  const links = [sent, previous].flatMap((linked) => (linked ? [{ context: linked }] : []));
  const attemptsLeft = (job.opts.attempts ?? 1) - job.attemptsMade - 1;
  return inSpan(
    tracer,
    `process ${job.queueName}`,
    {
      kind: SpanKind.CONSUMER,
      parent,
      links,
      attributes: attributes({
        [ATTR_MESSAGING_SYSTEM]: MESSAGING_SYSTEM,
        [ATTR_MESSAGING_DESTINATION_NAME]: job.queueName,
        [ATTR_MESSAGING_OPERATION_TYPE]: 'process',
        [ATTR_MESSAGING_OPERATION_NAME]: 'process',
        [ATTR_MESSAGING_MESSAGE_ID]: job.id,
        [ATTR_DROVER_RUN_ID]: data.runId,
        [ATTR_DROVER_RUNBOOK]: data.runbook,
        [ATTR_K8S_CLUSTER_NAME]: data.cluster,
        [ATTR_DROVER_DRY_RUN]: data.dryRun,
        [ATTR_DROVER_PHASE]: data.phase ?? 'run',
        [ATTR_DROVER_ATTEMPT]: job.attemptsMade + 1,
      }),
    },
    async (s) => {
      try {
        const result = await work();
        s?.setAttribute(ATTR_DROVER_OUTCOME, result.state);
        return result;
      } catch (err) {
        if (err instanceof DelayedError) {
          s?.setAttribute(ATTR_DROVER_OUTCOME, 'waiting');
        } else if (err instanceof UnrecoverableError) {
          // Its outcome (failed, timed-out) was set when the run finished; its message is the scrubbed one people see.
          if (s) recordError(s, err);
        } else {
          s?.setAttribute(ATTR_DROVER_OUTCOME, attemptsLeft > 0 ? 'retrying' : 'failed');
          // The code only: the message of an error to retry has not been scrubbed of the run's secrets.
          if (s) recordError(s, err, errorType(err));
          // The retry, in the same trace, links back to this attempt (the job's data outlives this worker).
          const self = carrierOf(context.active());
          if (attemptsLeft > 0 && self) await job.updateData({ ...data, previousAttempt: self }).catch(() => undefined);
        }
        throw err;
      }
    },
    () => false,
  );
}
