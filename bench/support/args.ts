// `npm run bench [-- [--quick] [--keep] [part...]]`
export interface BenchArgs {
  parts: string[];
  quick: boolean;
  /** Keep the workspace (logs, memory reports, heap snapshots) after a successful run. */
  keep: boolean;
  /** Write and summarise heap snapshots of the processes under test. */
  heap: boolean;
  /** CPU-profile the serve process of the alert storm and the worker of the runs, and summarise. */
  profile: boolean;
  /** The fleet part's number of simulated clusters (default 2,000; 20 with --quick). */
  clusters?: number;
}

export function parseArgs(argv: string[], known: string[]): BenchArgs | string {
  const args: BenchArgs = { parts: [], quick: false, keep: false, heap: false, profile: false };
  for (const a of argv) {
    if (a === '--') continue;
    else if (a === '--quick') args.quick = true;
    else if (a === '--keep') args.keep = true;
    else if (a === '--heap') args.heap = true;
    else if (a === '--profile') args.profile = true;
    else if (/^--clusters=\d+$/.test(a)) args.clusters = Number(a.slice('--clusters='.length));
    else if (known.includes(a)) args.parts.push(a);
    else return `Unknown argument "${a}". Parts: ${known.join(', ')}; options: --quick (smaller sizes), --clusters=N (the fleet part's size), --keep (keep logs), --heap (heap snapshots), --profile (CPU profiles of the storms).`;
  }
  return args;
}
