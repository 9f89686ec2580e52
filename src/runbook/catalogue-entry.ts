import { formatDuration, parseDuration, type Duration } from '../config/duration.js';
import { scheduleTriggers } from '../schedules/schedule-spec.js';
import { approvalPolicy } from './approval.js';
import { describeParams, type ParamInfo } from './params.js';
import { chatName } from './registry.js';
import type { AlertTrigger, Runbook } from './types.js';

/**
 * What the catalogue says about a runbook, as plain facts: the Markdown
 * catalogue (`drover runbooks docs`) and chat (`/drover runbooks`) render the
 * same entry, each in its own markup.
 */
export interface CatalogueEntry {
  id: string;
  /** Name in `/drover run <name>`; undefined when hidden from chat. */
  chatName?: string;
  summary: string;
  description?: string;
  risk: string;
  /** `not required`, `always, 1 approver, expires after 30m`. */
  approval: string;
  concurrencyKey: ConcurrencyKeyFacts;
  params: ParamInfo[];
  alerts: AlertFacts[];
  /** One per schedule: its name, cron and time zone. */
  schedules: { name: string; cron: string; timeZone: string }[];
}

/** The key's pattern with `<param>` placeholders, the runbook id by default, or computed in a way placeholders cannot show. */
export type ConcurrencyKeyFacts = { kind: 'runbook'; key: string } | { kind: 'pattern'; key: string } | { kind: 'computed' };

export interface AlertFacts {
  alertname: string;
  matchers: string[];
  /** Where each param comes from (`label`, `annotation`…), in the runbook's order; undefined when a function computes them. */
  params?: { param: string; from: string; name: string }[];
  silence: boolean;
}

const duration = (d: Duration) => formatDuration(parseDuration(d) ?? 0);

export function approvalSummary(rb: Runbook): string {
  const required = approvalPolicy(rb);
  if (required === 'never') return 'not required';
  const approvers = rb.approval?.approvers ?? 1;
  const when = required === 'always' ? 'always' : 'unless dry run';
  const timeout = rb.approval?.timeout !== undefined ? `, expires after ${duration(rb.approval.timeout)}` : '';
  return `${when}, ${approvers} approver${approvers === 1 ? '' : 's'}${timeout}`;
}

/**
 * The key function called with placeholders, so `(p) => \`deployment/${p.namespace}/${p.deployment}\``
 * reads `deployment/<namespace>/<deployment>`. A function that does more than
 * format strings may throw or return nonsense; then the key is "computed".
 */
export function concurrencyKeyFacts(rb: Runbook): ConcurrencyKeyFacts {
  if (!rb.concurrencyKey) return { kind: 'runbook', key: rb.id };
  const placeholders = Object.fromEntries(describeParams(rb.params).map((p) => [p.name, `<${p.name}>`]));
  try {
    const key = rb.concurrencyKey(placeholders);
    if (typeof key === 'string' && key) return { kind: 'pattern', key };
  } catch {
    // Falls through: the key depends on params in a way placeholders cannot show.
  }
  return { kind: 'computed' };
}

export function alertFacts(alert: AlertTrigger<Record<string, unknown>>): AlertFacts {
  const facts: AlertFacts = { alertname: alert.alertname, matchers: [...(alert.matchers ?? [])], silence: Boolean(alert.silence) };
  if (typeof alert.params !== 'function') {
    // In the order the runbook lists them (a string-keyed object keeps it): deterministic and as written.
    facts.params = Object.entries(alert.params).map(([param, source]) => {
      const text = String(source);
      const colon = text.indexOf(':');
      return { param, from: text.slice(0, colon), name: text.slice(colon + 1) };
    });
  }
  return facts;
}

export function catalogueEntry(rb: Runbook): CatalogueEntry {
  const chat = chatName(rb);
  return {
    id: rb.id,
    ...(chat ? { chatName: chat } : {}),
    summary: rb.summary,
    ...(rb.description ? { description: rb.description } : {}),
    risk: rb.risk ?? 'medium',
    approval: approvalSummary(rb),
    concurrencyKey: concurrencyKeyFacts(rb),
    params: describeParams(rb.params),
    alerts: (rb.triggers?.alerts ?? []).map(alertFacts),
    schedules: scheduleTriggers(rb).map((t) => ({ name: t.name, cron: t.cron, timeZone: t.timeZone })),
  };
}
