/** Alertmanager deliveries to the stack's webhook, retried as Alertmanager retries a 5xx or a failed connection. */
import { webhookPayload, type TestAlert } from '../../support/alerts.js';
import { CANARIES, WEBHOOK_TOKEN } from './stack.js';

export interface Delivery {
  status: number | 'no answer';
  ms: number;
}

/** One POST with a deadline: a hang shows as "no answer". */
export async function post(base: string, body: string, timeoutMs = 5000): Promise<Delivery> {
  const started = Date.now();
  try {
    const res = await fetch(`${base}/webhooks/alertmanager`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${WEBHOOK_TOKEN}` },
      body,
      signal: AbortSignal.timeout(timeoutMs),
    });
    await res.text();
    return { status: res.status, ms: Date.now() - started };
  } catch {
    return { status: 'no answer', ms: Date.now() - started };
  }
}

export function deliveryBody(alerts: TestAlert[]): string {
  return JSON.stringify(webhookPayload(alerts));
}

/** A KubeDeploymentReplicasMismatch for chaos/d-<i>: diagnose-restart-deployment restarts it. */
export function mismatch(i: number, startsAt: string): TestAlert {
  return {
    labels: { alertname: 'KubeDeploymentReplicasMismatch', namespace: 'chaos', deployment: `d-${i}`, severity: 'warning' },
    annotations: { summary: `chaos d-${i}`, runbook_note: `token ${CANARIES[0]} password=${CANARIES[1]}` },
    startsAt,
  };
}

/** A KubePodCrashLooping for a pod: delete-pod deletes it (uid precondition). */
export function crashLoop(pod: string, startsAt: string): TestAlert {
  return {
    labels: { alertname: 'KubePodCrashLooping', namespace: 'chaos', pod, container: 'app', severity: 'warning' },
    annotations: { summary: `chaos ${pod}`, description: `password=${CANARIES[1]}` },
    startsAt,
  };
}
