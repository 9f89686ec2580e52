import type { Runtime } from './runtime.js';
import type { RuntimeEnv } from './config-from.js';

/**
 * `withClient`, importing the app (queue, audit, Slack) only when a command
 * that needs it runs: registering every command costs nothing.
 */
export async function withClient<T>(rt: RuntimeEnv, fn: (runtime: Runtime) => Promise<T>): Promise<T> {
  const runtime = await import('./runtime.js');
  return runtime.withClient(rt, fn);
}
