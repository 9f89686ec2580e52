// Where a process spent its CPU: the functions with the most self time in a
// V8 CPU profile (node --cpu-prof), by name and file.
import { readdirSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
}

interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
}

/** The profile node --cpu-prof wrote for this pid in `dir` (written when the process exits). */
export function profileOf(dir: string, pid: number): string | undefined {
  const name = readdirSync(dir).find((f) => f.endsWith('.cpuprofile') && f.split('.').includes(String(pid)));
  return name ? join(dir, name) : undefined;
}

/** Who a function belongs to: a package, Drover, Node's internals, or V8 itself. */
function ownerOf(url: string): string {
  if (!url) return '(V8 / native)';
  if (url.startsWith('node:')) return 'node:internal';
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url)?.[1];
  if (pkg) return pkg;
  if (url.includes('/dist/src/')) return 'drover';
  return basename(url);
}

/** The busiest functions and owners by self time, as shares of the time the process was not idle. */
export function topSelfTime(file: string, top = 12): string[] {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const perSample = (profile.endTime - profile.startTime) / 1000 / (profile.samples.length || 1);
  const byFunction = new Map<string, number>();
  const byOwner = new Map<string, number>();
  let busy = 0;
  for (const node of profile.nodes) {
    const { functionName, url, lineNumber } = node.callFrame;
    const hits = node.hitCount ?? 0;
    if (functionName === '(idle)') continue;
    busy += hits;
    const where = url ? `${basename(url)}:${lineNumber + 1}` : '';
    const key = `${functionName || '(anonymous)'} ${where}`.trim();
    byFunction.set(key, (byFunction.get(key) ?? 0) + hits);
    const owner = ['(garbage collector)', '(program)'].includes(functionName) ? functionName : ownerOf(url);
    byOwner.set(owner, (byOwner.get(owner) ?? 0) + hits);
  }
  const line = ([name, hits]: [string, number]) => `${((hits / (busy || 1)) * 100).toFixed(1).padStart(5)}%  ${(hits * perSample).toFixed(0).padStart(6)} ms  ${name}`;
  const owners = [...byOwner].sort((a, b) => b[1] - a[1]).slice(0, 8);
  return [
    `busy ${(busy * perSample).toFixed(0)} ms; by owner: ${owners.map(([o, h]) => `${o} ${((h / (busy || 1)) * 100).toFixed(0)}%`).join(', ')}`,
    ...[...byFunction].sort((a, b) => b[1] - a[1]).slice(0, top).map(line),
  ];
}
