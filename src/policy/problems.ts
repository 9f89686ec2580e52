import type { z } from 'zod';
import { suggest } from '../runbook/suggest.js';

/** A path into the policy document, as zod and the yaml package write it. */
export type DocPath = readonly (string | number)[];

/** `rules[1].groups[0]`: how problems name the place to fix. */
export function formatPath(path: DocPath): string {
  let out = '';
  for (const segment of path) {
    if (typeof segment === 'number') out += `[${segment}]`;
    else out += out ? `.${segment}` : segment;
  }
  return out || '(top level)';
}

/** The value at a path of plain data, or undefined. */
export function valueAt(data: unknown, path: DocPath): unknown {
  let node = data;
  for (const segment of path) {
    if (typeof node !== 'object' || node === null) return undefined;
    node = (node as Record<string | number, unknown>)[segment];
  }
  return node;
}

const KEYS = {
  top: ['groups', 'rules', 'approvals'],
  rule: ['groups', 'runbooks', 'clusters', 'namespaces', 'dryRunOnly'],
  approval: ['runbooks', 'clusters', 'namespaces', 'risk', 'exemptDryRun', 'require'],
  require: ['approvals', 'from', 'within'],
};

function knownKeys(path: DocPath): string[] {
  if (path.length === 0) return KEYS.top;
  if (path[0] === 'rules' && path.length === 2) return KEYS.rule;
  if (path[0] === 'approvals' && path.length === 2) return KEYS.approval;
  if (path[0] === 'approvals' && path[2] === 'require') return KEYS.require;
  return [];
}

const TYPE_NAMES: Record<string, string> = {
  array: 'a list',
  record: 'a mapping',
  object: 'a mapping',
  string: 'a string',
  boolean: 'true or false',
  number: 'a number',
};

export interface Problem {
  path: DocPath;
  message: string;
}

/** Zod's issues as operator-facing problems: unknown keys one by one with a suggestion, plain type names. */
export function problemsFromIssues(issues: readonly z.core.$ZodIssue[], data: unknown): Problem[] {
  const out: Problem[] = [];
  for (const issue of issues) {
    const path = issue.path.filter((s): s is string | number => typeof s !== 'symbol');
    switch (issue.code) {
      case 'unrecognized_keys':
        for (const key of issue.keys) {
          const guess = suggest(key, knownKeys(path));
          out.push({ path: [...path, key], message: `unknown key${guess ? ` (did you mean "${guess}"?)` : ''}` });
        }
        break;
      case 'invalid_key':
        out.push({ path, message: `bad group name: ${issue.issues[0]?.message ?? issue.message}` });
        break;
      case 'invalid_type':
        out.push({
          path,
          message: valueAt(data, path) === undefined ? 'is required' : `must be ${TYPE_NAMES[issue.expected] ?? issue.expected}`,
        });
        break;
      case 'invalid_value':
        out.push({ path, message: `must be one of ${issue.values.map(String).join(', ')}` });
        break;
      default:
        out.push({ path, message: issue.message });
    }
  }
  return out;
}
