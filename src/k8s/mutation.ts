/**
 * The one path every K8sOps mutation takes: the dryRun parameter, the
 * PlannedChange it returns, hooks.beforeMutation before it is sent, and the
 * hooks.onMutation report on success and on failure.
 */
import { randomUUID } from 'node:crypto';
import { DroverError } from '../errors.js';
import type { K8sHooks, MutationVerb, PlannedChange } from './types.js';

export interface MutationTarget {
  verb: MutationVerb;
  kind: string;
  namespace?: string;
  name: string;
}

/** `ns/name`, or `name` for cluster-scoped objects. */
export function ref(namespace: string | undefined, name: string): string {
  return namespace ? `${namespace}/${name}` : name;
}

/**
 * Network failures after which the request may have reached the server: a
 * connection cut or a timeout. A refused connection, an unknown host or a TLS
 * failure means it was never sent.
 */
const NEVER_SENT = /^(ECONNREFUSED|ENOTFOUND|EAI_AGAIN|EHOSTUNREACH|ENETUNREACH)$|CERT|SELF_SIGNED|UNABLE_TO_VERIFY|ERR_TLS|SSL/;

/** No answer came, so nobody knows whether the server applied it. */
function outcomeUnknown(err: unknown): boolean {
  if (!(err instanceof DroverError) || err.code !== 'cluster_unreachable') return false;
  const net = err.details.networkCode;
  return typeof net === 'string' && !NEVER_SENT.test(net);
}

export class Mutations {
  constructor(private readonly options: { cluster: string; dryRun: boolean; hooks?: K8sHooks }) {}

  get dryRun(): boolean {
    return this.options.dryRun;
  }

  /** The `dryRun` query parameter for a create, update or patch (their options travel in the query). */
  get dryRunParam(): 'All' | undefined {
    return this.options.dryRun ? 'All' : undefined;
  }

  /**
   * DeleteOptions for a DELETE, with `dryRun: ['All']` inside them in a dry run.
   * A DELETE that carries a body takes its options from the body alone: the
   * API server ignores `?dryRun=All` then and deletes for real.
   */
  deleteOptions<T extends object>(options: T): T & { dryRun?: string[] } {
    return this.options.dryRun ? { ...options, dryRun: ['All'] } : options;
  }

  change(target: MutationTarget, summary: string, diff: string): PlannedChange {
    const change: PlannedChange = { verb: target.verb, kind: target.kind, name: target.name, dryRun: this.options.dryRun, summary, diff };
    if (target.namespace !== undefined) change.namespace = target.namespace;
    return change;
  }

  /** Runs a mutation and tells hooks.onMutation how it went, success or failure. */
  async run<R extends { change: PlannedChange; status?: number }>(target: MutationTarget, run: () => Promise<R>): Promise<R> {
    const record = {
      cluster: this.options.cluster,
      verb: target.verb,
      kind: target.kind,
      ...(target.namespace === undefined ? {} : { namespace: target.namespace }),
      name: target.name,
      dryRun: this.options.dryRun,
    };
    const id = randomUUID();
    await this.options.hooks?.beforeMutation?.(record, id);
    let result: R;
    try {
      result = await run();
    } catch (err) {
      const status = err instanceof DroverError && typeof err.details.status === 'number' ? err.details.status : undefined;
      const errorCode = err instanceof DroverError ? err.code : 'internal';
      await this.options.hooks?.onMutation?.({ ...record, outcome: outcomeUnknown(err) ? 'unknown' : 'failed', status, errorCode }, undefined, id);
      throw err;
    }
    await this.options.hooks?.onMutation?.({ ...record, outcome: 'succeeded', status: result.status }, result.change, id);
    return result;
  }
}
