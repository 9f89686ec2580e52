/**
 * helm/drover/values.schema.json: generated (npm run chart:schema) from the
 * chart's values and Drover's own zod schemas, covering every value in
 * values.yaml, and enforced by the real Helm, so a typo in my-values.yaml
 * fails with a readable error instead of rendering silently.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { chartValuesSchemaText } from '../../../scripts/chart-schema.values.js';
import { CHART, helmBinary, helmLint } from '../../support/helm.js';
import { render } from './objects.js';

interface JsonSchema {
  type?: string | string[];
  $comment?: string;
  properties?: Record<string, JsonSchema>;
  additionalProperties?: boolean | JsonSchema;
}

const SCHEMA_FILE = join(CHART, 'values.schema.json');

/** The dotted paths of every leaf of a values tree (objects descended into; lists and empty maps are leaves). */
function leaves(value: unknown, path = ''): string[] {
  if (value !== null && typeof value === 'object' && !Array.isArray(value) && Object.keys(value).length > 0) {
    return Object.entries(value).flatMap(([k, v]) => leaves(v, path ? `${path}.${k}` : k));
  }
  return [path];
}

/** The paths of the chart's own keys in the schema (config and policy come from Drover's schemas, and are not in values.yaml). */
function schemaPaths(schema: JsonSchema, path = ''): string[] {
  if (path === 'config' || path === 'policy') return [path];
  // A Kubernetes type (resources, securityContext...): its keys are Kubernetes', not the chart's.
  if (schema.$comment?.startsWith('Kubernetes ')) return [path];
  if (!schema.properties || schema.additionalProperties !== false) return [path];
  return Object.entries(schema.properties).flatMap(([k, v]) => schemaPaths(v, path ? `${path}.${k}` : k));
}

describe('Helm chart helm/drover: values.schema.json', () => {
  beforeAll(() => helmBinary(), 300_000);

  it('is what `npm run chart:schema` generates from the chart and the zod schemas', () => {
    const committed = readFileSync(SCHEMA_FILE, 'utf8');
    if (committed !== chartValuesSchemaText()) throw new Error('helm/drover/values.schema.json is stale: run `npm run chart:schema` and commit it');
  });

  it('covers every value in values.yaml, and names no value that values.yaml does not describe', () => {
    const schema = JSON.parse(readFileSync(SCHEMA_FILE, 'utf8')) as JsonSchema;
    const values = parse(readFileSync(join(CHART, 'values.yaml'), 'utf8')) as Record<string, unknown>;
    const described = schemaPaths(schema);
    const given = leaves(values).map((p) => (p.startsWith('config.') ? 'config' : p.startsWith('policy.') ? 'policy' : p));
    // Every key of values.yaml is in the schema (down to where the schema stops naming keys)...
    for (const path of given) expect(described.some((d) => path === d || path.startsWith(`${d}.`))).toBe(true);
    // ...and every key the schema names is in values.yaml, with its description.
    for (const path of described) expect({ path, inValues: given.some((g) => g === path || g.startsWith(`${path}.`)) }).toEqual({ path, inValues: true });
  });

  it.each([
    [{ worker: { seperate: true } }, "at '/worker': additional properties 'seperate' not allowed"],
    [{ rbac: { clusterwide: true } }, "at '/rbac': additional properties 'clusterwide' not allowed"],
    [{ redis: { image: { tag: 8 } } }, "at '/redis/image/tag': got number, want string"],
    [{ slack: { enabled: true, mode: 'websocket' } }, "at '/slack/mode': value must be one of 'http', 'socket'"],
    // Kubernetes objects passed through: a misspelt key would be dropped by the API server, the setting silently lost.
    [{ securityContext: { readOnlyRootFileSystem: true } }, "at '/securityContext': additional properties 'readOnlyRootFileSystem' not allowed"],
    [{ podSecurityContext: { runAsNonroot: true } }, "at '/podSecurityContext': additional properties 'runAsNonroot' not allowed"],
    [{ worker: { resources: { limit: { memory: '1Gi' } } } }, "at '/worker/resources': additional properties 'limit' not allowed"],
    [{ redis: { resources: { request: { cpu: '1' } } } }, "at '/redis/resources': additional properties 'request' not allowed"],
    [{ affinity: { podAntiAfinity: {} } }, "at '/affinity': additional properties 'podAntiAfinity' not allowed"],
    [{ tolerations: [{ key: 'a', efect: 'NoSchedule' }] }, "at '/tolerations/0': additional properties 'efect' not allowed"],
    // config and policy: refused as Drover's own loaders would refuse them.
    [{ config: { log: { levle: 'debug' } } }, "at '/config/log': additional properties 'levle' not allowed"],
    [{ policy: { rules: [{ groups: ['sre'], runbooks: ['*'], clusters: ['*'], namespace: ['shop'] }] } }, "at '/policy/rules/0': additional properties 'namespace' not allowed"],
    [{ policy: { rules: [{ groups: ['sre'], runbooks: [], clusters: ['*'] }] } }, "at '/policy/rules/0/runbooks': minItems: got 0, want 1"],
  ])('refuses %j in `helm template` with a readable error', async (values, message) => {
    const error = render(values);
    await expect(error).rejects.toThrow(/^Error: values don't meet the specifications of the schema\(s\) in the following chart\(s\):\ndrover:\n/);
    await expect(error).rejects.toThrow(message);
  });

  it('fails `helm lint` on a typo too', async () => {
    await expect(helmLint({ values: { autoscaling: { enabeld: true } } })).rejects.toThrow(/additional properties 'enabeld' not allowed/);
  });
});
