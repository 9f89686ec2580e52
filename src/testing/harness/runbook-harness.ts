import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createDrover, type Drover } from '../../app.js';
import type { AuditEvent } from '../../audit/events.js';
import { loadConfig } from '../../config/load-config.js';
import { DroverError, errorMessage } from '../../errors.js';
import { ClusterRegistry } from '../../k8s/clusters.js';
import type { RunRecord } from '../../jobs/run-record.js';
import type { RunWorker } from '../../jobs/run-worker.js';
import { sandboxPolicy } from '../../policy/index.js';
import { Redactor } from '../../redact/redactor.js';
import { redactingLogger } from '../../redact/redacting-logger.js';
import { RunbookRegistry } from '../../runbook/registry.js';
import type { Runbook } from '../../runbook/types.js';
import { startK8sFake, seedSandbox, type K8sFake, type KubeObject, type RecordedRequest, type SeedObject } from '../k8s-fake/index.js';
import { deliverAlert, type AlertDelivery } from './alert-replay.js';
import { approveAndFinish, person, settled } from './approvals.js';
import { DEFAULT_REDIS_URL, deletePrefix, harnessRedis } from './harness-redis.js';
import type { HarnessRunOptions, RunbookHarnessOptions } from './harness-options.js';
import { collectRun, writesSince, type HarnessRun } from './run-result.js';
import { bounded, waitUntil, within } from './wait.js';
import type { FireResult } from '../../schedules/schedule-fire.js';

const CLOSE_TIMEOUT_MS = 10_000;

/** The cluster name runs act on. */
export const SANDBOX_CLUSTER = 'sandbox';

/** What `h.alert()` answers: how Drover took each alert, and the runs they started, finished. */
export interface AlertReplay extends AlertDelivery {
  runs: HarnessRun[];
}

/** What `h.schedule()` answers: what became of the fire (queued, proposed, skipped, denied…), and its run, finished. */
export interface ScheduleReplay {
  fire: FireResult;
  run?: HarnessRun;
}

/** A whole Drover acting on an in-process sandbox cluster; see runbookHarness. */
export interface RunbookHarness {
  /** The sandbox API server: `h.cluster.get('deployments', 'demo', 'web')`, `h.cluster.seed(...)`, `h.cluster.failNext(...)`. */
  readonly cluster: K8sFake;
  /**
   * An object on the sandbox, typed as you say (`h.get<V1Deployment>('deployments', 'demo', 'web')`);
   * undefined when absent. Cluster-scoped objects take `undefined` as namespace.
   */
  get<T = KubeObject>(kindOrResource: string, namespace: string | undefined, name: string): T | undefined;
  /** Asks for a real run, approves it if it needs approval, and answers it once finished. */
  run(runbook: string | Runbook, params: Record<string, unknown>, options?: HarnessRunOptions): Promise<HarnessRun>;
  /** Asks for a dry run (mutations sent with dryRun=All; nothing changes) and answers it once finished. */
  dryRun(runbook: string | Runbook, params: Record<string, unknown>, options?: Omit<HarnessRunOptions, 'approveAs'>): Promise<HarnessRun>;
  /** Approves a run left awaiting approval (`approveAs: false`) as `approver`, and answers it once finished (or still held). */
  approve(runId: string, approver?: string): Promise<HarnessRun>;
  /**
   * Replays an Alertmanager webhook payload (an object, or the JSON text as recorded) through
   * Drover's real webhook route, approves the runs it proposes (as `approveAs`), and answers
   * them once finished.
   */
  alert(payload: unknown, options?: Pick<HarnessRunOptions, 'approveAs'>): Promise<AlertReplay>;
  /**
   * Fires a runbook's schedule (`<runbook>/<name>`) now, on the sandbox whatever clusters it
   * names, as a real fire goes: as `schedule:<runbook>/<name>`, through the policy, skipped while
   * its previous run is unfinished. Approves what it proposes (as `approveAs`) and answers the
   * fire's outcome and its run, finished.
   */
  schedule(scheduleId: string, options?: Pick<HarnessRunOptions, 'approveAs'>): Promise<ScheduleReplay>;
  /** The whole audit log so far, oldest first. */
  auditEvents(): Promise<AuditEvent[]>;
  /** The Drover under test, for what the harness does not cover. */
  readonly drover: Drover;
  /** Stops the worker and the sandbox, and removes this harness's keys from Redis. */
  close(): Promise<void>;
}

/**
 * A whole in-process Drover (the real queue, worker, policy, approvals, audit
 * log and webhook) on Redis, acting on an in-process sandbox API server as
 * cluster `sandbox`, to test runbooks as they really run.
 *
 * @example
 * ```ts
 * import { test } from 'node:test';
 * import assert from 'node:assert/strict';
 * import { runbookHarness } from 'drover/testing';
 * import restartDeployment from './restart-deployment.js';
 *
 * test('restarts the deployment', async () => {
 *   const h = await runbookHarness({ runbooks: [restartDeployment] });
 *   try {
 *     const run = await h.run('restart-deployment', { namespace: 'demo', deployment: 'web' });
 *     assert.equal(run.status, 'succeeded');
 *     assert.deepEqual(run.writes.map((w) => w.method), ['PATCH']);
 *   } finally {
 *     await h.close();
 *   }
 * });
 * ```
 */
