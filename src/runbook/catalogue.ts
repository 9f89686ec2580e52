import { formatDuration, parseDuration, type Duration } from '../config/duration.js';
import { alertFacts, approvalSummary, concurrencyKeyFacts } from './catalogue-entry.js';
import { describeParams, type ParamInfo } from './params.js';
import { chatName } from './registry.js';
import type { AlertTrigger, Runbook, ScheduleTrigger } from './types.js';
import { scheduleTriggers } from '../schedules/schedule-spec.js';

/** How `drover runbooks docs` is run, named in the catalogue's header and in the staleness test. */
export const CATALOGUE_COMMAND = 'npx drover runbooks docs --out docs/runbooks.md';

/** Text safe inside a Markdown table cell: one line, pipes escaped. */
function cell(text: string): string {
  return text.replace(/\s*\n\s*/g, ' ').replace(/\|/g, '\\|');
}

/** Inline code that survives backticks in the text. */
function code(text: string): string {
  const fence = text.includes('`') ? '``' : '`';
  return `${fence}${fence.length > 1 ? ' ' : ''}${text}${fence.length > 1 ? ' ' : ''}${fence}`;
}

const duration = (d: Duration) => formatDuration(parseDuration(d) ?? 0);

function valueText(value: unknown): string {
  return typeof value === 'string' ? value : JSON.stringify(value);
}

function paramRow(p: ParamInfo): string {
  const bounds =
    p.minimum !== undefined && p.maximum !== undefined ? `${p.minimum}–${p.maximum}`
    : p.minimum !== undefined ? `≥ ${p.minimum}`
    : p.maximum !== undefined ? `≤ ${p.maximum}`
    : undefined;
  const type = [p.type, ...(bounds ? [bounds] : []), ...(p.choices?.length ? [`one of ${p.choices.map((c) => code(valueText(c))).join(', ')}`] : [])];
  const need = p.required ? 'required' : p.default !== undefined ? `default ${code(valueText(p.default))}` : 'optional';
  return `| ${code(p.name)} | ${cell(type.join(', '))} | ${need} | ${cell(p.description ?? '')} |`;
}

/** The key shown with each param as `<name>` (see concurrencyKeyFacts). */
function concurrencyKeyText(rb: Runbook): string {
  const facts = concurrencyKeyFacts(rb);
  if (facts.kind === 'runbook') return `${code(facts.key)} (the runbook id: runs on one cluster never overlap)`;
  return facts.kind === 'pattern' ? code(facts.key) : 'computed from the params';
}

function alertLine(trigger: AlertTrigger<Record<string, unknown>>): string {
  const alert = alertFacts(trigger);
  const where = alert.matchers.length ? ` where ${alert.matchers.map(code).join(', ')}` : '';
  const mapping = !alert.params ? 'params computed from the alert by the runbook' : alert.params.map((p) => `${code(p.param)} ← ${p.from} ${code(p.name)}`).join(', ') || 'no params from the alert';
  const silence = alert.silence ? '; the alert is silenced while the run fixes it' : '';
  return `- alert ${code(alert.alertname)}${where}: ${mapping}${silence}`;
}

function scheduleLine(runbook: string, s: ScheduleTrigger<Record<string, unknown>>): string {
  const params = Object.entries(s.params ?? {}).map(([k, v]) => `${k}=${valueText(v)}`);
  const clusters = s.cluster === undefined ? 'the default cluster' : `cluster ${[s.cluster].flat().map(code).join(', ')}`;
  const catchUp = s.catchUp !== undefined ? duration(s.catchUp) : '10m';
  return `- schedule ${code(s.name)}: ${code(s.cron)} in ${s.timeZone}, on ${clusters}${params.length ? ` with ${code(params.join(' '))}` : ''}; asked for by ${code(`schedule:${runbook}/${s.name}`)}; a missed fire runs if at most ${catchUp} late`;
}

function section(rb: Runbook, command: string): string[] {
  const chat = chatName(rb);
  const params = describeParams(rb.params);
  const rate = rb.rateLimit;
  const lines = [`## ${rb.id}`, '', cell(rb.summary), ''];
  if (rb.description) lines.push(rb.description.trim(), '');
  lines.push(
    '| | |',
    '|---|---|',
    // Which pack it comes from, at which version (not its content hash: that changes with every edit).
    ...(rb.pack ? [`| Pack | ${code(rb.pack.name)} (${/^[0-9a-f]{40}$/.test(rb.pack.version) ? `commit ${code(rb.pack.version.slice(0, 12))}` : rb.pack.version}) |`] : []),
    `| Risk | ${rb.risk ?? 'medium'} |`,
    `| Approval | ${approvalSummary(rb)} |`,
    `| Concurrency key | ${concurrencyKeyText(rb)} |`,
    `| Timeout | ${rb.timeout !== undefined ? duration(rb.timeout) : 'default (`jobs.defaultTimeout`, 10m unless configured)'} |`,
    `| Rate limit (alert and scheduled runs) | ${rate ? `${rate.maxRuns} run${rate.maxRuns === 1 ? '' : 's'} per ${duration(rate.window)}${rate.cooldown !== undefined ? `, ${duration(rate.cooldown)} cooldown` : ''}` : 'none'} |`,
    '',
    '**Params**',
    '',
  );
  if (params.length) lines.push('| name | type | required / default | description |', '|---|---|---|---|', ...params.map(paramRow));
  else lines.push('None.');
  lines.push('', '**Triggers**', '');
  lines.push(chat ? `- chat: ${code(`${command} run ${chat}`)}` : '- chat: hidden from chat (CLI and alerts only)');
  for (const alert of rb.triggers?.alerts ?? []) lines.push(alertLine(alert));
  for (const s of scheduleTriggers(rb)) lines.push(scheduleLine(rb.id, s));
  lines.push('');
  return lines;
}

/**
 * The Markdown catalogue of runbooks: ordered by id, no timestamps, so the
 * same definitions always render the same text (a test compares it with the
 * committed docs/runbooks.md).
 */
export function renderCatalogue(runbooks: readonly Runbook[], options: { command?: string } = {}): string {
  const command = options.command ?? '/drover';
  const sorted = [...runbooks].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  const lines = [
    '# Runbook catalogue',
    '',
    `<!-- Generated from the runbook definitions by \`${CATALOGUE_COMMAND}\`; do not edit by hand. -->`,
    '',
    ...(sorted.length ? sorted.map((rb) => `- [${rb.id}](#${rb.id.toLowerCase().replace(/[^a-z0-9 -]/g, '').replace(/ /g, '-')}): ${cell(rb.summary)}`) : ['No runbooks.']),
    '',
    ...sorted.flatMap((rb) => section(rb, command)),
  ];
  return `${lines.join('\n').replace(/\n+$/, '')}\n`;
}
