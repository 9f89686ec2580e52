import type { z } from 'zod';
import type { ParamsSchema } from '../runbook/types.js';

const SECRETS = new WeakSet<object>();

/**
 * Marks a param as secret: it is used by the run but shown nowhere (chat,
 * terminal, logs, audit log), and stored apart from the other params.
 *
 * @example params: z.object({ namespace: z.string(), apiKey: secret(z.string()) })
 */
export function secret<T extends z.ZodType>(schema: T): T {
  SECRETS.add(schema);
  return schema;
}

function isSecret(schema: unknown, depth = 0): boolean {
  if (!schema || typeof schema !== 'object' || depth > 5) return false;
  if (SECRETS.has(schema)) return true;
  // Wrappers (optional, default, nullable) keep the marked schema as innerType.
  const inner = (schema as { _zod?: { def?: { innerType?: unknown } } })._zod?.def?.innerType;
  return isSecret(inner, depth + 1);
}

/** Names of a schema's secret params. */
export function secretParamNames(schema: ParamsSchema): string[] {
  return Object.entries(schema.shape as Record<string, unknown>)
    .filter(([, field]) => isSecret(field))
    .map(([name]) => name);
}

/** Splits params into what may be shown (secrets replaced) and the secret values. */
export function splitSecrets(schema: ParamsSchema, params: Record<string, unknown>, placeholder: string): { shown: Record<string, unknown>; secrets: Record<string, unknown> } {
  const names = new Set(secretParamNames(schema));
  const shown: Record<string, unknown> = {};
  const secrets: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(params)) {
    if (names.has(k) && v !== undefined) {
      secrets[k] = v;
      shown[k] = placeholder;
    } else {
      shown[k] = v;
    }
  }
  return { shown, secrets };
}
