/**
 * Runs a real Alertmanager (Debian's prometheus-alertmanager, 0.25) for
 * integration tests: its own config, storage dir and 127.0.0.1 port, and no
 * clustering, so it never meets a packaged service on :9093/:9094.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';

export interface AlertmanagerOptions {
  webhookUrl: string;
  bearerToken?: string;
  basicAuth?: { username: string; password: string };
  /** Default 100ms: the first notification of a new group leaves this long after the alert arrives. */
  groupWait?: string;
  /** Default 500ms: resolved notifications, changes and re-sends after a failure wait for this tick. */
  groupInterval?: string;
  /** Default 1h, so tests see no repeats unless they ask. */
  repeatInterval?: string;
  /** Default `['...']`: group by all labels, so every alert is its own group and notification. */
  groupBy?: string[];
  /** Default true. */
  sendResolved?: boolean;
  /** Default 0 (no limit); beyond it, the payload counts the rest in `truncatedAlerts`. */
  maxAlerts?: number;
  /** Alertmanager's --log.level; default warn. */
  logLevel?: 'debug' | 'info' | 'warn' | 'error';
}

export interface TestAlert {
  labels: Record<string, string>;
  annotations?: Record<string, string>;
  startsAt?: string;
  endsAt?: string;
  generatorURL?: string;
}

/** The fields tests look at; the harness does not validate (the client under test does). */
export interface ListedAlert {
  fingerprint: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  startsAt: string;
  endsAt: string;
  status: { state: string; silencedBy: string[]; inhibitedBy: string[] };
}

export interface ListedSilence {
  id: string;
  matchers: Array<{ name: string; value: string; isRegex: boolean; isEqual?: boolean }>;
  createdBy: string;
  comment: string;
  startsAt: string;
  endsAt: string;
  status: { state: 'active' | 'pending' | 'expired' };
}

export interface AlertmanagerHandle {
  /** e.g. http://127.0.0.1:43121 */
  url: string;
  configFile: string;
  pushAlerts(alerts: TestAlert[]): Promise<void>;
  /** Pushes the alerts with endsAt now (unless given), which resolves them. */
  resolveAlerts(alerts: TestAlert[]): Promise<void>;
  alerts(): Promise<ListedAlert[]>;
  silences(): Promise<ListedSilence[]>;
  /** What Alertmanager wrote to stderr so far. */
  logs(): string;
  stop(): Promise<void>;
}

const INSTALL_HINT = 'Alertmanager is not installed: run `apt-get install prometheus-alertmanager` (Debian/Ubuntu), or put an `alertmanager` binary on PATH.';
const READY_TIMEOUT_MS = 15_000;

/** The Alertmanager binary on PATH: Debian's name first, then upstream's. */
export async function findAlertmanager(names = ['prometheus-alertmanager', 'alertmanager']): Promise<string> {
  for (const name of names) {
    const found = await new Promise<boolean>((resolve) => {
      execFile(name, ['--version'], (err) => resolve(!err || (err as NodeJS.ErrnoException).code !== 'ENOENT'));
    });
    if (found) return name;
  }
  throw new Error(INSTALL_HINT);
}

