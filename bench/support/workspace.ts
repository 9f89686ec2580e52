// The benchmark's files for the Drover processes: a runbooks directory (copies
// of the shipped runbooks and of the benchmark's no-op), a policy letting
// everyone run everything, a config file, a kubeconfig naming the fake as
// cluster `bench`, and folders for logs and memory reports.
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { benchRunbooks, repoRoot, shippedRunbooks } from './paths.js';

export interface Workspace {
  dir: string;
  runbooksDir: string;
  policyFile: string;
  configFile: string;
  logDir: string;
  memoryDir: string;
  /** Where the processes under test write CPU profiles (npm run bench -- --profile). */
  profileDir: string;
  kubeconfigFile(): string;
  writeKubeconfig(yaml: string): void;
  /** Removes the runbooks copies, and the rest unless `keepLogs`. */
  remove(keepLogs: boolean): void;
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
  // Two levels under the repository, as runbooks/ and bench/runbooks/ are one and
  // two: the copies' relative imports (../src/sdk, ../../src/sdk) name Drover's own modules.
  const runbooksDir = mkdtempSync(join(repoRoot, 'dist', 'bench-runbooks-'));
  const logDir = join(dir, 'logs');
  const memoryDir = join(dir, 'memory');
  const profileDir = join(dir, 'profiles');
  for (const d of [logDir, memoryDir, profileDir]) mkdirSync(d);
  for (const from of [shippedRunbooks, benchRunbooks]) {
    for (const name of readdirSync(from).filter((n) => n.endsWith('.ts'))) copyFileSync(join(from, name), join(runbooksDir, name));
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
    profileDir,
    kubeconfigFile: () => kubeconfig,
    writeKubeconfig: (yaml) => writeFileSync(kubeconfig, yaml),
    remove: (keepLogs) => {
      rmSync(runbooksDir, { recursive: true, force: true });
      if (!keepLogs) rmSync(dir, { recursive: true, force: true });
    },
  };
}
