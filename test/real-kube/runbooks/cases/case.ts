/**
 * What the real-server suites need to know about one shipped runbook: how to
 * seed a situation it acts on, what it should do there, which object it
 * names when that object is missing, and how it refuses. One file per
 * runbook in this folder; cases/index.ts lists them, and a runbook in
 * runbooks/ without one fails the suite.
 */
import type { Seeder } from '../seed.js';

export type Effect =
  /** Patches the target: `fields` are the paths it changes (as changedPaths names them). */
  | {
      kind: 'patch';
      fields: string[];
      /** Fields whose value is stamped when the step runs, so a dry run's plan shows another value than the real run writes. */
      stamped?: string[];
      /** Fields of the target that controllers change in response (never the runbook). */
      controllerFields?: string[];
    }
  | { kind: 'delete' }
  /** drain-node: patches the node (`fields`), then evicts `evicted` (pod names, in the test namespace). */
  | { kind: 'drain'; fields: string[]; evicted: string[] }
  /** Read-only. */
  | { kind: 'none' };

export interface Scenario {
  params: Record<string, unknown>;
  /** The object the runbook acts on: its API path (read independently) and how people name it. */
  target?: { path: string; label: string };
  effect: Effect;
  /** The first object the runbook reads (a forbidden read fails there). */
  firstRead: string;
  /** The request that changes the target (a forbidden write fails there). */
  write?: { method: 'PATCH' | 'DELETE'; path: string };
  /** What its reports must say. */
  reports: { dry: RegExp[]; real: RegExp[] };
}

export interface Refusal {
  why: string;
  seed(s: Seeder): Promise<{ params: Record<string, unknown>; message: RegExp }>;
}

export interface RunbookCase {
  runbook: string;
  /** Seeds the objects in the fresh namespace `s.namespace` and says what a run does there. */
  seed(s: Seeder): Promise<Scenario>;
  /** Params naming an object that does not exist, and the path of the read that answers 404. */
  missing(namespace: string): { params: Record<string, unknown>; path: string };
  /** Situations it must refuse (runbook_refused) without changing anything. */
  refusals: Refusal[];
}

export const deploymentPath = (ns: string, name: string) => `/apis/apps/v1/namespaces/${ns}/deployments/${name}`;
export const RESTARTED_AT = 'spec.template.metadata.annotations["kubectl.kubernetes.io/restartedAt"]';
/** The deployment controller numbers each new template. */
export const REVISION = 'metadata.annotations["deployment.kubernetes.io/revision"]';