/** The configuration file startAlertmanager writes, as an object. */
export function alertmanagerConfig(options: AlertmanagerOptions): Record<string, unknown> {
  if (options.bearerToken !== undefined && options.basicAuth !== undefined) {
    throw new Error('startAlertmanager: give bearerToken or basicAuth, not both (Alertmanager rejects both)');
  }
  const httpConfig: Record<string, unknown> = {};
  if (options.bearerToken !== undefined) httpConfig.authorization = { type: 'Bearer', credentials: options.bearerToken };
  if (options.basicAuth) httpConfig.basic_auth = { username: options.basicAuth.username, password: options.basicAuth.password };
  return {
    route: {
      receiver: 'drover',
      group_by: options.groupBy ?? ['...'],
      group_wait: options.groupWait ?? '100ms',
      group_interval: options.groupInterval ?? '500ms',
      repeat_interval: options.repeatInterval ?? '1h',
    },
    receivers: [
      {
        name: 'drover',
        webhook_configs: [
          {
            url: options.webhookUrl,
            send_resolved: options.sendResolved ?? true,
            max_alerts: options.maxAlerts ?? 0,
            ...(Object.keys(httpConfig).length ? { http_config: httpConfig } : {}),
          },
        ],
      },
    ],
  };
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

async function request(url: string, init?: RequestInit): Promise<unknown> {
  const res = await fetch(url, init);
  const text = await res.text();
  if (!res.ok) throw new Error(`Alertmanager answered ${res.status} to ${init?.method ?? 'GET'} ${url}: ${text}`);
  return text ? (JSON.parse(text) as unknown) : undefined;
}

/** Waits for GET /-/ready; fails with stderr if the process ends first or the deadline passes. */
async function waitReady(child: ChildProcess, url: string, stderr: () => string): Promise<void> {
  let failure: Error | undefined;
  // 'close' rather than 'exit': by then stderr has been read to the end.
  const onClose = (code: number | null, signal: NodeJS.Signals | null) => {
    failure = new Error(`Alertmanager exited (${signal ?? `code ${code}`}) before it was ready:\n${stderr()}`);
  };
  const onError = (err: Error) => {
    failure = new Error(`Alertmanager could not be started: ${err.message}`);
  };
  child.once('close', onClose);
  child.once('error', onError);
  try {
    const deadline = Date.now() + READY_TIMEOUT_MS;
    for (;;) {
      const ready = await fetch(`${url}/-/ready`, { signal: AbortSignal.timeout(1_000) }).then(
        async (r) => (await r.text(), r.ok),
        () => false,
      );
      if (ready) return;
      if (failure) throw failure;
      if (Date.now() > deadline) throw new Error(`Alertmanager at ${url} was not ready after ${READY_TIMEOUT_MS} ms:\n${stderr()}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  } finally {
    child.off('close', onClose);
    child.off('error', onError);
  }
}

async function stopProcess(child: ChildProcess): Promise<void> {
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
  await exited;
  clearTimeout(timer);
}

async function launch(binary: string, dir: string, configFile: string, logLevel: string) {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const args = [
    `--config.file=${configFile}`,
    `--storage.path=${join(dir, 'data')}`,
    `--web.listen-address=127.0.0.1:${port}`,
    // Links in payloads (externalURL) then point here rather than at the host name.
    `--web.external-url=${url}`,
    // Empty disables clustering, which would otherwise gossip on 0.0.0.0:9094.
    '--cluster.listen-address=',
    `--log.level=${logLevel}`,
  ];
  const child = spawn(binary, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr?.setEncoding('utf8');
  child.stderr?.on('data', (chunk: string) => {
    stderr = (stderr + chunk).slice(-64_000);
  });
  const logs = () => stderr;
  try {
    await waitReady(child, url, logs);
  } catch (err) {
    await stopProcess(child);
    throw err;
  }
  return { child, url, logs };
}

/** Starts Alertmanager with one route to one webhook receiver; stop() it in afterAll/afterEach. */
export async function startAlertmanager(options: AlertmanagerOptions): Promise<AlertmanagerHandle> {
  const config = alertmanagerConfig(options);
  const binary = await findAlertmanager();
  const dir = await mkdtemp(join(tmpdir(), 'drover-am-'));
  const configFile = join(dir, 'alertmanager.yml');
  await writeFile(configFile, stringify(config), { mode: 0o600 });
  let started: Awaited<ReturnType<typeof launch>> | undefined;
  try {
    // The free port can be taken between probing and binding; try again on a new one.
    for (let attempt = 1; !started; attempt++) {
      try {
        started = await launch(binary, dir, configFile, options.logLevel ?? 'warn');
      } catch (err) {
        if (attempt >= 3 || !/address already in use/.test(String(err))) throw err;
      }
    }
  } catch (err) {
    await rm(dir, { recursive: true, force: true });
    throw err;
  }
  const { child, url, logs } = started;
  const api = `${url}/api/v2`;
  const post = (alerts: TestAlert[]) =>
    request(`${api}/alerts`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(alerts) });
  return {
    url,
    configFile,
    logs,
    async pushAlerts(alerts) {
      await post(alerts);
    },
    async resolveAlerts(alerts) {
      // endsAt now, not earlier: an endsAt before the stored startsAt would replace the alert
      // (new startsAt) instead of resolving it.
      const now = new Date().toISOString();
      await post(alerts.map((a) => ({ ...a, endsAt: a.endsAt ?? now })));
    },
    async alerts() {
      return (await request(`${api}/alerts`)) as ListedAlert[];
    },
    async silences() {
      return (await request(`${api}/silences`)) as ListedSilence[];
    },
    async stop() {
      await stopProcess(child);
      await rm(dir, { recursive: true, force: true });
    },
  };
}
