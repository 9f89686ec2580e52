/**
 * Carries the active span across awaits (AsyncLocalStorage), so a span begun
 * around a step is the parent of the Kubernetes calls made deep inside the
 * runbook. The OpenTelemetry API keeps one context manager per process; it
 * holds no provider, so every Drover in a process can share it.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { ROOT_CONTEXT, context as contextApi, type Context, type ContextManager } from '@opentelemetry/api';

class AsyncLocalContextManager implements ContextManager {
  private readonly storage = new AsyncLocalStorage<Context>();

  active(): Context {
    return this.storage.getStore() ?? ROOT_CONTEXT;
  }

  with<A extends unknown[], F extends (...args: A) => ReturnType<F>>(ctx: Context, fn: F, thisArg?: ThisParameterType<F>, ...args: A): ReturnType<F> {
    return this.storage.run(ctx, () => fn.apply(thisArg, args));
  }

  bind<T>(ctx: Context, target: T): T {
    if (typeof target !== 'function') return target;
    const fn = target as unknown as (...args: unknown[]) => unknown;
    const storage = this.storage;
    return function (this: unknown, ...args: unknown[]) {
      return storage.run(ctx, () => fn.apply(this, args));
    } as unknown as T;
  }

  enable(): this {
    return this;
  }

  disable(): this {
    this.storage.disable();
    return this;
  }
}

let installed = false;

/**
 * Installs the context manager once per process (never removed: another
 * Drover in the process may be tracing). Returns false when someone else's
 * manager was there first, which works as well.
 */
export function ensureContextManager(): boolean {
  if (installed) return true;
  installed = contextApi.setGlobalContextManager(new AsyncLocalContextManager());
  return installed;
}
