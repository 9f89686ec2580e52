import type { ParamInfo } from '../../runbook/params.js';
import { valueText } from './format.js';

/** `1–10`, `≥ 1`, `≤ 10`, or undefined when unbounded. */
export function bounds(p: ParamInfo): string | undefined {
  if (p.minimum !== undefined && p.maximum !== undefined) return `${p.minimum}–${p.maximum}`;
  if (p.minimum !== undefined) return `≥ ${p.minimum}`;
  if (p.maximum !== undefined) return `≤ ${p.maximum}`;
  return undefined;
}

/** Raw facts about a param, for a detail line or a form hint: type, required or default, bounds, choices. */
export function paramFacts(p: ParamInfo): string[] {
  const facts = [p.type === 'array' ? 'list, comma-separated' : p.type];
  if (p.required) facts.push('required');
  else if (p.default !== undefined) facts.push(`default ${valueText(p.default) || '""'}`);
  else facts.push('optional');
  const range = bounds(p);
  if (range) facts.push(range);
  if (p.choices?.length) facts.push(`one of ${p.choices.map(valueText).join(', ')}`);
  return facts;
}

/** A value to show in an example command line. */
export function exampleValue(p: ParamInfo): string {
  if (p.default !== undefined) return valueText(p.default);
  const first = p.choices?.[0];
  if (first !== undefined) return valueText(first);
  switch (p.type) {
    case 'integer':
    case 'number':
      return String(p.minimum ?? 1);
    case 'boolean':
      return 'true';
    case 'array':
      return 'a,b';
    default:
      return `<${p.name}>`;
  }
}
