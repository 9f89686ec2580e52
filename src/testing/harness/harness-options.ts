import type { Config } from '../../config/schema.js';
import type { Runbook } from '../../runbook/types.js';
import type { K8sFakeOptions, SeedObject } from '../k8s-fake/index.js';

/** What `runbookHarness` builds. */
export interface RunbookHarnessOptions {
  /** The runbooks under test, as their files export them (`import restart from './restart-deployment.js'`). */
  runbooks: Runbook[];
  /**
   * What the sandbox cluster holds: `'sandbox'` (default) for the objects `npm start`'s sandbox has
   * (namespace `demo` with deployments `web` and `api`, nodes, pods, events, logs; see
   * src/testing/k8s-fake/sandbox.ts), or your own objects (an empty cluster with `[]`).
   */
  seed?: 'sandbox' | SeedObject[];
  /** More options of the in-process API server (for example `managePods`, `kubernetesVersion`). */
  cluster?: Omit<K8sFakeOptions, 'seed' | 'port'>;
  /** Redis to keep runs in (default: REDIS_URL, else redis://127.0.0.1:6379); each harness uses its own key prefix, removed on close. */
  redisUrl?: string;
  /**
   * How long one `run`, `dryRun` or `alert` may take before the harness gives up
   * and says where the run stood (default 30 s).
   */
  timeoutMs?: number;
  /** Who asks for runs (default `U_AUTHOR`, a chat user). */
  requester?: string;
  /** Who approves runs that need it (default `U_APPROVER`: never the requester, as Drover requires). */
  approver?: string;
  /** Drover's log level (default `silent`; `info` or `debug` to see what the worker does). */
  logLevel?: string;
  /** Changes Drover's configuration before it starts (for example alert settings). */
  configure?: (config: Config) => void;
  /** The environment (default process.env): REDIS_URL is read from it. */
  env?: Record<string, string | undefined>;
}

/** How one run is asked for. */
export interface HarnessRunOptions {
  /**
   * Who approves the run if it needs approval (default: the harness's approver; a list for a
   * runbook that needs several). `false` leaves it awaiting approval: the answer then has
   * status `awaiting_approval` and its plan.
   */
  approveAs?: string | string[] | false;
  /** Who asks (default: the harness's requester). */
  requester?: string;
}
