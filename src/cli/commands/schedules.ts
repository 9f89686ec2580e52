import type { Command } from 'commander';
import type { CommandDeps } from '../deps.js';
import { withClient } from '../lazy-runtime.js';

export function registerScheduleCommands(program: Command, deps: CommandDeps): void {
  program
    .command('schedules')
    .description("The runbooks' schedules: next fire in each one's time zone, whether the policy allows it, the last fire and run")
    .option('--json', 'print JSON')
    .action(async (opts: { json?: boolean }) => {
      const { scheduleLines } = await import('../../schedules/schedule-text.js');
      await withClient(deps, async (rt) => {
        const schedules = await rt.drover.schedules.list();
        if (opts.json) return deps.output.out(JSON.stringify(schedules, null, 2));
        if (!schedules.length) return deps.output.out('No runbook declares a schedule (triggers.schedule).');
        for (const s of schedules) for (const line of scheduleLines(s)) deps.output.out(line);
      });
    });
}
