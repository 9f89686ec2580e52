/** Longest runbook id: a Kubernetes label value (a run's id and key carry it) holds 63 characters. */
export const MAX_ID_LENGTH = 63;

/**
 * Words a runbook id cannot be: the chat verbs (`/drover list` would be ambiguous
 * with a runbook called `list`), the CLI's own commands, and names that mean
 * something else in a runbooks directory.
 */
const RESERVED = new Set([
  // chat verbs (src/chat/chat-commands.ts)
  'help', 'list', 'describe', 'run', 'status', 'cancel', 'approve', 'reject', 'history', 'audit', 'runbooks', 'schedules', 'clusters',
  // CLI commands and words with a meaning of their own
  'new', 'test', 'docs', 'validate', 'chat', 'start', 'serve', 'worker', 'policy', 'drover', 'index', 'all',
]);

/** What is wrong with `id` as a new runbook's id, written for the person who typed it; undefined when it is fine. */
export function runbookIdProblem(id: string): string | undefined {
  if (!id) return 'a runbook needs an id, e.g. disk-report';
  if (id.length > MAX_ID_LENGTH) return `"${id.slice(0, 20)}…" is ${id.length} characters long; a runbook id has at most ${MAX_ID_LENGTH}`;
  if (!/^[a-z0-9]+(?:-[a-z0-9]+)*$/.test(id)) {
    const suggestion = id
      // ü → u: accents go, the letter stays.
      .normalize('NFKD')
      .replace(/[\u0300-\u036f]/g, '')
      .replace(/([a-z0-9])([A-Z])/g, '$1-$2')
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^-+|-+$/g, '');
    const hint = suggestion && suggestion !== id && !RESERVED.has(suggestion) ? ` (try "${suggestion}")` : '';
    return `"${id}" is not kebab-case: use lowercase letters, digits and single dashes, e.g. disk-report${hint}`;
  }
  if (RESERVED.has(id)) return `"${id}" is reserved (a chat or CLI command has that name); pick a name that says what the runbook does, e.g. ${id}-report`;
  return undefined;
}

/** True when `id` is reserved; for tests that keep this list in step with the chat's verbs. */
export function isReservedId(id: string): boolean {
  return RESERVED.has(id);
}
