/** A tiny webhook receiver that records what Alertmanager POSTs, for asserting on real payloads. */
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { waitFor } from '../../support/wait-for.js';

/** Alertmanager's webhook payload (version "4"), as far as these tests look at it. */
export interface WebhookPayload {
  version: string;
  groupKey: string;
  truncatedAlerts: number;
  status: 'firing' | 'resolved';
  receiver: string;
  groupLabels: Record<string, string>;
  commonLabels: Record<string, string>;
  commonAnnotations: Record<string, string>;
  externalURL: string;
  alerts: Array<{
    status: 'firing' | 'resolved';
    labels: Record<string, string>;
    annotations: Record<string, string>;
    startsAt: string;
    endsAt: string;
    generatorURL: string;
    fingerprint: string;
  }>;
}

export interface Delivery {
  receivedAt: number;
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  payload: WebhookPayload;
}

export interface WebhookRecorder {
  url: string;
  deliveries: Delivery[];
  /** The answer to the next requests (default 200). */
  respondWith(status: number): void;
  /** Waits for the first delivery (already recorded or still to come) matching `match`. */
  next(match: (d: Delivery) => boolean, what: string, timeoutMs?: number): Promise<Delivery>;
  close(): Promise<void>;
}

export async function startWebhookRecorder(): Promise<WebhookRecorder> {
  const deliveries: Delivery[] = [];
  let status = 200;
  const server = createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => (body += chunk));
    req.on('end', () => {
      deliveries.push({
        receivedAt: Date.now(),
        method: req.method ?? '',
        path: req.url ?? '',
        headers: req.headers,
        payload: JSON.parse(body) as WebhookPayload,
      });
      res.writeHead(status).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/alertmanager`,
    deliveries,
    respondWith(s) {
      status = s;
    },
    next(match, what, timeoutMs = 10_000) {
      return waitFor(() => deliveries.find(match), what, timeoutMs);
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** Deliveries whose alerts include one with this label value. */
export const about = (label: string, value: string) => (d: Delivery) => d.payload.alerts.some((a) => a.labels[label] === value);
