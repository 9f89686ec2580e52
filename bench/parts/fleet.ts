// The fleet: thousands of simulated agent clusters on one Redis. Each is a
// real Drover agent (createAgent, as `drover agent` builds it, with its own
// Redis connections), several hundred per process; all act on the one
// Kubernetes API fake, each in a namespace named after its cluster. The
// central side is a `drover serve --no-worker` (the relay of the agents'
// audit events) and the CLI's runtime in this process (registry, submissions).
// Measured, each beside raw BullMQ Workers on as many queues (measured first):
// what the idle fleet costs Redis per cluster, enqueue → run start, and one
// runbook rolled out to every cluster until its audit events are in the chain.
import { type BenchContext, resetRedis } from '../support/context.js';
import { startDrover } from '../support/drover-process.js';
import { BENCH_REQUESTER, openCentral, recordsOf, untilFinishedInChain, untilRelayed, untilTerminal } from '../support/fleet-central.js';
import { controllerRollout } from '../support/fleet-rollout.js';
import { fleetFloor, sampleClusters, type FleetSizes } from '../support/fleet-floor.js';
import { clusterLabels, clusterName } from '../support/fleet-names.js';
import { startFleetProcesses } from '../support/fleet-processes.js';
import { deployment } from '../support/k8s-fake-process.js';
import { describeCost } from '../support/redis-info.js';
import { deltaOf, perUnitPerMinute, redisSnapshot } from '../support/redis-snapshot.js';
import { mb, ms, sleep, summary } from '../support/stats.js';
import { DroverError } from '../../src/errors.js';
import type { RunRequest } from '../../src/jobs/run-queue.js';
import { agentPresenceKey } from '../../src/fleet/names.js';
import { PREFIX } from '../support/drover-process.js';

const RUNBOOK = 'restart-deployment';

function sizesFor(quick: boolean, clusters?: number): FleetSizes {
  const sizes = quick
    ? { clusters: 20, perProcess: 500, idleMs: 5000, settleMs: 1000, latencyRuns: 10, latencyRate: 10, rolloutBatch: 200, timeoutMs: 60_000 }
    : { clusters: 2000, perProcess: 500, idleMs: 60_000, settleMs: 10_000, latencyRuns: 200, latencyRate: 20, rolloutBatch: 200, timeoutMs: 300_000 };
  return clusters ? { ...sizes, clusters, latencyRuns: Math.min(sizes.latencyRuns, clusters) } : sizes;
}

const request = (n: number): RunRequest => ({ runbook: RUNBOOK, cluster: clusterName(n), params: { namespace: clusterName(n), deployment: 'web' }, requester: BENCH_REQUESTER });

