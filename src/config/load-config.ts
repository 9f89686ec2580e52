import { parse as parseYaml } from 'yaml';
import { DroverError } from '../errors.js';
import { configSchema, type Config } from './schema.js';

export type Env = Record<string, string | undefined>;

export interface LoadConfigOptions {
  env: Env;
  /** Reads the file named by DROVER_CONFIG; injected so tests need no files. */
  readFile?: (path: string) => string;
  /** Directory that relative paths in the configuration are resolved against (runbooks dir). */
  cwd?: string;
}

/** Environment variables and where they land in the configuration. */
const ENV_MAP: ReadonlyArray<{ name: string; path: string[]; list?: string }> = [
  { name: 'REDIS_URL', path: ['redis', 'url'] },
  { name: 'DROVER_REDIS_PREFIX', path: ['redis', 'prefix'] },
  { name: 'REDIS_CA_FILE', path: ['redis', 'caFile'] },
  { name: 'DROVER_FLEET_AGENT_ABSENT', path: ['fleet', 'agentAbsent'] },
  { name: 'DROVER_FLEET_AGENT_WAIT', path: ['fleet', 'agentWait'] },
  { name: 'PORT', path: ['http', 'port'] },
  { name: 'DROVER_HTTP_HOST', path: ['http', 'host'] },
  { name: 'DROVER_OUTBOUND_ALLOW', path: ['outbound', 'allow'], list: ',' },
  { name: 'PROMETHEUS_URL', path: ['prometheus', 'url'] },
  { name: 'PROMETHEUS_TOKEN', path: ['prometheus', 'bearerToken'] },
  { name: 'PROMETHEUS_TOKEN_FILE', path: ['prometheus', 'bearerTokenFile'] },
  { name: 'PROMETHEUS_USERNAME', path: ['prometheus', 'username'] },
  { name: 'PROMETHEUS_PASSWORD', path: ['prometheus', 'password'] },
  { name: 'KUBECONFIG', path: ['clusters', 'kubeconfig'], list: ':' },
  { name: 'DROVER_CLUSTERS', path: ['clusters', 'allow'], list: ',' },
  { name: 'DROVER_DEFAULT_CLUSTER', path: ['clusters', 'default'] },
  { name: 'DROVER_SANDBOX', path: ['clusters', 'sandbox'] },
  { name: 'DROVER_RUNBOOKS_DIR', path: ['runbooks', 'dir'] },
  { name: 'DROVER_RUNBOOKS_CACHE', path: ['runbooks', 'cacheDir'] },
  { name: 'DROVER_WORKER_CONCURRENCY', path: ['worker', 'concurrency'] },
  { name: 'LOG_LEVEL', path: ['log', 'level'] },
  { name: 'DROVER_AUDIT_FILE', path: ['audit', 'file'] },
  { name: 'DROVER_AUDIT_MAX_AGE', path: ['audit', 'maxAge'] },
  { name: 'DROVER_AUDIT_KEY', path: ['audit', 'key'] },
  { name: 'DROVER_AUDIT_KEY_FILE', path: ['audit', 'keyFile'] },
  { name: 'DROVER_AUDIT_CHECKPOINT_INTERVAL', path: ['audit', 'checkpointInterval'] },
  { name: 'DROVER_AUDIT_VERIFY_INTERVAL', path: ['audit', 'verifyInterval'] },
  { name: 'DROVER_POLICY', path: ['policy', 'file'] },
  { name: 'DROVER_APPROVALS_CHANNEL', path: ['approvals', 'channel'] },
  { name: 'SLACK_BOT_TOKEN', path: ['slack', 'botToken'] },
  { name: 'SLACK_SIGNING_SECRET', path: ['slack', 'signingSecret'] },
  { name: 'SLACK_APP_TOKEN', path: ['slack', 'appToken'] },
  { name: 'SLACK_API_URL', path: ['slack', 'apiUrl'] },
  { name: 'DROVER_SLACK_MODE', path: ['slack', 'mode'] },
  { name: 'ALERTMANAGER_WEBHOOK_TOKEN', path: ['alerts', 'webhookToken'] },
  { name: 'ALERTMANAGER_WEBHOOK_USERNAME', path: ['alerts', 'webhookUsername'] },
  { name: 'ALERTMANAGER_WEBHOOK_PASSWORD', path: ['alerts', 'webhookPassword'] },
  { name: 'ALERTMANAGER_URL', path: ['alerts', 'alertmanagerUrl'] },
  { name: 'ALERTMANAGER_TOKEN', path: ['alerts', 'alertmanagerToken'] },
  { name: 'DROVER_ALERTS_CHANNEL', path: ['alerts', 'channel'] },
  { name: 'DROVER_ALERTS_MAX_BODY', path: ['alerts', 'maxBodyBytes'] },
];

function setPath(target: Record<string, unknown>, path: string[], value: unknown): void {
  let node = target;
  for (const key of path.slice(0, -1)) {
    const next = node[key];
    if (typeof next !== 'object' || next === null || Array.isArray(next)) node[key] = {};
    node = node[key] as Record<string, unknown>;
  }
  node[path[path.length - 1] as string] = value;
}

/**
 * Builds the configuration from an optional file (YAML or JSON, path in
 * DROVER_CONFIG) overlaid with environment variables. Every problem is
 * reported at once in a single `config_invalid` error, each line naming the
 * environment variable or file key to fix.
 */
export function loadConfig({ env, readFile }: LoadConfigOptions): Config {
  const problems: string[] = [];
  let raw: Record<string, unknown> = {};
  const file = env.DROVER_CONFIG;
  if (file) {
    try {
      if (!readFile) throw new Error('no file reader given');
      const parsed: unknown = parseYaml(readFile(file));
      if (parsed === null || parsed === undefined) raw = {};
      else if (typeof parsed === 'object' && !Array.isArray(parsed)) raw = parsed as Record<string, unknown>;
      else problems.push(`DROVER_CONFIG (${file}): the file must hold a mapping of settings`);
    } catch (err) {
      problems.push(`DROVER_CONFIG (${file}): cannot read it: ${err instanceof Error ? err.message : String(err)}`);
    }
  }

  const fromEnv = new Map<string, string>();
  for (const { name, path, list } of ENV_MAP) {
    const value = env[name];
    if (value === undefined || value === '') continue;
    const parsed = list ? value.split(list).map((s) => s.trim()).filter(Boolean) : value;
    setPath(raw, path, parsed);
    fromEnv.set(path.join('.'), name);
  }

  const result = configSchema.safeParse(raw);
  if (!result.success) {
    for (const issue of result.error.issues) {
      const key = issue.path.join('.');
      const envName = [...fromEnv.entries()].find(([p]) => key === p || key.startsWith(`${p}.`))?.[1];
      const where = envName ? `${envName}` : file ? `${key || '(root)'} in ${file}` : key || '(root)';
      problems.push(`${where}: ${issue.message}`);
    }
  }
  if (problems.length > 0 || !result.success) {
    throw new DroverError('config_invalid', `Drover's configuration is invalid:\n  - ${problems.join('\n  - ')}`, {
      details: { problems },
    });
  }
  return result.data;
}
