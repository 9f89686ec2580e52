import type { Command } from 'commander';
import { parseDuration } from '../../config/duration.js';
import { DroverError } from '../../errors.js';
import { describeEvent, filterEvents, type AuditFilter } from '../../audit/filter.js';
import type { CommandDeps } from '../deps.js';
import { registerAuditVerify } from './audit-verify.js';
import { withClient } from '../lazy-runtime.js';

function since(text: string | undefined, now: Date): Date | undefined {
  if (!text) return undefined;
  const ago = parseDuration(text);
  if (ago !== undefined && !/^\d+$/.test(text)) return new Date(now.getTime() - ago);
  const at = Date.parse(text);
  if (Number.isNaN(at)) throw new DroverError('params_invalid', `--since: "${text}" is neither a duration (30m, 2h, 7d) nor a time (2026-11-24T10:00:00Z).`);
  return new Date(at);
}

interface FilterOptions {
  since?: string;
  runbook?: string;
  user?: string;
  cluster?: string;
}

function filterFrom(opts: FilterOptions): AuditFilter {
  const filter: AuditFilter = {};
  const from = since(opts.since, new Date());
  if (from) filter.since = from;
  if (opts.runbook) filter.runbook = opts.runbook;
  if (opts.user) filter.user = opts.user;
  if (opts.cluster) filter.cluster = opts.cluster;
  return filter;
}

export function registerAuditCommands(program: Command, deps: CommandDeps, setExit: (code: number) => void): void {
  const audit = program.command('audit').description('Read and verify the tamper-evident audit log');
  const withFilters = (cmd: Command) =>
    cmd
      .option('--since <when>', 'a duration back from now (30m, 2h, 7d) or a time')
      .option('--runbook <id>', 'only runs of this runbook')
      .option('--user <id>', 'only runs asked for by this user (Slack id, user@host)')
      .option('--cluster <name>', 'only runs on this cluster');

  registerAuditVerify(audit, deps, setExit);

  withFilters(audit.command('tail').description('The most recent events, one line each'))
    .option('-n, --lines <n>', 'how many', '20')
    .action(async (opts: FilterOptions & { lines: string }) => {
      await withClient(deps, async (rt) => {
        const events = filterEvents(await rt.drover.audit.read(), filterFrom(opts));
        for (const e of events.slice(-(Number(opts.lines) || 20))) deps.output.out(describeEvent(e));
      });
    });

  withFilters(audit.command('export').description('Events as JSON lines, chain fields included, for archiving or a SIEM')).action(async (opts: FilterOptions) => {
    await withClient(deps, async (rt) => {
      for (const e of filterEvents(await rt.drover.audit.read(), filterFrom(opts))) deps.output.out(JSON.stringify(e));
    });
  });
}
