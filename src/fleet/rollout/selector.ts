import { DroverError } from '../../errors.js';
import type { FleetCluster } from '../registry.js';

/** One term of a cluster selector: `key=value`, `key!=value`, or `key` (the label exists). */
export type SelectorTerm = { key: string; op: '=' | '!='; value: string } | { key: string; op: 'exists' };

/** A parsed `--clusters` selector: every term must hold (AND). */
export interface ClusterSelector {
  /** The selector as written, normalised (terms in the order given, no spaces). */
  readonly text: string;
  readonly terms: readonly SelectorTerm[];
}

// Label keys and values as Kubernetes spells them (a key may carry a `prefix/`); values may be empty.
const KEY = /^(?:[a-z0-9](?:[a-z0-9.-]{0,251}[a-z0-9])?\/)?[A-Za-z0-9](?:[A-Za-z0-9._-]{0,61}[A-Za-z0-9])?$/;
const VALUE = /^(?:[A-Za-z0-9](?:[A-Za-z0-9._-]{0,61}[A-Za-z0-9])?)?$/;
const MAX_LENGTH = 1024;

/** Shows at most 40 characters of what someone typed (a hostile selector is not echoed whole). */
function shown(text: string): string {
  return JSON.stringify(text.length > 40 ? `${text.slice(0, 40)}…` : text);
}

function invalid(why: string): DroverError {
  return new DroverError('params_invalid', `Invalid cluster selector: ${why} Write it as labels joined by commas, e.g. region=eu,tier=store (also key!=value, or key for "has the label").`);
}

/** Parses `region=eu,tier=store`; throws params_invalid saying what is wrong. */
export function parseSelector(input: string): ClusterSelector {
  if (typeof input !== 'string' || !input.trim()) throw invalid('it is empty.');
  if (input.length > MAX_LENGTH) throw invalid(`it is ${input.length} characters long (at most ${MAX_LENGTH}).`);
  const terms: SelectorTerm[] = [];
  for (const raw of input.split(',')) {
    const part = raw.trim();
    if (!part) throw invalid(`an empty term in ${shown(input)}.`);
    const ne = part.indexOf('!=');
    const eq = part.indexOf('=');
    let term: SelectorTerm;
    if (ne >= 0 && ne < eq) {
      term = { key: part.slice(0, ne).trim(), op: '!=', value: part.slice(ne + 2).trim() };
    } else if (eq >= 0) {
      const value = part.slice(eq + 1).trim();
      // `key==value` reads as equality too, as kubectl takes it.
      term = { key: part.slice(0, eq).trim(), op: '=', value: value.startsWith('=') ? value.slice(1).trim() : value };
    } else {
      term = { key: part, op: 'exists' };
    }
    if (!KEY.test(term.key)) throw invalid(`${shown(term.key)} is not a label key.`);
    if (term.op !== 'exists' && !VALUE.test(term.value)) throw invalid(`${shown(term.value)} is not a label value (of ${term.key}).`);
    terms.push(term);
  }
  const text = terms.map((t) => (t.op === 'exists' ? t.key : `${t.key}${t.op}${t.value}`)).join(',');
  return { text, terms };
}

/**
 * Labels to set (`drover agent token create --label region=eu --label tier=store`):
 * only `key=value` terms, spelled as a selector must spell them, so a cluster
 * can always be selected by the labels it was given.
 */
export function parseLabelSet(words: readonly string[]): Record<string, string> {
  const labels: Record<string, string> = {};
  if (!words.length) return labels;
  for (const term of parseSelector(words.join(',')).terms) {
    if (term.op !== '=') throw new DroverError('params_invalid', `Invalid label ${shown(term.op === 'exists' ? term.key : `${term.key}!=${term.value}`)}: a label is set as key=value.`);
    labels[term.key] = term.value;
  }
  return labels;
}

/** Whether a cluster's labels satisfy every term. */
export function matches(selector: ClusterSelector, labels: Record<string, string>): boolean {
  const has = (key: string) => Object.prototype.hasOwnProperty.call(labels, key);
  return selector.terms.every((t) => {
    if (t.op === 'exists') return has(t.key);
    if (t.op === '=') return has(t.key) && labels[t.key] === t.value;
    return !has(t.key) || labels[t.key] !== t.value;
  });
}

/**
 * The agent clusters a selector picks, sorted by name. None is an error naming
 * the selector and how many clusters there are: kubeconfig clusters carry no
 * labels, so only agent clusters can be selected.
 */
export function selectClusters(selector: ClusterSelector, clusters: readonly FleetCluster[]): FleetCluster[] {
  const picked = clusters.filter((c) => matches(selector, c.labels ?? {})).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  if (picked.length) return picked;
  if (!clusters.length) {
    throw new DroverError(
      'cluster_unknown',
      `No cluster matches ${selector.text}: no agent cluster is registered. Only agent clusters have labels (drover agent token create CLUSTER --label key=value); clusters from a kubeconfig cannot be selected.`,
    );
  }
  throw new DroverError('cluster_unknown', `No cluster matches ${selector.text} (${clusters.length} agent cluster${clusters.length === 1 ? '' : 's'} registered; drover clusters shows their labels).`);
}
