/**
 * A tiny Prometheus exporter for tests: a loopback HTTP server whose
 * /metrics answers whatever gauges the test sets (or computes on each
 * scrape), for a real Prometheus to scrape.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface MetricsExporter {
  /** `127.0.0.1:PORT`, a scrape target. */
  target: string;
  /** Sets a gauge's value for a label set (`{}` for none). */
  set(name: string, labels: Record<string, string>, value: number): void;
  /** Or computes the exposition on each scrape. */
  compute(fn: () => string): void;
  stop(): Promise<void>;
}

export async function startMetricsExporter(): Promise<MetricsExporter> {
  const gauges = new Map<string, number>();
  let computed: (() => string) | undefined;
  const server: Server = createServer((req, res) => {
    if (req.url !== '/metrics') {
      res.writeHead(404).end();
      return;
    }
    const lines = [...gauges.entries()].map(([series, value]) => `${series} ${value}`);
    res.writeHead(200, { 'Content-Type': 'text/plain; version=0.0.4' }).end(`${lines.join('\n')}\n${computed ? computed() : ''}`);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    target: `127.0.0.1:${port}`,
    set(name, labels, value) {
      const text = Object.entries(labels).map(([k, v]) => `${k}="${v}"`).join(',');
      gauges.set(`${name}{${text}}`, value);
    },
    compute(fn) {
      computed = fn;
    },
    stop: () => new Promise((r) => server.close(() => r())),
  };
}
