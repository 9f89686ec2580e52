import { isObject } from './json.js';
import type { DeleteOptionsInput } from './registry.js';

/** DeleteOptions as a JSON object carries them: a DELETE's body, or an Eviction's `deleteOptions`. */
export function deleteOptionsFromBody(body: Record<string, unknown>): { options: DeleteOptionsInput; dryRun: string[] } {
  const options: DeleteOptionsInput = {};
  if (typeof body.gracePeriodSeconds === 'number') options.gracePeriodSeconds = body.gracePeriodSeconds;
  if (typeof body.propagationPolicy === 'string') options.propagationPolicy = body.propagationPolicy;
  if (isObject(body.preconditions)) {
    const pre: DeleteOptionsInput['preconditions'] = {};
    if (typeof body.preconditions.uid === 'string') pre.uid = body.preconditions.uid;
    if (typeof body.preconditions.resourceVersion === 'string') pre.resourceVersion = body.preconditions.resourceVersion;
    options.preconditions = pre;
  }
  return { options, dryRun: Array.isArray(body.dryRun) ? body.dryRun.map(String) : [] };
}
