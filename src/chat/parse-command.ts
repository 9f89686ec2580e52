/** A chat command split into words: `run scale namespace=shop --cluster prod --dry-run`. */
export interface ParsedCommand {
  verb: string;
  /** Positional words after the verb (runbook, key=value pairs, run id...). */
  args: string[];
  cluster?: string;
  dryRun: boolean;
  /** Flags we do not know, to report rather than ignore. */
  unknownFlags: string[];
}

// Slack turns straight quotes into typographic ones when people type them.
const QUOTES: Record<string, string> = { '"': '"', "'": "'", '“': '”', '”': '”', '‘': '’', '’': '’' };

/** Splits on whitespace, honouring quotes anywhere in a word (`deployment="my app"`). */
export function splitWords(text: string): string[] {
  const words: string[] = [];
  let current = '';
  let inWord = false;
  let closing: string | undefined;
  for (const ch of text.trim()) {
    if (closing) {
      if (ch === closing || (closing === '”' && ch === '"') || (closing === '"' && ch === '”')) closing = undefined;
      else current += ch;
      continue;
    }
    if (ch in QUOTES) {
      closing = QUOTES[ch];
      inWord = true;
      continue;
    }
    if (/\s/.test(ch)) {
      if (inWord) words.push(current);
      current = '';
      inWord = false;
      continue;
    }
    current += ch;
    inWord = true;
  }
  if (inWord) words.push(current);
  return words;
}

export function parseCommand(text: string): ParsedCommand {
  const words = splitWords(text);
  const parsed: ParsedCommand = { verb: (words.shift() ?? 'help').toLowerCase(), args: [], dryRun: false, unknownFlags: [] };
  for (let i = 0; i < words.length; i++) {
    // Slack and phones turn `--` into an em or en dash.
    const word = (words[i] ?? '').replace(/^[—–]/, '--');
    if (word === '--dry-run' || word === '--dryrun') parsed.dryRun = true;
    else if (word === '--cluster' || word === '-c') parsed.cluster = words[++i];
    else if (word.startsWith('--cluster=')) parsed.cluster = word.slice('--cluster='.length);
    else if (word.startsWith('--')) parsed.unknownFlags.push(word);
    else parsed.args.push(word);
  }
  return parsed;
}
