import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestDrover } from './test-drover.js';

/**
 * The files a real `drover worker` process needs to run against a test
 * Drover (runbooks by file name, a policy, a kubeconfig for its fake cluster)
 * in a fresh temporary directory, and the environment that points it at them.
 * The caller removes `dir` and adds what differs (LOG_LEVEL, PORT, REDIS_URL).
 */
export function writeWorkerFiles(t: TestDrover, name: string, files: { runbooks: Record<string, string>; policy: string }) {
  const dir = mkdtempSync(join(tmpdir(), `${name}-`));
  mkdirSync(join(dir, 'runbooks'));
  for (const [file, source] of Object.entries(files.runbooks)) writeFileSync(join(dir, 'runbooks', file), source);
  writeFileSync(join(dir, 'policy.yaml'), files.policy);
  writeFileSync(join(dir, 'kubeconfig'), t.fake.kubeConfigYaml({ contextName: 'test' }));
  const env: Record<string, string> = {
    DROVER_REDIS_PREFIX: t.prefix,
    KUBECONFIG: join(dir, 'kubeconfig'),
    DROVER_SANDBOX: 'off',
    DROVER_RUNBOOKS_DIR: join(dir, 'runbooks'),
    DROVER_RUNBOOKS_CACHE: join(dir, 'cache'),
    DROVER_POLICY: join(dir, 'policy.yaml'),
    DROVER_AUDIT_VERIFY_INTERVAL: '0',
  };
  return { dir, env };
}
