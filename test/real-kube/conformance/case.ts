/**
 * What a conformance case is: steps sent to both servers in the same order,
 * in the test's own namespace, each answer compared field by field.
 */
import type { WireRequest } from './wire.js';

/** Values a step remembered from its own server's answer (a uid, a resourceVersion). */
export type Vars = Record<string, string>;

export interface Step {
  /** What the step does, named in differences: `dry-run delete, body`. */
  name: string;
  /**
   * The request. `{ns}` anywhere in it is the case's namespace and `{$var}`
   * a value kept by an earlier step on the same server.
   */
  req: WireRequest;
  /** Compare only this projection of the body (discovery documents list far more than Drover reads). */
  view?: (body: unknown) => unknown;
  /** Remember values from this server's answer for later steps. */
  keep?: (body: unknown) => Vars;
}

export interface Case {
  /** Unique across the suite: `delete/pod dry run with a body`. */
  name: string;
  steps: Step[];
}

/** A GET of the object a step changed: the "resulting object" as each server now holds it. */
export function read(path: string, name = `read ${path.split('/').slice(-2).join('/')}`): Step {
  return { name, req: { method: 'GET', path } };
}

/** Keeps `metadata.<field>` of the answer as `{$key}`. */
export function keepMeta(key: string, field: 'uid' | 'resourceVersion'): (body: unknown) => Vars {
  return (body) => {
    const meta = (body as { metadata?: Record<string, unknown> } | undefined)?.metadata;
    const value = meta?.[field];
    return typeof value === 'string' ? { [key]: value } : {};
  };
}
