import type { SafeText } from '../redact/redacted.js';
import type { Router } from './router.js';

export interface ReadinessCheck {
  name: string;
  /** Resolves when healthy; rejects (or resolves false) when not. */
  check: () => Promise<boolean | void>;
}

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  return Promise.race([p, new Promise<T>((_, reject) => setTimeout(() => reject(new Error(`no answer in ${ms}ms`)), ms).unref())]);
}

/** /metrics, /healthz (the process answers) and /readyz (its dependencies answer). */
/** The Prometheus exposition, redacted. */
export interface MetricsText {
  contentType: string;
  text(): Promise<SafeText>;
}

export function addHealthRoutes(router: Router, options: { metrics: MetricsText; readiness: ReadinessCheck[]; timeoutMs?: number }): void {
  router.add('GET', '/metrics', async (_req, res) => {
    const body = await options.metrics.text();
    res.writeHead(200, { 'content-type': options.metrics.contentType }).end(body);
  });
  router.add('GET', '/healthz', (_req, res) => {
    res.writeHead(200, { 'content-type': 'text/plain' }).end('ok\n');
  });
  router.add('GET', '/readyz', async (_req, res) => {
    const results = await Promise.all(
      options.readiness.map(async ({ name, check }) => {
        try {
          const ok = await withTimeout(check(), options.timeoutMs ?? 2000);
          return { name, ok: ok !== false, error: ok === false ? 'not ready' : undefined };
        } catch (err) {
          return { name, ok: false, error: err instanceof Error ? err.message : String(err) };
        }
      }),
    );
    const ready = results.every((r) => r.ok);
    res.writeHead(ready ? 200 : 503, { 'content-type': 'application/json' }).end(`${JSON.stringify({ ready, checks: results })}\n`);
  });
}
