/**
 * Agents SIGKILLed and replaced. Two agent clusters, each served by one
 * `drover agent` process under its own Redis ACL user, and a central
 * `drover serve` taking the alerts (labelled with the cluster): the agents
 * are killed at seeded random moments under load and started again, as a
 * rebuilt pod would be. Counts every run sent, finished, lost, and any
 * mutation applied twice; and that every finished run's run.finished reached
 * the central chain through the relay, which still verifies.
 */
import { createAgentUser } from '../../../src/fleet/acl.js';
import { crashLoop, deliveryBody, mismatch, post } from '../harness/alerts.js';
import { describeDuplicates, duplicates } from '../harness/mutations.js';
import { isFinished, settle } from '../harness/runs.js';
import { PREFIX, Stack } from '../harness/stack.js';
import type { DroverProcess } from '../harness/processes.js';
import type { Row } from '../harness/table.js';
import type { TestAlert } from '../../support/alerts.js';
import { waitFor } from '../../support/wait-for.js';
import { sleep, type Scenario, type ScenarioOptions } from './scenario.js';

const CLUSTERS = ['store-a', 'store-b'] as const;

async function run(options: ScenarioOptions): Promise<Row[]> {
  const { rng, log } = options;
  const rounds = options.short ? 3 : 10;
  const perRound = 10;
  const stack = await Stack.start({ deployments: rounds * perRound + 4 });
  const redis = stack.redis.client();
  let sent = 0;
  let accepted = 0;
  let fiveXx = 0;
  let kills = 0;
  try {
    await stack.startServe();
    const urls = new Map<string, string>();
    for (const cluster of CLUSTERS) {
      const user = await createAgentUser(redis, { prefix: PREFIX, cluster });
      await redis.hset(`${PREFIX}:fleet:clusters`, cluster, JSON.stringify({ name: cluster, labels: {}, createdAt: new Date().toISOString(), user: user.user }));
      const url = new URL(stack.redis.url);
      url.username = encodeURIComponent(user.user);
      url.password = encodeURIComponent(user.password);
      urls.set(cluster, url.toString());
    }
    const agents = new Map<string, DroverProcess>();
    for (const cluster of CLUSTERS) agents.set(cluster, await stack.startAgent(cluster, urls.get(cluster) as string));

    const pods = (await stack.fakes.objects('pods', 'chaos')).map((p) => p.metadata.name ?? '').filter(Boolean);
    const podOf = new Map(pods.map((p) => [Number(/^d-(\d+)-/.exec(p)?.[1]), p]));
    let next = 0;
    const alertFor = (kind: 'restart' | 'delete', cluster: string): TestAlert => {
      const i = next++;
      const startsAt = new Date(Date.UTC(2026, 0, 1) + sent * 1000).toISOString();
      const alert = kind === 'restart' ? mismatch(i, startsAt) : crashLoop(podOf.get(i) ?? `missing-${i}`, startsAt);
      return { ...alert, labels: { ...alert.labels, cluster } };
    };
    for (let round = 0; round < rounds; round++) {
      const alerts = CLUSTERS.flatMap((cluster) => [alertFor('restart', cluster), alertFor('restart', cluster), alertFor('restart', cluster), alertFor('delete', cluster), alertFor('delete', cluster)]);
      sent += alerts.length;
      const answer = await post(stack.base, deliveryBody(alerts));
      if (answer.status === 200) accepted += alerts.length;
      else if (typeof answer.status === 'number' && answer.status >= 500) fiveXx += 1;
      // While the runs are in flight (a kill after they finished proves little).
      await sleep(rng.int(0, 150));
      const victim = CLUSTERS[rng.int(0, CLUSTERS.length - 1)] as string;
      await agents.get(victim)?.stop('SIGKILL');
      kills += 1;
      // Its replacement: a new pod of the agent Deployment, with a new id, under the same cluster name.
      agents.set(victim, await stack.startAgent(victim, urls.get(victim) as string));
      log(`agent-kill: round ${round + 1}/${rounds}, killed ${victim}'s agent`);
    }
    const runs = await settle(redis, accepted, 120_000);
    const finished = runs.filter(isFinished);
    const succeeded = runs.filter((r) => r.state === 'succeeded').length;
    const failed = runs.filter((r) => r.state !== 'succeeded' && isFinished(r));
    const wrongCluster = runs.filter((r) => !CLUSTERS.some((c) => r.id.startsWith(`${c}.`))).length;
    const restarts = duplicates(await stack.fakes.mutations(), /^\/apis\/apps\/v1\/namespaces\/chaos\/deployments\/d-\d+$/);
    const deletes = duplicates(await stack.fakes.mutations(), /^\/api\/v1\/namespaces\/chaos\/pods\//);
    // Every finished run's end reached the one chain (the relay), and the chain verifies.
    const relayed = await waitFor(
      async () => {
        const ended = new Set(
          (await redis.xrange(`${PREFIX}:audit`, '-', '+'))
            .map(([, fields]) => JSON.parse(fields[1] ?? '{}') as { type?: string; runId?: string })
            .filter((e) => e.type === 'run.finished')
            .map((e) => e.runId),
        );
        const missing = finished.filter((r) => !ended.has(r.id)).length;
        return missing === 0 ? { missing } : undefined;
      },
      'the relayed run.finished events',
      // An agent killed between a run's end and its audit append leaves the event in its outbox: appended once it is 120 s old.
      200_000,
    ).catch(() => ({ missing: -1 }));
    const verify = await stack.cli(['audit', 'verify']);
    const errors = [...new Set(failed.map((r) => `${r.state}: ${r.error?.code ?? '?'}`))];
    return [
      {
        fault: 'agent SIGKILL, replaced (2 agent clusters, ACL users)',
        sent,
        accepted,
        finished: finished.length,
        lost: accepted - finished.length,
        duplicated: `restart: ${describeDuplicates(restarts)}; delete: ${describeDuplicates(deletes)}`,
        crashes: stack.crashes(),
        fiveXx,
        leaks: await stack.leaks(),
        notes:
          `${kills} kills; ${runs.filter((r) => r.attempts > 1).length} runs resumed by a replacement agent; ${succeeded} succeeded, ${failed.length} did not${errors.length ? ` (${errors.join(', ')})` : ''}; ${runs.length - finished.length} unfinished; ` +
          `${wrongCluster} not on an agent cluster; run.finished not relayed: ${relayed.missing === -1 ? 'some (timed out)' : relayed.missing}; audit verify exit ${verify.code}`,
      },
    ];
  } finally {
    redis.disconnect();
    await stack.stop();
  }
}

export const agentKill: Scenario = { name: 'agent-kill', run };
