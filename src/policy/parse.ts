import { LineCounter, parseDocument } from 'yaml';
import { DroverError, errorMessage } from '../errors.js';
import { suggest } from '../runbook/suggest.js';
import { formatPath, problemsFromIssues, valueAt, type Problem } from './problems.js';
import { policySchema, type PolicyDocument } from './schema.js';

function invalid(source: string, problems: string[]): DroverError {
  return new DroverError('config_invalid', `Policy file ${source} is invalid:\n  - ${problems.join('\n  - ')}`, {
    details: { file: source, problems },
  });
}

/** Group names referenced by rules and approvals that the `groups` section does not define. */
function unknownGroups(raw: unknown): Problem[] {
  const groups = valueAt(raw, ['groups']);
  const known = typeof groups === 'object' && groups !== null && !Array.isArray(groups) ? Object.keys(groups) : [];
  const problems: Problem[] = [];
  const check = (name: unknown, path: (string | number)[]) => {
    if (typeof name !== 'string' || known.includes(name)) return;
    const guess = suggest(name, known);
    problems.push({ path, message: `unknown group ${JSON.stringify(name)}${guess ? ` (did you mean "${guess}"?)` : ''}` });
  };
  const rules = valueAt(raw, ['rules']);
  if (Array.isArray(rules)) {
    rules.forEach((_, i) => {
      const names = valueAt(raw, ['rules', i, 'groups']);
      if (Array.isArray(names)) names.forEach((name, j) => check(name, ['rules', i, 'groups', j]));
    });
  }
  const approvals = valueAt(raw, ['approvals']);
  if (Array.isArray(approvals)) approvals.forEach((_, i) => check(valueAt(raw, ['approvals', i, 'require', 'from']), ['approvals', i, 'require', 'from']));
  return problems;
}

/**
 * Parses and validates a policy file (YAML or JSON). Every problem is reported
 * at once, each with its path and line, in one `config_invalid` error whose
 * message starts with `Policy file <source> is invalid:`.
 */
export function parsePolicy(text: string, source: string): PolicyDocument {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false });
  if (doc.errors.length) {
    // After a syntax error the content is a guess; checking it would add noise.
    throw invalid(
      source,
      doc.errors.map((e) => {
        const { line, col } = lineCounter.linePos(e.pos[0]);
        return `line ${line}, column ${col}: YAML syntax error: ${e.message.split('\n')[0] ?? e.message}`;
      }),
    );
  }
  const raw: unknown = doc.toJS();
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw invalid(source, [raw === null || raw === undefined ? 'the file is empty; it must hold a mapping with groups and rules' : 'the file must hold a mapping with groups and rules']);
  }
  const result = policySchema.safeParse(raw);
  const problems = [...(result.success ? [] : problemsFromIssues(result.error.issues, raw)), ...unknownGroups(raw)];
  if (result.success && problems.length === 0) return result.data;

  const lineOf = (p: Problem): number | undefined => {
    for (let n = p.path.length; n > 0; n--) {
      const node: unknown = doc.getIn(p.path.slice(0, n), true);
      const start = (node as { range?: [number, number, number] } | undefined)?.range?.[0];
      if (start !== undefined) return lineCounter.linePos(start).line;
    }
    return undefined;
  };
  const lines = problems
    .map((p) => ({ line: lineOf(p), text: `${formatPath(p.path)}: ${p.message}` }))
    .sort((a, b) => (a.line ?? Infinity) - (b.line ?? Infinity))
    .map(({ line, text }) => (line === undefined ? text : `${text} (line ${line})`));
  throw invalid(source, [...new Set(lines)]);
}

/** Reads and parses a policy file; an unreadable file is a `config_invalid` error too. */
export function loadPolicyFile(path: string, readFile: (p: string) => string): PolicyDocument {
  let text: string;
  try {
    text = readFile(path);
  } catch (err) {
    throw new DroverError('config_invalid', `Policy file ${path} cannot be read: ${errorMessage(err)}`, { cause: err, details: { file: path } });
  }
  return parsePolicy(text, path);
}
