/**
 * The Deployment `scale` subresource: an autoscaling/v1 Scale view of the
 * deployment; writes go through the deployment's own update path.
 */
import { applyPatch, decodePatch, type PatchContentType } from './apply-patch.js';
import { asObject, clone, getPath, isObject } from './json.js';
import { selectorToString, type LabelSelectorObject } from './label-selector.js';
import type { Answer, Registry } from './registry.js';
import { requireResource } from './resources.js';
import { badRequest, conflict, fieldError, invalid, notFound } from './status.js';
import type { KubeObject } from './types.js';

const DEPLOYMENTS = requireResource('deployments');

export function toScale(deployment: KubeObject): KubeObject {
  const m = deployment.metadata;
  const metadata: KubeObject['metadata'] = { name: m.name, namespace: m.namespace, uid: m.uid };
  if (m.resourceVersion) metadata.resourceVersion = m.resourceVersion;
  metadata.creationTimestamp = m.creationTimestamp;
  const replicas = getPath(deployment, 'spec', 'replicas');
  const status = getPath(deployment, 'status', 'replicas');
  return {
    kind: 'Scale',
    apiVersion: 'autoscaling/v1',
    metadata,
    spec: typeof replicas === 'number' && replicas !== 0 ? { replicas } : {},
    status: {
      replicas: typeof status === 'number' ? status : 0,
      selector: selectorToString(getPath(deployment, 'spec', 'selector') as LabelSelectorObject | undefined),
    },
  };
}

export class ScaleHandler {
  constructor(private readonly registry: Registry) {}

  /** A read names the subresource in its 404 (`deployments/scale.apps "x" not found`); writes name the deployment. */
  get(namespace: string, name: string): Answer {
    const deployment = this.registry.find(DEPLOYMENTS, namespace, name);
    if (!deployment) throw notFound({ group: 'apps', resource: 'deployments/scale' }, name);
    return { code: 200, body: toScale(deployment) };
  }

  update(namespace: string, name: string, body: unknown, dryRun: boolean): Answer {
    const deployment = this.registry.get(DEPLOYMENTS, namespace, name);
    return { code: 200, body: this.apply(deployment, body, dryRun) };
  }

  patch(namespace: string, name: string, type: PatchContentType, raw: string, dryRun: boolean): Answer {
    const deployment = this.registry.get(DEPLOYMENTS, namespace, name);
    const patched = applyPatch(type, toScale(deployment), decodePatch(type, raw), this.registry.profile);
    return { code: 200, body: this.apply(deployment, patched, dryRun) };
  }

  private apply(deployment: KubeObject, body: unknown, dryRun: boolean): KubeObject {
    if (!isObject(body)) throw badRequest('the object provided is unrecognized (must be of type Scale)');
    if (typeof body.kind === 'string' && body.kind !== 'Scale') {
      throw badRequest(`the object provided is unrecognized (must be of type Scale): kind ${body.kind}`);
    }
    const name = deployment.metadata.name ?? '';
    const meta = asObject(body.metadata);
    if (meta.name !== undefined && meta.name !== name) {
      throw badRequest(`the name of the object (${typeof meta.name === 'string' ? meta.name : JSON.stringify(meta.name)}) does not match the name on the URL (${name})`);
    }
    const replicas = getPath(body, 'spec', 'replicas') ?? 0;
    if (typeof replicas !== 'number' || !Number.isInteger(replicas)) {
      throw badRequest(`json: cannot unmarshal ${typeof replicas} into Go struct field ScaleSpec.spec.replicas of type int32`);
    }
    if (replicas < 0) {
      throw invalid({ group: 'autoscaling', kind: 'Scale' }, name, [
        fieldError.invalid('spec.replicas', replicas, 'must be greater than or equal to 0'),
      ]);
    }
    const rv = meta.resourceVersion;
    if (typeof rv === 'string' && rv !== '' && rv !== deployment.metadata.resourceVersion) {
      throw conflict({ group: 'apps', resource: 'deployments' }, name);
    }
    const next = clone(deployment);
    next.spec = { ...asObject(next.spec), replicas };
    return toScale(this.registry.commitUpdate(DEPLOYMENTS, deployment, next, dryRun));
  }
}
