// The closing table: figure | Drover | floor | ratio | goal | met?
export interface Row {
  figure: string;
  drover: string;
  floor: string;
  ratio?: number;
  goal: string;
  met?: boolean;
}

export interface Goal {
  /** The ratio (or the Drover value, when there is no floor) must be at least / at most this. */
  atLeast?: number;
  atMost?: number;
}

export function meets(value: number, goal: Goal): boolean | undefined {
  if (!Number.isFinite(value)) return undefined;
  if (goal.atLeast !== undefined) return value >= goal.atLeast;
  if (goal.atMost !== undefined) return value <= goal.atMost;
  return undefined;
}

export function goalText(goal: Goal, what: string): string {
  if (goal.atLeast !== undefined) return `${what} ≥ ${goal.atLeast}`;
  if (goal.atMost !== undefined) return `${what} ≤ ${goal.atMost}`;
  return '-';
}

export function formatTable(rows: Row[]): string {
  const header = ['figure', 'Drover', 'floor', 'ratio', 'goal', 'met?'];
  const cells = rows.map((r) => [r.figure, r.drover, r.floor, r.ratio === undefined ? '-' : r.ratio.toFixed(2), r.goal, r.met === undefined ? '-' : r.met ? 'yes' : 'NO']);
  const widths = header.map((h, i) => Math.max(h.length, ...cells.map((c) => (c[i] ?? '').length)));
  const line = (c: string[]) => `| ${c.map((v, i) => v.padEnd(widths[i] ?? 0)).join(' | ')} |`;
  return [line(header), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...cells.map(line)].join('\n');
}
