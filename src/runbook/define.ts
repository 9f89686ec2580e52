import type { ParamsSchema, Runbook, RunbookSpec } from './types.js';

const RUNBOOK = Symbol.for('drover.runbook');

/**
 * Declares a runbook. The params schema types `run`'s second argument.
 *
 * @example
 * ```ts
 * import { defineRunbook, z } from 'drover';
 *
 * export default defineRunbook({
 *   id: 'restart-deployment',
 *   summary: 'Rolling restart of a deployment',
 *   params: z.object({ namespace: z.string(), deployment: z.string() }),
 *   concurrencyKey: (p) => `deployment/${p.namespace}/${p.deployment}`,
 *   async run(ctx, { namespace, deployment }) {
 *     await ctx.step('restart', () => ctx.k8s.restartDeployment(namespace, deployment));
 *   },
 * });
 * ```
 */
export function defineRunbook<S extends ParamsSchema>(spec: RunbookSpec<S>): Runbook {
  return Object.defineProperty({ ...spec }, RUNBOOK, { value: true, enumerable: false }) as unknown as Runbook;
}

export function isDefinedRunbook(value: unknown): value is Runbook {
  return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[RUNBOOK] === true;
}
