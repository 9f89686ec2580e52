import { createHash } from 'node:crypto';

export const WEBHOOK_TOKEN = 'test-webhook-token-0123456789';

export interface TestAlert {
  labels: Record<string, string>;
  annotations?: Record<string, string>;
  status?: 'firing' | 'resolved';
  startsAt?: string;
}

/** A fingerprint as Alertmanager derives one: stable for a label set. */
export function fingerprintOf(labels: Record<string, string>): string {
  const text = Object.keys(labels)
    .sort()
    .map((k) => `${k}\u00ff${labels[k]}\u00ff`)
    .join('');
  return createHash('sha256').update(text).digest('hex').slice(0, 16);
}

/** Alertmanager's webhook payload (version 4) for some alerts, as Alertmanager 0.25 sends it. */
export function webhookPayload(alerts: TestAlert[], status: 'firing' | 'resolved' = 'firing'): Record<string, unknown> {
  return {
    version: '4',
    groupKey: '{}:{alertname="test"}',
    truncatedAlerts: 0,
    status,
    receiver: 'drover',
    groupLabels: {},
    commonLabels: {},
    commonAnnotations: {},
    externalURL: 'http://alertmanager.example:9093',
    alerts: alerts.map((a) => {
      const s = a.status ?? status;
      return {
        status: s,
        labels: a.labels,
        annotations: a.annotations ?? {},
        startsAt: a.startsAt ?? '2026-11-24T10:00:00Z',
        endsAt: s === 'resolved' ? '2026-11-24T10:30:00Z' : '0001-01-01T00:00:00Z',
        generatorURL: 'http://prometheus.example:9090/graph',
        fingerprint: fingerprintOf(a.labels),
      };
    }),
  };
}

/** Posts alerts to a Drover's webhook as Alertmanager delivers them (bearer token); the answer's status and outcomes. */
export async function deliver(base: string, alerts: TestAlert[], status: 'firing' | 'resolved' = 'firing'): Promise<{ status: number; outcomes: Record<string, number> }> {
  const res = await fetch(`${base}/webhooks/alertmanager`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${WEBHOOK_TOKEN}` },
    body: JSON.stringify(webhookPayload(alerts, status)),
  });
  return { status: res.status, outcomes: ((await res.json()) as { outcomes?: Record<string, number> }).outcomes ?? {} };
}

export function crashLooping(pod: string, extra: Record<string, string> = {}): TestAlert {
  return { labels: { alertname: 'KubePodCrashLooping', namespace: 'demo', pod, container: 'web', severity: 'warning', ...extra }, annotations: { summary: 'Pod is crash looping.' } };
}

/**
 * Makes one call of `object[method]` fail as a Redis blip would: the first
 * call for which `when` holds (by default the first call), given its
 * arguments and its number (from 1). Answers a function that undoes it.
 */
export function failOnce<T extends object>(object: T, method: keyof T & string, when: (args: unknown[], call: number) => boolean = () => true): () => void {
  const methods = object as unknown as Record<string, (...args: unknown[]) => Promise<unknown>>;
  const own = Object.prototype.hasOwnProperty.call(object, method);
  const original = methods[method] as (...args: unknown[]) => Promise<unknown>;
  let calls = 0;
  let failed = false;
  methods[method] = function (this: unknown, ...args: unknown[]) {
    if (!failed && when(args, ++calls)) {
      failed = true;
      return Promise.reject(new Error('Connection is closed.'));
    }
    return original.apply(this, args);
  };
  return () => {
    if (own) methods[method] = original;
    else delete methods[method];
  };
}
