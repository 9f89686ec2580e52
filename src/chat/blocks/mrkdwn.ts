/**
 * Text for Slack's mrkdwn. Everything that did not come from Drover itself
 * (param values, runbook texts, error messages, diffs) goes through
 * `escapeMrkdwn`, so it cannot mention @channel, link somewhere or break a
 * code block. Slack only needs `&`, `<` and `>` escaped, in code blocks too.
 */

const ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;' };

export function escapeMrkdwn(text: string): string {
  return text.replace(/[&<>]/g, (ch) => ENTITIES[ch] ?? ch);
}

export function unescapeMrkdwn(text: string): string {
  return text.replace(/&(amp|lt|gt);/g, (_, name: string) => (name === 'lt' ? '<' : name === 'gt' ? '>' : '&'));
}

export const moreLines = (n: number): string => `… (${n} more line${n === 1 ? '' : 's'})`;
export const moreChars = (n: number): string => `… (${n} more char${n === 1 ? '' : 's'})`;

/** Index at which a string may be cut without splitting a surrogate pair. */
function safeCut(text: string, index: number): number {
  const code = text.charCodeAt(index - 1);
  return index > 0 && code >= 0xd800 && code <= 0xdbff ? index - 1 : index;
}

/** Escapes raw text, cutting it (with a `… (N more chars)` marker) so the result fits in `max`. */
export function escapeFit(raw: string, max: number): string {
  const full = escapeMrkdwn(raw);
  if (full.length <= max) return full;
  const budget = max - moreChars(raw.length).length;
  let used = 0;
  let i = 0;
  while (i < raw.length) {
    const width = (ENTITIES[raw[i] ?? ''] ?? 'x').length;
    if (used + width > budget) break;
    used += width;
    i++;
  }
  const cut = safeCut(raw, i);
  return escapeMrkdwn(raw.slice(0, cut)) + moreChars(raw.length - cut);
}

/** Plain text (headers, labels, options: no mrkdwn) cut to `max` with an ellipsis. */
export function plainFit(raw: string, max: number): string {
  if (raw.length <= max) return raw;
  return `${raw.slice(0, safeCut(raw, max - 1))}…`;
}

/**
 * Cuts already formatted mrkdwn to `max` characters. A last resort for text
 * that the builders did not bound: it drops a partial `&entity;` or `<token>`
 * at the cut so what remains still parses.
 */
export function mrkdwnFit(text: string, max: number): string {
  if (text.length <= max) return text;
  let cut = text.slice(0, safeCut(text, max - 1));
  cut = cut.replace(/&[a-z]{0,3}$/, '').replace(/<[^>]*$/, '');
  return `${cut}…`;
}

/** Inline code for a raw value, or escaped plain text when a backtick or newline would break the span. */
export function inlineCode(raw: string, max = 200): string {
  if (/[`\n]/.test(raw) || raw === '') return escapeFit(raw.replace(/\n/g, ' '), max);
  return `\`${escapeFit(raw, max - 2)}\``;
}

const LONG_LINE = 400;

/**
 * A ``` code block of raw text (a diff, a command line), escaped, that fits in
 * `max` characters with its fences: long lines are cut, extra lines replaced
 * by a `… (N more lines)` line after the block. No language tag: Slack would
 * show it as the block's first line.
 */
export function codeBlock(raw: string, max: number): string {
  // A ``` inside the text would close the block early; a zero-width space keeps it literal.
  const lines = raw
    .replace(/\n$/, '')
    .split('\n')
    .map((line) => escapeFit(line, LONG_LINE).replace(/```/g, '`\u200b``'));
  const open = '```\n';
  const close = '\n```';
  const body = lines.join('\n');
  if (open.length + body.length + close.length <= max) return open + body + close;
  const kept: string[] = [];
  let used = open.length + close.length;
  for (const line of lines) {
    const marker = 1 + moreLines(lines.length).length;
    if (used + line.length + 1 + marker > max) break;
    kept.push(line);
    used += line.length + 1;
  }
  const omitted = moreLines(lines.length - kept.length);
  if (!kept.length) return omitted;
  return `${open}${kept.join('\n')}${close}\n${omitted}`;
}