/** Seeds the author's objects, a refused one named in a coded error (as `params_invalid`) rather than the fake's own words alone. */
function seedObjects(fake: K8sFake, objects: SeedObject[]): void {
  objects.forEach((object, index) => {
    try {
      if (!object || typeof object !== 'object' || Array.isArray(object)) throw new Error('it is not an object (e.g. { apiVersion: \'v1\', kind: \'ConfigMap\', metadata: { name, namespace } })');
      fake.seed(object);
    } catch (err) {
      const o = object as { kind?: string; metadata?: { name?: string; namespace?: string } } | null;
      const name = o && typeof o === 'object' ? `${o.kind ?? 'an object without a kind'}${o.metadata?.name ? ` ${o.metadata.namespace ? `${o.metadata.namespace}/` : ''}${o.metadata.name}` : ''}` : String(o);
      throw new DroverError('params_invalid', `runbookHarness: seed[${index}] (${name}) cannot be seeded: ${errorMessage(err).replace(/^k8s fake: /, '')}.`, { cause: err });
    }
  });
}

export async function runbookHarness(options: RunbookHarnessOptions): Promise<RunbookHarness> {
  // eslint-disable-next-line no-restricted-syntax -- the harness is an entry point of authors' tests: REDIS_URL says where Redis is
  const env = options.env ?? process.env;
  const timeoutMs = options.timeoutMs ?? 30_000;
  const requester = person(options.requester ?? 'U_AUTHOR');
  const approver = options.approver ?? 'U_APPROVER';
  // Checked before anything starts: a bad runbook is the author's first mistake, and the clearest to report.
  const runbooks = new RunbookRegistry(options.runbooks);
  const prefix = `drover-harness:${randomBytes(5).toString('hex')}`;
  const config = loadConfig({ env: { DROVER_REDIS_PREFIX: prefix } });
  // Retries come quickly: a test should not wait for production's backoff.
  config.jobs.backoff = 50;
  config.jobs.maxBackoff = 200;
  config.alerts.webhookToken = randomBytes(24).toString('hex');
  options.configure?.(config);
  const redis = await harnessRedis(options.redisUrl ?? env.REDIS_URL ?? DEFAULT_REDIS_URL);
  let fake: K8sFake | undefined;
  let drover: Drover | undefined;
  let server: Server | undefined;
  let worker: RunWorker | undefined;
  // The queue's connection is the harness's own, so close() can drop it even when Drover's close waits on a Redis that went away.
  const queueConnection = redis.duplicate({ enableAutoPipelining: false });
  queueConnection.on('error', () => undefined);
  const shutDown = async () => {
    // With Redis gone (reconnecting), nothing that needs it can finish: no waiting for it.
    const bound = () => (redis.status === 'ready' ? CLOSE_TIMEOUT_MS : 500);
    if (drover) {
      // A run still going is given a moment to finish; a runbook that never returns is then left behind by a forced
      // close (else the worker's connections and timers would keep the test's process alive, and node --test waits for it).
      const idle = await waitUntil(() => Promise.resolve((worker?.runsInProgress ?? 0) === 0 ? true : undefined), bound(), () => '').catch(() => false);
      if (!idle) await within(worker?.close(true).catch(() => undefined) ?? Promise.resolve(), bound());
      await within(drover.close(), bound());
    }
    await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
    await fake?.stop();
    await within(deletePrefix(redis, prefix).catch(() => undefined), bound());
    redis.disconnect();
    queueConnection.disconnect();
  };
  // Once: a second close() (an after() hook and a finally, say) answers the first's promise.
  let closing: Promise<void> | undefined;
  const close = () => (closing ??= shutDown());
  try {
    fake = await startK8sFake({ ...options.cluster });
    // Seeded once the fake is held, so a refused object still lets close() stop its server.
    if ((options.seed ?? 'sandbox') === 'sandbox') seedSandbox(fake);
    else if (Array.isArray(options.seed)) seedObjects(fake, options.seed);
    const clusters = new ClusterRegistry({ extra: [{ name: SANDBOX_CLUSTER, source: 'sandbox', server: fake.url, kubeConfig: fake.kubeConfig() }] });
    drover = createDrover({
      config,
      redis,
      queueConnection,
      logger: redactingLogger(new Redactor(config.redaction.patterns), { level: options.logLevel ?? 'silent' }),
      runbooks,
      clusters,
      policy: { policy: sandboxPolicy(config.approvals.timeout) },
    });
    worker = await drover.startWorker({ concurrency: 4 });
  } catch (err) {
    await close();
    throw err;
  }
  const d = drover;
  const cluster = fake;

  const lastRequest = () => cluster.requests.at(-1);

  async function finish(record: RunRecord, since: RecordedRequest | undefined, approveAs: string | string[] | false | undefined): Promise<HarnessRun> {
    try {
      let run = await settled(d, record.id, timeoutMs);
      if (run.state === 'awaiting_approval' && approveAs !== false) {
        const names = Array.isArray(approveAs) ? approveAs : [approveAs ?? approver];
        run = await bounded(approveAndFinish(d, run, names.map(person), timeoutMs), timeoutMs + 5000, `approving run ${run.id}`);
      }
      return await bounded(collectRun(d, run, writesSince(cluster.requests, since)), timeoutMs, `reading run ${run.id}`);
    } catch (err) {
      // A run the test gave up on is cancelled, so it does not go on acting on the sandbox behind the next test.
      if (err instanceof DroverError && err.code === 'harness_timeout') await within(d.queue.cancel(record.id, requester).catch(() => undefined), 2000);
      throw err;
    }
  }
  async function submit(runbook: string | Runbook, params: Record<string, unknown>, dryRun: boolean, options: HarnessRunOptions): Promise<HarnessRun> {
    const since = lastRequest();
    const who = options.requester ? person(options.requester) : requester;
    const id = typeof runbook === 'string' ? runbook : runbook.id;
    // Bounded: with Redis gone, its commands wait for a reconnect that may never come.
    const record = await bounded(d.gate.submit({ runbook: id, params, cluster: SANDBOX_CLUSTER, dryRun, requester: who }), timeoutMs, `submitting ${id}`);
    return finish(record, since, options.approveAs);
  }

  let webhookUrl: Promise<string> | undefined;
  const listen = () =>
    new Promise<string>((resolve, reject) => {
      server = createServer(d.router.listener);
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve(`http://127.0.0.1:${(server?.address() as AddressInfo).port}/webhooks/alertmanager`));
    });
  const { webhookToken, webhookUsername, webhookPassword } = config.alerts;
  const authorization = webhookToken
    ? `Bearer ${webhookToken}`
    : `Basic ${Buffer.from(`${webhookUsername ?? ''}:${webhookPassword ?? ''}`).toString('base64')}`;

  return {
    cluster,
    drover: d,
    get: <T>(kindOrResource: string, namespace: string | undefined, name: string) => cluster.get(kindOrResource, namespace, name) as T | undefined,
    run: (runbook, params, runOptions = {}) => submit(runbook, params, false, runOptions),
    dryRun: (runbook, params, runOptions = {}) => submit(runbook, params, true, runOptions),
    async approve(runId, as = approver) {
      const since = lastRequest();
      const held = await settled(d, runId, timeoutMs);
      const run = held.state === 'awaiting_approval' ? await approveAndFinish(d, held, [person(as)], timeoutMs) : held;
      return collectRun(d, run, writesSince(cluster.requests, since));
    },
    async alert(payload, alertOptions = {}) {
      const since = lastRequest();
      const url = await (webhookUrl ??= listen());
      const sent = Date.now();
      const delivery = await deliverAlert({ url, authorization, audit: d.audit, payload });
      const ids = [...new Set(delivery.received.flatMap((e) => e.runIds))];
      // Each run is found as queued, or held for approval; then finished like any other.
      const records = await Promise.all(
        ids.map((id) => waitUntil(() => d.store.get(id), timeoutMs, () => `the run ${id} an alert started was not stored`)),
      );
      const runs = [];
      // A repeated alert names the run it started before (deduplicated): only the runs this delivery started are answered.
      for (const record of records) if (Date.parse(record.createdAt) >= sent - 1) runs.push(await finish(record, since, alertOptions.approveAs));
      // Writes are shared by runs that overlapped: each answer lists what reached the API server while it ran.
      return { ...delivery, runs };
    },
    async schedule(scheduleId, scheduleOptions = {}) {
      const spec = d.schedules.specs().find((s) => s.id === scheduleId);
      if (!spec) {
        const known = d.schedules.specs().map((s) => s.id);
        throw new DroverError('runbook_not_found', `No schedule "${scheduleId}" (a schedule is <runbook>/<name>). Known: ${known.join(', ') || 'none'}.`);
      }
      const since = lastRequest();
      // On the sandbox: the only cluster the harness has.
      const [fire] = await d.schedules.firing.fire({ ...spec, clusters: [] }, Date.now());
      if (!fire) throw new DroverError('internal', `The schedule ${scheduleId} did not fire.`);
      const started = fire.runId && (fire.outcome === 'queued' || fire.outcome === 'proposed');
      return { fire, ...(started ? { run: await finish(await d.queue.get(fire.runId as string), since, scheduleOptions.approveAs) } : {}) };
    },
    auditEvents: () => d.audit.read(),
    close,
  };
}
