/** The one table the suite prints: a row per fault. */
export interface Row {
  fault: string;
  sent: number | string;
  accepted: number | string;
  finished: number | string;
  lost: number | string;
  duplicated: number | string;
  crashes: number | string;
  fiveXx: number | string;
  leaks: number | string;
  notes: string;
}

const HEADERS: Array<[keyof Row, string]> = [
  ['fault', 'fault'],
  ['sent', 'sent'],
  ['accepted', 'accepted'],
  ['finished', 'finished'],
  ['lost', 'lost'],
  ['duplicated', 'duplicated mutations'],
  ['crashes', 'crashes'],
  ['fiveXx', '5xx'],
  ['leaks', 'leaks'],
  ['notes', 'notes'],
];

/** A Markdown table, so the same text reads in a terminal and pastes into the README. */
export function renderTable(rows: Row[]): string {
  const cells = rows.map((r) => HEADERS.map(([k]) => String(r[k]).replace(/\|/g, '\\|')));
  const lines = [`| ${HEADERS.map(([, h]) => h).join(' | ')} |`, `|${HEADERS.map(([k]) => (k === 'fault' || k === 'notes' ? '---' : '--:')).join('|')}|`];
  for (const c of cells) lines.push(`| ${c.join(' | ')} |`);
  return lines.join('\n');
}
