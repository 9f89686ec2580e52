// A process's resident memory from /proc/<pid>/status (Linux): VmRSS now and
// VmHWM, the peak since it started; and a sampler that keeps each process's
// highest VmRSS while a figure is measured.
import { readFileSync } from 'node:fs';

export interface ProcMemory {
  rss: number;
  hwm: number;
}

export function procMemory(pid: number): ProcMemory | undefined {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/status`, 'utf8');
  } catch {
    return undefined;
  }
  const kb = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(text)?.[1] ?? 0) * 1024;
  return { rss: kb('VmRSS'), hwm: kb('VmHWM') };
}

export class RssSampler {
  private readonly peaks = new Map<number, number>();
  private readonly timer: NodeJS.Timeout;

  constructor(pids: number[], everyMs = 100) {
    for (const pid of pids) this.peaks.set(pid, 0);
    this.timer = setInterval(() => this.sample(), everyMs);
    this.sample();
  }

  private sample(): void {
    for (const [pid, peak] of this.peaks) {
      const m = procMemory(pid);
      if (m && m.rss > peak) this.peaks.set(pid, m.rss);
    }
  }

  /** Stops sampling; the highest RSS seen per pid. */
  stop(): Map<number, number> {
    clearInterval(this.timer);
    this.sample();
    return this.peaks;
  }
}