export async function benchFleet(ctx: BenchContext): Promise<void> {
  const sizes = sizesFor(ctx.quick, ctx.clusters);
  const { clusters } = sizes;
  const idleS = sizes.idleMs / 1000;
  ctx.log(`fleet: ${clusters} simulated agent clusters on one Redis (maxclients ${String(((await ctx.redis.client.config('GET', 'maxclients')) as string[])[1])}), ${sizes.perProcess} per process, idle window ${idleS} s`);
  const floor = await fleetFloor(ctx, sizes);

  await ctx.fake.seed([...Array.from({ length: clusters }, (_, i) => deployment(clusterName(i + 1), 'web')), deployment('store', 'web')]);
  const rt = await openCentral(ctx.redis.url, ctx.workspace);
  const registry = rt.drover.fleet.registry;
  for (let n = 1; n <= clusters; n += 100) {
    await Promise.all(
      Array.from({ length: Math.min(100, clusters - n + 1) }, (_, j) =>
        registry.register({ name: clusterName(n + j), labels: clusterLabels(n + j), createdAt: new Date().toISOString(), user: `bench-${clusterName(n + j)}` }),
      ),
    );
  }
  const serve = await startDrover(ctx.children, { name: 'fleet-serve', args: ['serve', '--no-worker'], redisUrl: ctx.redis.url, workspace: ctx.workspace });
  let agents: Awaited<ReturnType<typeof startFleetProcesses>> | undefined;
  try {
    // The central side alone (the relay's sweeps over every registered cluster, housekeeping), no agent yet.
    await sleep(sizes.settleMs);
    const c0 = await redisSnapshot(ctx.redis.client);
    await sleep(sizes.idleMs);
    const central = deltaOf(c0, await redisSnapshot(ctx.redis.client));
    // Not subtracted below: the central side's sweeps differ once agents are live (the absent-agent sweep looks only at clusters without one).
    ctx.log(`  central alone (serve --no-worker, ${clusters} clusters registered, no agent), idle ${idleS} s: ${(central.cost.calls / central.minutes).toFixed(0)} commands per minute in all; per cluster: ${perUnitPerMinute(central, clusters, 6)}`);

    const base = await redisSnapshot(ctx.redis.client);
    const started = performance.now();
    agents = await startFleetProcesses(ctx.children, { mode: 'agents', redisUrl: ctx.redis.url, workspace: ctx.workspace, clusters, perProcess: sizes.perProcess, timeoutMs: sizes.timeoutMs });
    const startMs = performance.now() - started;
    await sleep(sizes.settleMs);
    const a = await redisSnapshot(ctx.redis.client);
    await sleep(sizes.idleMs);
    const b = await redisSnapshot(ctx.redis.client);
    const idle = deltaOf(a, b);
    const perClusterMinute = idle.cost.calls / clusters / idle.minutes;
    const floorPerMinute = floor.idle.cost.calls / clusters / floor.idle.minutes;
    const clientsPerAgent = (b.clients - base.clients) / clusters;
    const bytesPerCluster = (b.usedMemory - base.usedMemory) / clusters;
    const rss = agents.rss();
    ctx.log(`  Drover: ${clusters} agents in ${agents.all.length} processes started in ${(startMs / 1000).toFixed(1)} s (${agents.all.map((p) => `${p.count} in ${(p.startMs / 1000).toFixed(1)} s`).join(', ')})`);
    ctx.log(`    idle ${idleS} s with the central serve, per cluster: ${perUnitPerMinute(idle, clusters, 14)}`);
    ctx.log(`    ${(idle.cost.calls / idle.minutes / 60).toFixed(0)} commands per second in all; Redis CPU ${(idle.cpu * 100).toFixed(1)}% of a core idle (floor ${(floor.idle.cpu * 100).toFixed(1)}%)`);
    ctx.log(
      `    ${clientsPerAgent.toFixed(2)} connections per agent (floor ${floor.clientsPerCluster.toFixed(2)} per raw Worker); Redis used_memory ${(bytesPerCluster / 1024).toFixed(1)} KiB per cluster ` +
        `(of which connection buffers ${((b.clientsMemory - base.clientsMemory) / clusters / 1024).toFixed(1)} KiB; ${((b.keys - base.keys) / clusters).toFixed(1)} keys per cluster); floor ${(floor.bytesPerCluster / 1024).toFixed(1)} KiB per queue`,
    );
    ctx.log(`    agent processes' RSS: ${rss.map(mb).join(', ')} (${mb(rss.reduce((s, r) => s + r, 0) / clusters)} per agent in-process)`);
    // Each agent's cancel subscriber: a cluster without one would never hear a cancel.
    const cancelChannels = ((await ctx.redis.client.call('PUBSUB', 'CHANNELS', `${PREFIX}:cancel:*`)) as string[]).length;
    ctx.log(`    cancel subscriptions live: ${cancelChannels}/${clusters} clusters' channels have a subscriber`);
    const presenceStarted = performance.now();
    const status = await rt.drover.fleet.presence.status();
    ctx.log(`    central presence read of all clusters (drover clusters): ${status.filter((s) => s.state === 'up').length}/${clusters} up, in ${ms(performance.now() - presenceStarted)}; presence hash ${String(await ctx.redis.client.call('MEMORY', 'USAGE', agentPresenceKey(PREFIX, clusterName(1))))} B`);

    // Enqueue → run start: one run at a time on random clusters, at a modest rate.
    const sent: Array<{ id: string; at: number; returned: number }> = [];
    const submits: Array<Promise<void>> = [];
    const t0 = Date.now();
    for (const [i, n] of sampleClusters(sizes.latencyRuns, clusters).entries()) {
      const wait = t0 + (i * 1000) / sizes.latencyRate - Date.now();
      if (wait > 0) await sleep(wait);
      const at = Date.now();
      submits.push(rt.drover.queue.submit(request(n)).then((run) => void sent.push({ id: run.id, at, returned: Date.now() })));
    }
    await Promise.all(submits);
    const latencyStates = await untilTerminal(rt, sent.map((s) => s.id), sizes.timeoutMs);
    const records = await recordsOf(rt, sent.map((s) => s.id));
    const latency = summary(sent.flatMap((s, i) => (records[i]?.startedAt ? [Date.parse(records[i].startedAt) - s.at] : [])));
    const submitMs = summary(sent.map((s) => s.returned - s.at));
    const queuedToStart = summary(sent.flatMap((s, i) => (records[i]?.startedAt ? [Date.parse(records[i].startedAt) - s.returned] : [])));
    ctx.log(`    submit → run started (the run record's startedAt), ${sent.length} runs of ${RUNBOOK} on random clusters at ${sizes.latencyRate}/s: p50 ${ms(latency.p50)}, p99 ${ms(latency.p99)}, max ${ms(latency.max)}; states ${JSON.stringify(latencyStates)}`);
    ctx.log(`      of which submit() itself (validate, presence, audit, record, job): p50 ${ms(submitMs.p50)}, p99 ${ms(submitMs.p99)}; from submit() returning to startedAt: p50 ${ms(queuedToStart.p50)}, p99 ${ms(queuedToStart.p99)}`);
    ctx.log(`      floor (raw add → processor begins): p50 ${ms(floor.latency.p50)}, p99 ${ms(floor.latency.p99)}`);

    // Rollout: one run on every cluster, prepared and enqueued in batches, until every run is terminal and its events are in the chain.
    await untilRelayed(rt, PREFIX, clusters, sizes.timeoutMs);
    const mark = (await rt.redis.xrevrange(`${PREFIX}:audit`, '+', '-', 'COUNT', 1))[0]?.[0] ?? '0';
    const r0 = await redisSnapshot(ctx.redis.client);
    const rolloutStarted = performance.now();
    const ids: string[] = [];
    const refused: string[] = [];
    const prepareMs: number[] = [];
    const enqueueManyMs: number[] = [];
    for (let n = 1; n <= clusters; n += sizes.rolloutBatch) {
      const p0 = performance.now();
      const prepared = await rt.drover.queue.prepareMany(Array.from({ length: Math.min(sizes.rolloutBatch, clusters - n + 1) }, (_, j) => request(n + j)));
      prepareMs.push(performance.now() - p0);
      const ok = prepared.flatMap((p) => (p instanceof DroverError ? [] : [p]));
      for (const p of prepared) if (p instanceof DroverError) refused.push(p.message);
      const e0 = performance.now();
      ids.push(...(await rt.drover.queue.enqueueMany(ok)).map((r) => r.id));
      enqueueManyMs.push(performance.now() - e0);
    }
    const enqueueMs = performance.now() - rolloutStarted;
    // Watched through the chain (a few reads), not by polling 2,000 records, so that the commands counted are the rollout's.
    const rolloutIds = new Set(ids);
    const chain = await untilFinishedInChain(rt, mark, rolloutIds, sizes.timeoutMs);
    const finishedEvents = chain.finished;
    const relayedMs = chain.at - rolloutStarted;
    const r1 = await redisSnapshot(ctx.redis.client);
    // Then, once: nothing left behind in any cluster's stream or outbox, every record terminal, and when the last one ended.
    const unrelayed = await untilRelayed(rt, PREFIX, clusters, 10_000);
    const states = await untilTerminal(rt, ids, 10_000);
    const lastFinish = Math.max(...(await recordsOf(rt, ids)).map((r) => (r?.finishedAt ? Date.parse(r.finishedAt) : 0)));
    const terminalMs = lastFinish - (performance.timeOrigin + rolloutStarted);
    const rollout = deltaOf(r0, r1);
    const verifyStarted = performance.now();
    const verified = await rt.drover.audit.verify();
    const verifyMs = performance.now() - verifyStarted;
    ctx.log(
      `    rollout of ${RUNBOOK} to all ${clusters} clusters (prepareMany + enqueueMany, ${sizes.rolloutBatch} per batch): enqueued in ${(enqueueMs / 1000).toFixed(1)} s, ` +
        `all terminal in ${(terminalMs / 1000).toFixed(1)} s, all audit events relayed in ${(relayedMs / 1000).toFixed(1)} s; states ${JSON.stringify(states)}${refused.length ? `; refused ${refused.length}: ${refused[0]}` : ''}`,
    );
    ctx.log(`      per batch of ${sizes.rolloutBatch}: prepareMany ${prepareMs.map((t) => t.toFixed(0)).join(', ')} ms; enqueueMany ${enqueueManyMs.map((t) => t.toFixed(0)).join(', ')} ms`);
    ctx.log(`      central chain: ${chain.events} events appended since the rollout began (${(chain.events / clusters).toFixed(1)} per run), run.finished for ${finishedEvents}/${clusters}; ${unrelayed} left unrelayed; audit verify ${verified.ok ? 'ok' : `FAILED: ${JSON.stringify(verified).slice(0, 300)}`} (${verified.ok ? '' : 'not '}whole chain, ${ms(verifyMs)})`);
    ctx.log(`      Redis during the rollout, per run (the idle fleet's traffic in that time included): ${describeCost(rollout.cost, clusters, 'run', 10)}; Redis CPU ${(rollout.cpu * 100).toFixed(0)}% of a core`);
    ctx.log(`      floor: one raw job on each queue, all processed in ${(floor.rolloutMs / 1000).toFixed(1)} s`);

    // The same runbook through the rollout controller, as `drover rollout --clusters tier=store --batch 200` runs it:
    // a canary of one, then batches, each queued when the one before has ended. Same params on every cluster,
    // so here every agent restarts the one store/web deployment of the shared fake (its own lock: the cluster is in the key).
    const c = await controllerRollout(rt, { runbook: RUNBOOK, params: { namespace: 'store', deployment: 'web' }, selector: 'tier=store', batchSize: sizes.rolloutBatch }, sizes.timeoutMs);
    const relayWait = performance.now();
    await untilRelayed(rt, PREFIX, clusters, sizes.timeoutMs);
    const cRelayedMs = c.endedMs + (performance.now() - relayWait);
    const cVerified = await rt.drover.audit.verify();
    ctx.log(
      `    rollout controller (drover rollout, selector tier=store, batch ${sizes.rolloutBatch}, canary first): planned in ${(c.planMs / 1000).toFixed(1)} s, ${c.rollout.state} after ${c.batches} batches in ${(c.endedMs / 1000).toFixed(1)} s, ` +
        `relayed by ${(cRelayedMs / 1000).toFixed(1)} s; targets ${JSON.stringify(c.counts)}${c.rollout.reason ? ` (${c.rollout.reason})` : ''}; audit verify ${cVerified.ok ? 'ok' : 'FAILED'}`,
    );

    const allOk = (states.succeeded ?? 0) === clusters && finishedEvents === clusters && verified.ok;
    ctx.row({ figure: `fleet: ${clusters} agents started (connections each)`, drover: `${(startMs / 1000).toFixed(0)} s (${clientsPerAgent.toFixed(1)})`, floor: `${(floor.startMs / 1000).toFixed(0)} s (${floor.clientsPerCluster.toFixed(1)}) raw Workers`, goal: '-' });
    ctx.row({ figure: 'fleet idle: Redis commands per cluster per minute', drover: perClusterMinute.toFixed(1), floor: `${floorPerMinute.toFixed(1)} (raw Worker)`, ratio: perClusterMinute / floorPerMinute, goal: '-' });
    ctx.row({ figure: 'fleet idle: Redis memory per cluster', drover: `${(bytesPerCluster / 1024).toFixed(1)} KiB`, floor: `${(floor.bytesPerCluster / 1024).toFixed(1)} KiB`, ratio: bytesPerCluster / floor.bytesPerCluster, goal: '-' });
    ctx.row({ figure: 'fleet: enqueue → run start, p99', drover: ms(latency.p99), floor: `${ms(floor.latency.p99)} (raw add → process)`, ratio: latency.p99 / floor.latency.p99, goal: '-' });
    ctx.row({
      figure: `fleet rollout: ${clusters} runs terminal and relayed`,
      drover: `${(relayedMs / 1000).toFixed(1)} s`,
      floor: `${(floor.rolloutMs / 1000).toFixed(1)} s (1 raw job per queue)`,
      ratio: relayedMs / floor.rolloutMs,
      goal: 'all succeeded, chain ok',
      met: allOk,
    });
    ctx.row({
      figure: `fleet rollout controller: ${clusters} clusters, batches of ${sizes.rolloutBatch}`,
      drover: `${(cRelayedMs / 1000).toFixed(1)} s`,
      floor: '-',
      goal: 'succeeded, chain ok',
      met: c.rollout.state === 'succeeded' && c.counts.succeeded === clusters && cVerified.ok,
    });
  } finally {
    await agents?.stop();
    await serve.stop();
    await rt.close();
    await resetRedis(ctx);
  }
}
