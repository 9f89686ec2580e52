import { matches, parseMatcher, type LabelMatcher } from '../runbook/matchers.js';
import type { RunbookRegistry } from '../runbook/registry.js';
import type { AlertTrigger, Runbook } from '../runbook/types.js';

export interface AlertLike {
  labels: Record<string, string>;
  annotations: Record<string, string>;
}

export interface AlertRoute {
  runbook: Runbook;
  trigger: AlertTrigger<Record<string, unknown>>;
  matchers: LabelMatcher[];
}

/**
 * Which runbooks an alert triggers: each runbook's alert triggers, their
 * matchers parsed once (again after the registry reloads). One alert may
 * trigger several runbooks.
 */
export class AlertRoutes {
  private byAlertname = new Map<string, AlertRoute[]>();
  private generation = -1;

  constructor(private readonly runbooks: RunbookRegistry) {
    this.refresh();
  }

  /** Routes of the runbooks as they are now: a reload (drover start, --watch-runbooks) changes the registry's generation. */
  private refresh(): void {
    if (this.generation === this.runbooks.generation) return;
    this.generation = this.runbooks.generation;
    this.byAlertname = new Map();
    for (const runbook of this.runbooks.list()) {
      for (const trigger of runbook.triggers?.alerts ?? []) {
        const matchers = (trigger.matchers ?? []).map((text) => {
          const parsed = parseMatcher(text);
          // The registry validated every matcher when it loaded the runbook.
          if ('error' in parsed) throw new Error(`${runbook.id}: matcher ${text}: ${parsed.error}`);
          return parsed;
        });
        const list = this.byAlertname.get(trigger.alertname) ?? [];
        list.push({ runbook, trigger: trigger, matchers });
        this.byAlertname.set(trigger.alertname, list);
      }
    }
  }

  match(alert: AlertLike): AlertRoute[] {
    this.refresh();
    const candidates = this.byAlertname.get(alert.labels.alertname ?? '') ?? [];
    return candidates.filter((route) => route.matchers.every((m) => matches(m, alert.labels)));
  }

  get size(): number {
    this.refresh();
    return [...this.byAlertname.values()].reduce((n, l) => n + l.length, 0);
  }
}

/**
 * A runbook's params from an alert: `label:<name>` and `annotation:<name>`
 * references, or the trigger's function. Missing labels are left out, so the
 * params schema reports them.
 */
export function paramsFromAlert(trigger: AlertTrigger<Record<string, unknown>>, alert: AlertLike): Record<string, unknown> {
  if (typeof trigger.params === 'function') return { ...trigger.params(alert) };
  const params: Record<string, unknown> = {};
  for (const [param, ref] of Object.entries(trigger.params)) {
    if (typeof ref !== 'string') continue;
    const [source, ...rest] = ref.split(':');
    const name = rest.join(':');
    const value = source === 'label' ? alert.labels[name] : source === 'annotation' ? alert.annotations[name] : undefined;
    if (value !== undefined) params[param] = value;
  }
  return params;
}
