// The benchmark's files for the Drover processes: a runbooks directory (the
// shipped runbooks and the benchmark's no-op, as symbolic links, so each is
// loaded from where it lives, as Drover loads runbooks/), a policy letting
// everyone run everything, a config file, a kubeconfig naming the fake as
// cluster `bench`, and folders for logs and memory reports.
import { mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { benchRunbooks, shippedRunbooks } from './paths.js';

export interface Workspace {
  dir: string;
  runbooksDir: string;
  policyFile: string;
  configFile: string;
  logDir: string;
  memoryDir: string;
  kubeconfigFile(): string;
  writeKubeconfig(yaml: string): void;
  remove(): void;
}

// Everyone may run everything: the benchmark measures throughput, not permissions (the policy is still evaluated).
const POLICY = `groups: { everyone: ['*', alertmanager] }
rules: [{ groups: [everyone], runbooks: ['*'], clusters: ['*'] }]
`;

// A storm must not be cut short by the per-cluster breaker, nor a big webhook refused.
const CONFIG = `alerts: { clusterMaxRuns: 100000000, maxBodyBytes: 10485760 }
`;

export function createWorkspace(): Workspace {
  const dir = mkdtempSync(join(tmpdir(), 'drover-bench-'));
  const runbooksDir = join(dir, 'runbooks');
  const logDir = join(dir, 'logs');
  const memoryDir = join(dir, 'memory');
  for (const d of [runbooksDir, logDir, memoryDir]) mkdirSync(d);
  for (const from of [shippedRunbooks, benchRunbooks]) {
    for (const name of readdirSync(from).filter((n) => n.endsWith('.ts'))) symlinkSync(join(from, name), join(runbooksDir, name));
  }
  const policyFile = join(dir, 'policy.yaml');
  writeFileSync(policyFile, POLICY);
  const configFile = join(dir, 'drover.yaml');
  writeFileSync(configFile, CONFIG);
  const kubeconfig = join(dir, 'kubeconfig');
  return {
    dir,
    runbooksDir,
    policyFile,
    configFile,
    logDir,
    memoryDir,
    kubeconfigFile: () => kubeconfig,
    writeKubeconfig: (yaml) => writeFileSync(kubeconfig, yaml),
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}
