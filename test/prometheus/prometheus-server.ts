/**
 * A real Prometheus (Debian's `prometheus` package) on a loopback port with a
 * throwaway database, scraping the targets and evaluating the rule files it
 * is given, every second. A missing binary is a failure that says how to get it.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { freePort } from '../support/free-port.js';
import { waitFor } from '../support/wait-for.js';

const INSTALL_HINT = 'Prometheus is not installed: `apt-get install prometheus` (Debian\'s package; CI\'s .ci/run installs it), or put a `prometheus` binary on PATH.';

export interface PrometheusOptions {
  ruleFiles: string[];
  /** Scrape jobs: a name, targets (host:port) and the labels added to them. */
  jobs: Array<{ name: string; targets: string[]; labels?: Record<string, string> }>;
}

export interface PrometheusServer {
  url: string;
  /** GET /api/v1/<path>; the `data` of a successful answer. */
  api<T>(path: string): Promise<T>;
  logs(): string;
  stop(): Promise<void>;
}

export async function startPrometheus(options: PrometheusOptions): Promise<PrometheusServer> {
  const dir = await mkdtemp(join(tmpdir(), 'drover-prometheus-'));
  const config = {
    global: { scrape_interval: '1s', scrape_timeout: '1s', evaluation_interval: '1s' },
    rule_files: options.ruleFiles,
    scrape_configs: options.jobs.map((j) => ({ job_name: j.name, static_configs: [{ targets: j.targets, labels: j.labels ?? {} }] })),
  };
  await writeFile(join(dir, 'prometheus.yml'), stringify(config));
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  let logs = '';
  let spawnFailed: NodeJS.ErrnoException | undefined;
  const child: ChildProcess = spawn(
    'prometheus',
    [`--config.file=${join(dir, 'prometheus.yml')}`, `--storage.tsdb.path=${join(dir, 'data')}`, `--web.listen-address=127.0.0.1:${port}`, '--log.level=warn'],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  child.stderr?.on('data', (chunk: Buffer) => (logs += chunk.toString()));
  child.once('error', (err) => (spawnFailed = err));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));

  const stop = async () => {
    if (!spawnFailed && child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const killed = setTimeout(() => child.kill('SIGKILL'), 5_000);
      await exited;
      clearTimeout(killed);
    }
    await rm(dir, { recursive: true, force: true });
  };

  try {
    await waitFor(
      async () => {
        if (spawnFailed) throw spawnFailed.code === 'ENOENT' ? new Error(INSTALL_HINT, { cause: spawnFailed }) : spawnFailed;
        if (child.exitCode !== null) throw new Error(`prometheus exited with ${child.exitCode}:\n${logs}`);
        return fetch(`${url}/-/ready`).then(
          (r) => r.ok,
          () => false,
        );
      },
      'Prometheus to be ready',
      20_000,
    );
  } catch (err) {
    await stop();
    throw err;
  }

  return {
    url,
    async api<T>(path: string): Promise<T> {
      const res = await fetch(`${url}/api/v1/${path}`);
      const body = (await res.json()) as { status: string; data: T; error?: string };
      if (body.status !== 'success') throw new Error(`Prometheus /api/v1/${path}: ${body.error ?? res.status}`);
      return body.data;
    },
    logs: () => logs,
    stop,
  };
}
