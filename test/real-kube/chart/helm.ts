/**
 * The real Helm (the official binary, fetched and cached by get-helm.sh) for
 * rendering the chart as a user's `helm template` / `helm install` would.
 */
import { execFile, execFileSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { ROOT } from '../../support/test-drover.js';

export interface RenderedObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; [k: string]: unknown };
  [k: string]: unknown;
}

/** Path of the Helm binary (gets it into the cache the first time). */
export function helmBinary(): string {
  const out = execFileSync('bash', [join(ROOT, 'test', 'real-kube', 'get-helm.sh')], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  const path = out.trim().split('\n').at(-1);
  if (!path) throw new Error('get-helm.sh printed no path');
  return path;
}

/** `helm template` of helm/drover with the given values and Kubernetes version; the objects it renders. */
export async function helmTemplate(helm: string, options: { kubeVersion: string; namespace: string; values: object }): Promise<RenderedObject[]> {
  const dir = await mkdtemp(join(tmpdir(), 'drover-helm-'));
  try {
    const valuesFile = join(dir, 'values.json');
    await writeFile(valuesFile, JSON.stringify(options.values));
    const args = ['template', 'drover', join(ROOT, 'helm', 'drover'), '--namespace', options.namespace, '--kube-version', options.kubeVersion, '-f', valuesFile];
    const env = { HOME: dir, HELM_CACHE_HOME: join(dir, 'cache'), HELM_CONFIG_HOME: join(dir, 'config'), HELM_DATA_HOME: join(dir, 'data'), PATH: '/usr/bin:/bin' };
    const yaml = await new Promise<string>((resolve, reject) => {
      execFile(helm, args, { env, timeout: 60_000, maxBuffer: 16 * 1024 * 1024 }, (err, stdout, stderr) => (err ? reject(new Error(`helm ${args.join(' ')}: ${stderr || err.message}`)) : resolve(stdout)));
    });
    return parseAllDocuments(yaml)
      .map((d) => d.toJSON() as RenderedObject | null)
      .filter((o): o is RenderedObject => o !== null && typeof o === 'object' && typeof o.kind === 'string');
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
