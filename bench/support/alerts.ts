// Alertmanager's webhook as it is delivered (payload version 4, bearer token).
import { createHash } from 'node:crypto';

export interface BenchAlert {
  labels: Record<string, string>;
  annotations?: Record<string, string>;
}

function fingerprintOf(labels: Record<string, string>): string {
  const text = Object.keys(labels).sort().map((k) => `${k}\u00ff${labels[k]}\u00ff`).join('');
  return createHash('sha256').update(text).digest('hex').slice(0, 16);
}

export function webhookPayload(alerts: BenchAlert[]): Record<string, unknown> {
  return {
    version: '4',
    groupKey: '{}:{alertname="bench"}',
    truncatedAlerts: 0,
    status: 'firing',
    receiver: 'drover',
    groupLabels: {},
    commonLabels: {},
    commonAnnotations: {},
    externalURL: 'http://alertmanager.example:9093',
    alerts: alerts.map((a) => ({
      status: 'firing',
      labels: a.labels,
      annotations: a.annotations ?? {},
      startsAt: new Date().toISOString(),
      endsAt: '0001-01-01T00:00:00Z',
      generatorURL: 'http://prometheus.example:9090/graph',
      fingerprint: fingerprintOf(a.labels),
    })),
  };
}

/** kube-prometheus's KubePodCrashLooping: the shipped delete-pod runbook answers it. */
export function crashLooping(pod: string): BenchAlert {
  return { labels: { alertname: 'KubePodCrashLooping', namespace: 'demo', pod, container: 'web', severity: 'warning' }, annotations: { summary: 'Pod is crash looping.' } };
}

export async function deliver(url: string, token: string, body: string): Promise<Record<string, number>> {
  const res = await fetch(`${url}/webhooks/alertmanager`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body,
    signal: AbortSignal.timeout(60_000),
  });
  const text = await res.text();
  if (res.status !== 200) throw new Error(`the webhook answered ${res.status}: ${text.slice(0, 300)}`);
  return (JSON.parse(text) as { outcomes?: Record<string, number> }).outcomes ?? {};
}
