import { readFile } from 'node:fs/promises';
import { parseWebhookPayload } from '../../alertmanager/webhook-payload.js';
import { DroverError } from '../../errors.js';

/**
 * Reads a recorded Alertmanager webhook payload (a JSON file, as Alertmanager
 * sent it) and checks that Drover's webhook would take it, so a broken
 * fixture fails here, naming the file, and not as "no runs".
 *
 * @example const payload = await loadAlertPayload(new URL('./fixtures/kube-job-failed.json', import.meta.url));
 */
export async function loadAlertPayload(file: string | URL): Promise<Record<string, unknown>> {
  const text = await readFile(file, 'utf8');
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch (err) {
    throw new DroverError('harness_alert_rejected', `${String(file)} is not JSON: ${(err as Error).message}`);
  }
  const parsed = parseWebhookPayload(body);
  if ('error' in parsed) throw new DroverError('harness_alert_rejected', `${String(file)} is not a payload Drover's webhook takes: ${parsed.error}`);
  return body as Record<string, unknown>;
}
