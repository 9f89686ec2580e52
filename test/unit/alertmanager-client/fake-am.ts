/** A scripted stand-in for Alertmanager's HTTP API: each request gets the next canned answer. */
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Answer {
  status?: number;
  body?: unknown;
  /** Sent as is instead of JSON-encoding `body`. */
  raw?: string;
  /** Never answer (for timeouts). */
  hang?: boolean;
}

export interface SeenRequest {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  body: string;
}

export interface FakeAm {
  url: string;
  requests: SeenRequest[];
  answer(...answers: Answer[]): void;
  close(): Promise<void>;
}

export async function startFakeAm(): Promise<FakeAm> {
  const queue: Answer[] = [];
  const requests: SeenRequest[] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => (body += chunk));
    req.on('end', () => {
      requests.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body });
      const a = queue.shift() ?? { status: 500, raw: 'no answer scripted' };
      if (a.hang) return;
      const text = a.raw ?? (a.body === undefined ? '' : JSON.stringify(a.body));
      res.writeHead(a.status ?? 200, { 'content-type': 'application/json' }).end(text);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    answer: (...answers) => void queue.push(...answers),
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** A port nothing listens on: bound, then released. */
export async function closedPortUrl(): Promise<string> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return `http://127.0.0.1:${port}`;
}

/** An alert as Alertmanager 0.25 lists it. */
export function listedAlert(fingerprint: string, labels: Record<string, string> = { alertname: 'A' }) {
  return {
    annotations: {},
    endsAt: '2026-11-24T15:32:09.255Z',
    fingerprint,
    receivers: [{ name: 'hook' }],
    startsAt: '2026-11-24T15:27:09.255Z',
    status: { inhibitedBy: [], silencedBy: [], state: 'active' },
    updatedAt: '2026-11-24T15:27:09.255Z',
    labels,
  };
}
