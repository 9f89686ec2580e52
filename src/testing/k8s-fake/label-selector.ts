/**
 * Label selectors, string form (`app=web,tier in (a,b),!canary`) and object
 * form (`{ matchLabels, matchExpressions }`), with the API server's operators.
 */
import { badRequest } from './status.js';

export type LabelOperator = 'in' | 'notin' | 'exists' | 'doesnotexist' | 'gt' | 'lt';

export interface LabelRequirement {
  key: string;
  operator: LabelOperator;
  values: string[];
}

export interface LabelSelectorObject {
  matchLabels?: Record<string, string>;
  matchExpressions?: { key: string; operator: string; values?: string[] }[];
}

const NAME = /^[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/;
const PREFIX = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

function checkKey(key: string): string {
  const slash = key.indexOf('/');
  const prefix = slash >= 0 ? key.slice(0, slash) : undefined;
  const name = slash >= 0 ? key.slice(slash + 1) : key;
  if (!NAME.test(name) || (prefix !== undefined && (!PREFIX.test(prefix) || prefix.length > 253))) {
    throw badRequest(`unable to parse requirement: invalid label key "${key}": name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character`);
  }
  return key;
}

function checkValue(value: string): string {
  if (value !== '' && !NAME.test(value)) {
    throw badRequest(`unable to parse requirement: invalid label value: "${value}": a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character`);
  }
  return value;
}

/** Splits on commas that are not inside parentheses. */
function splitTerms(selector: string): string[] {
  const terms: string[] = [];
  let depth = 0;
  let current = '';
  for (const ch of selector) {
    if (ch === '(') depth++;
    if (ch === ')') depth--;
    if (ch === ',' && depth === 0) {
      terms.push(current);
      current = '';
    } else {
      current += ch;
    }
  }
  terms.push(current);
  return terms.map((t) => t.trim());
}

const SET_TERM = /^(\S+?)\s+(in|notin)\s*\((.*)\)$/;
const BINARY_TERM = /^([^\s!=<>]+)\s*(==|!=|=|>|<)\s*(\S*)$/;

function parseTerm(term: string): LabelRequirement {
  if (term.startsWith('!')) {
    return { key: checkKey(term.slice(1).trim()), operator: 'doesnotexist', values: [] };
  }
  const set = SET_TERM.exec(term);
  if (set) {
    const values = (set[3] ?? '').split(',').map((v) => checkValue(v.trim()));
    return { key: checkKey(set[1] ?? ''), operator: set[2] === 'in' ? 'in' : 'notin', values };
  }
  const binary = BINARY_TERM.exec(term);
  if (binary) {
    const key = checkKey(binary[1] ?? '');
    const op = binary[2];
    const value = binary[3] ?? '';
    if (op === '>' || op === '<') {
      if (!/^-?\d+$/.test(value)) throw badRequest(`unable to parse requirement: for 'Gt', 'Lt' operators, the value must be an integer`);
      return { key, operator: op === '>' ? 'gt' : 'lt', values: [value] };
    }
    return { key, operator: op === '!=' ? 'notin' : 'in', values: [checkValue(value)] };
  }
  if (/^\S+$/.test(term)) return { key: checkKey(term), operator: 'exists', values: [] };
  throw badRequest(`unable to parse requirement: found '${term}', expected: identifier`);
}

/** Parses a label selector; an empty string selects everything. Throws a 400 ApiError when malformed. */
export function parseLabelSelector(selector: string | undefined): LabelRequirement[] {
  if (!selector || selector.trim() === '') return [];
  return splitTerms(selector).map((term) => {
    if (term === '') throw badRequest(`unable to parse requirement: found '', expected: identifier`);
    return parseTerm(term);
  });
}

export function matchesRequirements(requirements: LabelRequirement[], labels: Record<string, string> | undefined): boolean {
  const l = labels ?? {};
  return requirements.every((r) => {
    const has = Object.prototype.hasOwnProperty.call(l, r.key);
    const value = l[r.key];
    switch (r.operator) {
      case 'in':
        return has && r.values.includes(value ?? '');
      case 'notin':
        return !has || !r.values.includes(value ?? '');
      case 'exists':
        return has;
      case 'doesnotexist':
        return !has;
      case 'gt':
      case 'lt': {
        if (!has || !/^-?\d+$/.test(value ?? '')) return false;
        const n = Number(value);
        const bound = Number(r.values[0]);
        return r.operator === 'gt' ? n > bound : n < bound;
      }
    }
  });
}

export function matchesLabelSelector(selector: string | undefined, labels: Record<string, string> | undefined): boolean {
  return matchesRequirements(parseLabelSelector(selector), labels);
}

/** The string form of a selector object, as the scale subresource reports it in status.selector. */
export function selectorToString(selector: LabelSelectorObject | undefined): string {
  if (!selector) return '';
  const terms: string[] = Object.entries(selector.matchLabels ?? {})
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([k, v]) => `${k}=${v}`);
  for (const e of selector.matchExpressions ?? []) {
    const values = [...(e.values ?? [])].sort().join(',');
    if (e.operator === 'In') terms.push(`${e.key} in (${values})`);
    else if (e.operator === 'NotIn') terms.push(`${e.key} notin (${values})`);
    else if (e.operator === 'Exists') terms.push(e.key);
    else if (e.operator === 'DoesNotExist') terms.push(`!${e.key}`);
  }
  return terms.join(',');
}

export function matchesSelectorObject(selector: LabelSelectorObject | undefined, labels: Record<string, string> | undefined): boolean {
  return matchesLabelSelector(selectorToString(selector), labels);
}
