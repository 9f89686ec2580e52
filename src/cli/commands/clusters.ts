import type { Command } from 'commander';
import type { CommandDeps } from '../deps.js';
import { EXIT } from '../output.js';

const collect = (value: string, previous: string[]): string[] => [...previous, value];

/**
 * `drover clusters`: every cluster Drover knows, those central workers serve
 * with a kubeconfig and the agent clusters, with their agents, when they were
 * last seen and the runs in flight.
 */
export function registerClusterCommands(program: Command, deps: CommandDeps, setExit: (code: number) => void): void {
  program
    .command('clusters')
    .description('Every cluster Drover knows: served by central workers (kubeconfig) or by its own agent, with agents, last seen and runs in flight')
    .option('--json', 'print JSON')
    .option('-l, --label <key=value>', 'only clusters whose labels match: key=value, key!=value or key (repeatable, or comma-separated; as drover rollout --clusters)', collect, [])
    .action(async (opts: { json?: boolean; label: string[] }) => {
      const [{ withStore }, { FleetRegistry }, { FleetPresence }, text] = await Promise.all([
        import('../store-client.js'),
        import('../../fleet/registry.js'),
        import('../../fleet/agent-presence.js'),
        import('../../fleet/cluster-text.js'),
      ]);
      const { parseSelector, matches } = await import('../../fleet/rollout/selector.js');
      // The selector `drover rollout --clusters` takes: key=value, key!=value, key.
      let selector: ReturnType<typeof parseSelector> | undefined;
      try {
        selector = opts.label.length ? parseSelector(opts.label.join(',')) : undefined;
      } catch (err) {
        deps.output.err(`error: ${(err as Error).message}`);
        setExit(EXIT.usage);
        return;
      }
      await withStore(deps, async ({ config, redis, presence }) => {
        const prefix = config.redis.prefix;
        const fleet = new FleetPresence(redis, prefix, new FleetRegistry(redis, prefix), config.fleet.agentStale);
        const [workers, known, agents] = await Promise.all([presence.workers(), presence.known(), fleet.status()]);
        const rows = text.clusterRows(workers, known, agents).filter((row) => !selector || matches(selector, row.labels));
        if (opts.json) return deps.output.out(JSON.stringify(rows, null, 2));
        if (!rows.length) {
          const filtered = selector ? ` with labels ${selector.text}` : '';
          return deps.output.out(`No cluster${filtered}: no worker has announced one and no agent cluster is registered (\`drover agent token create NAME\`).`);
        }
        const counts = text.stateCounts(rows);
        for (const line of text.clusterTable(rows, Date.now())) deps.output.out(line);
        deps.output.out(`${rows.length} cluster(s): ${counts.up} up, ${counts.absent} absent, ${counts['never-seen']} never seen.`);
      });
    });
}
