/**
 * Carries the active span across awaits (AsyncLocalStorage, through
 * OpenTelemetry's own context manager), so a span begun around a step is the
 * parent of the Kubernetes calls made deep inside the runbook. The
 * OpenTelemetry API keeps one context manager per process; it holds no
 * provider, so every Drover in a process can share it.
 */
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { context as contextApi } from '@opentelemetry/api';

let installed = false;

/**
 * Installs the context manager once per process (never removed: another
 * Drover in the process may be tracing). Returns false when someone else's
 * manager was there first, which works as well.
 */
export function ensureContextManager(): boolean {
  if (installed) return true;
  installed = contextApi.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  return installed;
}
