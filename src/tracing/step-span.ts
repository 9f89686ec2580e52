import { SpanStatusCode, type Tracer } from '@opentelemetry/api';
import { ATTR_DROVER_ATTEMPT, ATTR_DROVER_OUTCOME, ATTR_DROVER_RUN_ID, ATTR_DROVER_STEP, ATTR_DROVER_STEP_KEY, ATTR_ERROR_TYPE } from './attributes.js';
import { inSpan } from './spans.js';

/** How a step ended, as its span tells it: the error already scrubbed of the run's secrets. */
export type StepEnd = (outcome: string, error?: { code: string; message: string }) => void;

/**
 * `step <name>` around one ctx.step: the active span while the step's
 * function runs, so its Kubernetes calls are its children. The error the
 * step records is the run's scrubbed one, not the raw exception.
 */
export function stepSpan<T>(tracer: Tracer | undefined, step: { name: string; key: string; runId: string; attempt: number }, run: (end: StepEnd) => Promise<T>): Promise<T> {
  if (!tracer) return run(() => undefined);
  let told = false;
  return inSpan(
    tracer,
    `step ${step.name}`,
    { attributes: { [ATTR_DROVER_STEP]: step.name, [ATTR_DROVER_STEP_KEY]: step.key, [ATTR_DROVER_RUN_ID]: step.runId, [ATTR_DROVER_ATTEMPT]: step.attempt } },
    (span) =>
      run((outcome, error) => {
        told = true;
        span?.setAttribute(ATTR_DROVER_OUTCOME, outcome);
        if (!error) return;
        span?.recordException({ name: error.code, message: error.message });
        span?.setAttribute(ATTR_ERROR_TYPE, error.code);
        span?.setStatus({ code: SpanStatusCode.ERROR, message: error.message });
      }),
    // A failure the step told is recorded above, scrubbed; one before the step began (cancelled) as it is.
    () => !told,
  );
}
