/**
 * The loop docker-compose shows, with the real parts and the real config files
 * but no Docker: Drover's server (`serve --no-worker`) and a separate worker as
 * processes of their own with the compose environment, Alertmanager with
 * deploy/compose/alertmanager.yml started through the compose entrypoint (which
 * writes the webhook token), the documented command (scripts/compose-fire-alert.sh
 * with the real amtool), and Prometheus with deploy/compose/prometheus.yml
 * scraping both Drover processes. Only addresses change: loopback ports for the
 * compose service names.
 */
import type { ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { stringify } from 'yaml';
import { runDroverProcess, spawnDrover, stopProcess } from '../../support/cli-process.js';
import { freePort } from '../../support/free-port.js';
import { deletePrefix, redisClient, REDIS_URL, uniquePrefix } from '../../support/redis.js';
import { waitFor } from '../../support/wait-for.js';
import { COMPOSE_DIR, ROOT, composeConfig, readYaml, requireTool, run, startServer, toolEnv, type ComposeFile, type ServerProcess } from './tools.js';

const RUNBOOK = 'diagnose-restart-deployment';

/** The value of one sample in a /metrics text, or 0 when the series is absent. */
async function sample(url: string, series: string): Promise<number> {
  const text = await (await fetch(url)).text();
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line ? Number(line.slice(series.length + 1)) : 0;
}

/** Alertmanager's config with the compose service names replaced by this test's addresses. */
function alertmanagerConfig(droverUrl: string, tokenFile: string, expectedTokenFile: string): Record<string, unknown> {
  type Config = { receivers: Array<{ name: string; webhook_configs?: Array<{ url: string; http_config: { authorization: { credentials_file: string } } }> }> };
  const config = readYaml<Config>(join(COMPOSE_DIR, 'alertmanager.yml'));
  const webhook = config.receivers.find((r) => r.name === 'drover')?.webhook_configs?.[0];
  if (!webhook) throw new Error('alertmanager.yml has no webhook for receiver drover');
  expect(webhook.url).toBe('http://drover:3000/webhooks/alertmanager');
  expect(webhook.http_config.authorization.credentials_file).toBe(expectedTokenFile);
  webhook.url = `${droverUrl}/webhooks/alertmanager`;
  webhook.http_config.authorization.credentials_file = tokenFile;
  return config;
}

/** Prometheus's config with this test's addresses, 1 s intervals, and the rule files by absolute path. */
function prometheusConfig(addresses: Record<string, string>): Record<string, unknown> {
  type Config = {
    global: Record<string, string>;
    rule_files: string[];
    alerting: { alertmanagers: Array<{ static_configs: Array<{ targets: string[] }> }> };
    scrape_configs: Array<{ job_name: string; static_configs: Array<{ targets: string[] }> }>;
  };
  const config = readYaml<Config>(join(COMPOSE_DIR, 'prometheus.yml'));
  const address = (target: string) => {
    const to = addresses[target];
    if (!to) throw new Error(`prometheus.yml names ${target}, which this test does not run`);
    return to;
  };
  config.global.scrape_interval = '1s';
  config.global.evaluation_interval = '1s';
  config.rule_files = config.rule_files.map((f) => realpathSync(resolve(COMPOSE_DIR, f)));
  for (const am of config.alerting.alertmanagers) for (const sc of am.static_configs) sc.targets = sc.targets.map(address);
  for (const job of config.scrape_configs) for (const sc of job.static_configs) sc.targets = sc.targets.map(address);
  return config;
}

describe('the compose loop, with real processes: an alert fired by the documented command is remediated on the sandbox', () => {
  const prefix = uniquePrefix('compose');
  const redis = redisClient();
  const dir = mkdtempSync(join(tmpdir(), 'drover-compose-'));
  const drovers: ChildProcess[] = [];
  const servers: ServerProcess[] = [];
  let compose: ComposeFile;
  let droverUrl: string;
  let workerUrl: string;
  let amUrl: string;
  let promUrl: string;
  let droverEnv: Record<string, string>;

  /** A compose service's environment as docker-compose resolves it, for a process on this machine. */
  const envOf = (service: string, overrides: Record<string, string>): Record<string, string> => {
    const env: Record<string, string> = {};
    for (const [k, v] of Object.entries(compose.services[service]?.environment ?? {})) if (v) env[k] = v;
    return { ...env, ...overrides };
  };

  async function startDrover(service: 'drover' | 'drover-worker', port: number): Promise<void> {
    const child = spawnDrover(compose.services[service]!.command!, { ...droverEnv, PORT: String(port) });
    drovers.push(child);
    let logs = '';
    child.stderr!.on('data', (d: Buffer) => (logs = (logs + d.toString()).slice(-20_000)));
    child.stdout!.on('data', (d: Buffer) => (logs = (logs + d.toString()).slice(-20_000)));
    await waitFor(
      async () => {
        if (child.exitCode !== null) throw new Error(`${service} exited with ${child.exitCode}:\n${logs}`);
        return fetch(`http://127.0.0.1:${port}/readyz`).then((r) => r.ok, () => false);
      },
      `${service} to be ready`,
      60_000,
    );
  }

  beforeAll(async () => {
    const [amtool, alertmanager, prometheus] = await Promise.all([requireTool('amtool'), requireTool('prometheus-alertmanager'), requireTool('prometheus')]);
    expect(amtool).toBeTruthy();
    compose = await composeConfig();
    const [droverPort, workerPort, amPort, promPort] = [await freePort(), await freePort(), await freePort(), await freePort()];
    droverUrl = `http://127.0.0.1:${droverPort}`;
    workerUrl = `http://127.0.0.1:${workerPort}`;
    amUrl = `http://127.0.0.1:${amPort}`;
    promUrl = `http://127.0.0.1:${promPort}`;

    // The compose environment; a fresh HOME (no kubeconfig) gives the worker its sandbox, as in the container.
    droverEnv = envOf('drover', {
      REDIS_URL,
      DROVER_REDIS_PREFIX: prefix,
      DROVER_HTTP_HOST: '127.0.0.1',
      ALERTMANAGER_URL: amUrl,
      LOG_LEVEL: 'warn',
    });
    expect(envOf('drover-worker', {})).toEqual(envOf('drover', {}));
    await Promise.all([startDrover('drover', droverPort), startDrover('drover-worker', workerPort)]);

    // Alertmanager through the compose entrypoint: it writes the token from the environment, then execs.
    const am = compose.services.alertmanager!;
    const [shell, flag, script, name] = am.entrypoint!;
    const tokenDir = join(dir, 'run-drover');
    mkdirSync(tokenDir, { mode: 0o1777 }); // as Docker makes a tmpfs
    const configFile = join(dir, 'alertmanager.yml');
    writeFileSync(configFile, stringify(alertmanagerConfig(droverUrl, join(tokenDir, 'webhook-token'), '/run/drover/webhook-token')));
    const localScript = script!.replaceAll('$$', '$').replaceAll('/run/drover', tokenDir).replace('/bin/alertmanager', alertmanager);
    servers.push(
      await startServer(
        shell!,
        [flag!, localScript, name!, `--config.file=${configFile}`, `--storage.path=${join(dir, 'am-data')}`, `--web.listen-address=127.0.0.1:${amPort}`, `--web.external-url=${amUrl}`, '--cluster.listen-address='],
        `${amUrl}/-/ready`,
        toolEnv(envOf('alertmanager', {})),
      ),
    );

    const promConfig = join(dir, 'prometheus.yml');
    writeFileSync(
      promConfig,
      stringify(
        prometheusConfig({
          'drover:3000': `127.0.0.1:${droverPort}`,
          'drover-worker:3000': `127.0.0.1:${workerPort}`,
          'alertmanager:9093': `127.0.0.1:${amPort}`,
          'localhost:9090': `127.0.0.1:${promPort}`,
        }),
      ),
    );
    servers.push(
      await startServer(prometheus, [`--config.file=${promConfig}`, `--storage.tsdb.path=${join(dir, 'prom-data')}`, `--web.listen-address=127.0.0.1:${promPort}`], `${promUrl}/-/ready`),
    );
  }, 120_000);

  afterAll(async () => {
    for (const s of servers) await s.stop();
    for (const d of drovers) await stopProcess(d);
    await deletePrefix(redis, prefix);
    await redis.quit();
    rmSync(dir, { recursive: true, force: true });
  }, 60_000);

  it('scripts/compose-fire-alert.sh makes Alertmanager deliver the alert; the worker runs the runbook on its sandbox; /metrics and history show it', async () => {
    const fired = await run('bash', [join(ROOT, 'scripts', 'compose-fire-alert.sh')], { env: toolEnv({ ALERTMANAGER_URL: amUrl }) });
    expect(fired.code).toBe(0);
    expect(fired.stderr).toMatch(/^Alert KubeDeploymentReplicasMismatch fired for demo\/api\./);

    // group_wait (5s in alertmanager.yml), then the webhook with the token, then the run.
    const succeeded = `drover_runs_total{runbook="${RUNBOOK}",outcome="succeeded",dry_run="false"}`;
    await waitFor(async () => (await sample(`${workerUrl}/metrics`, succeeded)) === 1, `the worker to count a succeeded ${RUNBOOK} run`, 40_000);
    expect(await sample(`${droverUrl}/metrics`, 'drover_alerts_total{outcome="enqueued"}')).toBe(1);
    expect(await sample(`${droverUrl}/metrics`, `drover_runs_enqueued_total{runbook="${RUNBOOK}",requester="alert"}`)).toBe(1);

    // Where docs/compose.md says to watch the run.
    const history = await runDroverProcess(['history'], droverEnv);
    expect(history.code).toBe(0);
    const line = history.out.split('\n').find((l) => l.includes(RUNBOOK));
    expect(line).toMatch(new RegExp(`^(\\S+)\\s+succeeded\\s+${RUNBOOK}\\s+sandbox\\s+KubeDeploymentReplicasMismatch\\s`));
    const status = await runDroverProcess(['status', line!.split(/\s+/)[0]!], droverEnv);
    expect(status.out).toMatch(/^Requester: +KubeDeploymentReplicasMismatch \(alert\)$/m);
    expect(status.out).toMatch(/^ +restart Deployment demo\/api$/m);

    // Alertmanager delivered with the token (a 401 would count as failed notifications).
    const amMetrics = await (await fetch(`${amUrl}/metrics`)).text();
    expect(amMetrics).toMatch(/^alertmanager_notifications_total\{integration="webhook"\} [1-9]/m);
    expect(amMetrics).toMatch(/^alertmanager_notifications_failed_total\{integration="webhook"(,reason="[a-zA-Z]+")?\} 0$/m);
  }, 90_000);

  it('when the alert resolves, Alertmanager tells Drover, which records the remediation as remediated', async () => {
    // amtool's alert has no end: Alertmanager would resolve it after resolve_timeout (2m); end it now instead.
    const ended = await run('amtool', [
      `--alertmanager.url=${amUrl}`,
      'alert',
      'add',
      'KubeDeploymentReplicasMismatch',
      'namespace=demo',
      'deployment=api',
      'job=kube-state-metrics',
      'severity=warning',
      `--end=${new Date().toISOString()}`,
    ]);
    expect(ended.code).toBe(0);
    // The resolved notification leaves at the group's next tick (group_interval, 30s in alertmanager.yml).
    const remediated = `drover_alert_remediations_total{runbook="${RUNBOOK}",result="remediated"}`;
    // Whichever process concludes the watch counts it: Prometheus sums both.
    const both = async (series: string) => (await sample(`${droverUrl}/metrics`, series)) + (await sample(`${workerUrl}/metrics`, series));
    await waitFor(async () => (await both(remediated)) === 1, 'the remediation to be recorded', 45_000).catch(async (err: unknown) => {
      const alertLines = async (url: string) => (await (await fetch(`${url}/metrics`)).text()).split('\n').filter((l) => l.startsWith('drover_alert')).join('\n');
      throw new Error(`${String(err)}\nserver:\n${await alertLines(droverUrl)}\nworker:\n${await alertLines(workerUrl)}\nAlertmanager:\n${servers[0]?.logs().slice(-3000)}`);
    });
    expect(await both('drover_alerts_total{outcome="resolved"}')).toBe(1);
  }, 60_000);

  it('Prometheus scrapes both Drover processes with the compose config, loads Drover\'s rules, stays quiet, and sees the alert counted', async () => {
    type Vector = { data: { result: Array<{ metric: Record<string, string>; value: [number, string] }> } };
    const query = async (q: string) => ((await (await fetch(`${promUrl}/api/v1/query?query=${encodeURIComponent(q)}`)).json()) as Vector).data.result;
    const up = await waitFor(
      async () => {
        const result = await query('up{job=~"drover|drover-worker"} == 1');
        return result.length === 2 ? result : undefined;
      },
      'Prometheus to scrape both Drover processes (up == 1)',
      30_000,
    );
    expect(up.map((r) => `${r.metric.job} ${r.metric.namespace}`).sort()).toEqual(['drover compose', 'drover-worker compose']);

    type Rules = { data: { groups: Array<{ name: string; file: string; rules: Array<{ name: string; health: string }> }> } };
    const rules = ((await (await fetch(`${promUrl}/api/v1/rules`)).json()) as Rules).data.groups;
    expect(rules.map((g) => g.name).sort()).toEqual(['drover', 'drover-examples']);
    expect(rules.flatMap((g) => g.rules).filter((r) => r.health === 'err')).toEqual([]);

    // A healthy stack raises none of Drover's alerts (the job names and labels fit the rules).
    await waitFor(async () => (await query('max(drover_workers) >= 1')).length === 1, 'Prometheus to see a live worker', 15_000);
    await new Promise((r) => setTimeout(r, 2_500)); // two rule evaluations with that data
    type Alerts = { data: { alerts: Array<{ labels: Record<string, string>; state: string }> } };
    const alerts = ((await (await fetch(`${promUrl}/api/v1/alerts`)).json()) as Alerts).data.alerts;
    expect(alerts.map((a) => `${a.labels.alertname} ${a.state}`)).toEqual([]);

    const enqueued = await waitFor(async () => {
      const result = await query('sum(drover_alerts_total{outcome="enqueued"})');
      return result[0]?.value[1] === '1' ? result : undefined;
    }, 'Prometheus to see the alert counted', 15_000);
    expect(enqueued).toHaveLength(1);
  }, 60_000);
});
