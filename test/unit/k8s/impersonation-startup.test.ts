import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { clustersFromConfig } from '../../../src/cli/clusters-from-config.js';
import { loadConfig } from '../../../src/config/load-config.js';

const KUBECONFIG = `
apiVersion: v1
kind: Config
clusters:
  - { name: c-eu, cluster: { server: 'https://eu.example:6443' } }
  - { name: c-staging, cluster: { server: 'https://staging.example:6443' } }
users:
  - { name: bot, user: { token: t } }
contexts:
  - { name: prod-eu, context: { cluster: c-eu, user: bot } }
  - { name: staging, context: { cluster: c-staging, user: bot } }
current-context: staging
`;

describe('clusters.impersonation at start-up', () => {
  let dir: string;
  let kubeconfig: string;

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'drover-impersonation-'));
    kubeconfig = join(dir, 'config');
    writeFileSync(kubeconfig, KUBECONFIG);
  });

  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  function config(impersonated: string[]) {
    const yaml = `clusters:\n  sandbox: 'off'\n  impersonation:\n${impersonated.map((c) => `    ${c}: { users: {} }\n`).join('')}`;
    return loadConfig({ env: { DROVER_CONFIG: 'drover.yaml', KUBECONFIG: kubeconfig }, readFile: () => yaml });
  }

  it('accepts impersonation of known clusters', async () => {
    const { clusters } = await clustersFromConfig(config(['prod-eu']), {}, pino({ level: 'silent' }));
    expect(clusters.names()).toEqual(['prod-eu', 'staging']);
  });

  it('reports a cluster name that is not among the clusters as config_invalid', async () => {
    await expect(clustersFromConfig(config(['prod-eu', 'prod-us']), {}, pino({ level: 'silent' }))).rejects.toMatchObject({
      code: 'config_invalid',
      message: 'Cluster configuration is invalid:\n  - clusters.impersonation names cluster "prod-us", which is not among the clusters (prod-eu, staging)',
    });
  });
});
