/**
 * Turns a routed request into a registry call: decodes bodies and options,
 * checks dryRun, builds list envelopes, and picks the subresource handler.
 */
import { parse as parseYaml } from 'yaml';
import { mediaType, patchTypeOf } from './apply-patch.js';
import { deleteOptionsFromBody } from './delete-options-body.js';
import { asObject, getPath } from './json.js';
import type { Evictions } from './eviction.js';
import type { PodLogs } from './pod-logs.js';
import type { Answer, DeleteOptionsInput, Registry } from './registry.js';
import { apiVersionOf, requireResource, type ResourceDef, type Verb } from './resources.js';
import type { ResourceRoute } from './router.js';
import type { ScaleHandler } from './scale.js';
import { ApiError, badRequest, invalid, notFound, unsupportedMediaType } from './status.js';
import type { ObjectStore } from './store.js';
import type { KubeObject } from './types.js';
import { updateManager } from './field-managers.js';

export interface HandlerInput {
  route: ResourceRoute;
  verb: Verb;
  query: URLSearchParams;
  contentType: string | undefined;
  rawBody: string;
  /** Names a write's field manager when the request gives no fieldManager. */
  userAgent?: string | undefined;
}

/** A text answer (pod logs) rather than JSON. */
export interface TextAnswer {
  code: number;
  text: string;
  /** Default text/plain. */
  contentType?: string;
}

const PODS = requireResource('pods');
const NODES = requireResource('nodes');

const OPTIONS_KIND: Partial<Record<Verb, string>> = {
  create: 'CreateOptions',
  update: 'UpdateOptions',
  patch: 'PatchOptions',
  delete: 'DeleteOptions',
};

/** dryRun must be absent or exactly `All`; anything else is a 422 on the *Options kind, as the server answers. */
export function dryRunOf(verb: Verb, values: string[]): boolean {
  if (values.length === 0) return false;
  if (values.every((v) => v === 'All')) return true;
  throw invalid({ group: 'meta.k8s.io', kind: OPTIONS_KIND[verb] ?? 'Options' }, '', [
    {
      type: 'FieldValueNotSupported',
      field: 'dryRun',
      detail: `Unsupported value: []string{${values.map((v) => JSON.stringify(v)).join(', ')}}: supported values: "All"`,
    },
  ]);
}

function decodeObject(contentType: string | undefined, raw: string): unknown {
  const type = mediaType(contentType);
  try {
    if (type === '' || type === 'application/json') return JSON.parse(raw) as unknown;
    if (type === 'application/yaml') return parseYaml(raw) as unknown;
  } catch (err) {
    throw badRequest(`couldn't get version/kind; json parse error: ${err instanceof Error ? err.message : String(err)}`);
  }
  throw unsupportedMediaType(['application/json', 'application/yaml', 'application/vnd.kubernetes.protobuf']);
}

function intParam(query: URLSearchParams, name: string): number | undefined {
  const raw = query.get(name);
  if (raw === null || raw === '') return undefined;
  if (!/^-?\d+$/.test(raw)) throw badRequest(`strconv.ParseInt: parsing "${raw}": invalid syntax`);
  return Number(raw);
}

function boolParam(query: URLSearchParams, name: string): boolean {
  const raw = query.get(name);
  return raw === 'true' || raw === '1';
}

function listEnvelope(def: ResourceDef, items: KubeObject[], store: ObjectStore, query: URLSearchParams): unknown {
  const limit = intParam(query, 'limit') ?? 0;
  const token = query.get('continue');
  let start = 0;
  if (token) {
    const decoded = Number(Buffer.from(token, 'base64url').toString('utf8'));
    if (!Number.isInteger(decoded) || decoded < 0) throw badRequest('continue key is not valid: illegal base64 data');
    start = decoded;
  }
  const end = limit > 0 ? start + limit : items.length;
  const metadata: Record<string, unknown> = { resourceVersion: store.currentVersion() };
  if (end < items.length) {
    metadata.continue = Buffer.from(String(end), 'utf8').toString('base64url');
    metadata.remainingItemCount = items.length - end;
  }
  // Items in a list carry no kind/apiVersion, as on the wire.
  const page = items.slice(start, end).map(({ kind: _kind, apiVersion: _apiVersion, ...rest }) => rest);
  return { kind: `${def.kind}List`, apiVersion: apiVersionOf(def), metadata, items: page };
}

/**
 * DeleteOptions come from the body when there is one, else from the query,
 * never both: a DELETE with a body ignores its query parameters (a
 * `?dryRun=All` next to a body deletes for real), as the API server does.
 */
function deleteOptions(query: URLSearchParams, raw: string): { options: DeleteOptionsInput; dryRun: string[] } {
  if (raw.trim() === '') {
    const options: DeleteOptionsInput = {};
    const grace = intParam(query, 'gracePeriodSeconds');
    if (grace !== undefined) options.gracePeriodSeconds = grace;
    const policy = query.get('propagationPolicy');
    if (policy !== null) options.propagationPolicy = policy;
    return { options, dryRun: query.getAll('dryRun') };
  }
  return deleteOptionsFromBody(asObject(decodeObject('application/json', raw)));
}

export class Handlers {
  constructor(
    private readonly registry: Registry,
    private readonly scale: ScaleHandler,
    private readonly logs: PodLogs,
    private readonly store: ObjectStore,
    private readonly evictions: Evictions,
  ) {}

  handle(input: HandlerInput): Answer | TextAnswer {
    const { route, verb, query } = input;
    const { def, namespace } = route;
    const name = route.name ?? '';
    if (route.subresource === 'log') return this.podLog(namespace ?? '', name, query);
    if (route.subresource === 'eviction') return this.evictions.evict(namespace ?? '', name, query, input.rawBody);
    if (route.subresource === 'scale') return this.scaleRequest(input);
    if (route.subresource === 'status') return this.statusRequest(input);
    switch (verb) {
      case 'get':
        return { code: 200, body: this.registry.get(def, namespace, name) };
      case 'list': {
        const selectors = { labelSelector: query.get('labelSelector') ?? '', fieldSelector: query.get('fieldSelector') ?? '' };
        return { code: 200, body: listEnvelope(def, this.registry.list(def, namespace, selectors), this.store, query) };
      }
      case 'create': {
        const dryRun = dryRunOf(verb, query.getAll('dryRun'));
        return this.registry.create(def, namespace, decodeObject(input.contentType, input.rawBody), dryRun, this.manager(input));
      }
      case 'update': {
        const dryRun = dryRunOf(verb, query.getAll('dryRun'));
        return this.registry.update(def, namespace, name, decodeObject(input.contentType, input.rawBody), dryRun, this.manager(input));
      }
      case 'patch': {
        const type = patchTypeOf(input.contentType, this.registry.profile);
        // Custom resources have no strategic merge patch (no Go struct to read merge keys from).
        if (def.custom && type === 'application/strategic-merge-patch+json') {
          throw unsupportedMediaType(['application/json-patch+json', 'application/merge-patch+json', 'application/apply-patch+yaml']);
        }
        const dryRun = dryRunOf(verb, query.getAll('dryRun'));
        return this.registry.patch(def, namespace, name, type, input.rawBody, dryRun, query.get('fieldManager') ?? undefined, boolParam(query, 'force'), this.manager(input));
      }
      case 'delete': {
        const { options, dryRun } = deleteOptions(query, input.rawBody);
        return this.registry.delete(def, namespace, name, options, dryRunOf(verb, dryRun));
      }
    }
  }

  private manager(input: HandlerInput): string {
    return updateManager(input.query.get('fieldManager') ?? undefined, input.userAgent);
  }

  /** The status subresource: reads the object; writes change its status only (spec and metadata are kept). */
  private statusRequest(input: HandlerInput): Answer {
    const { def, namespace } = input.route;
    const name = input.route.name ?? '';
    if (input.verb === 'get') return { code: 200, body: this.registry.get(def, namespace, name) };
    if (input.verb === 'update') {
      const dryRun = dryRunOf('update', input.query.getAll('dryRun'));
      return this.registry.updateStatus(def, namespace, name, decodeObject(input.contentType, input.rawBody), dryRun);
    }
    const type = patchTypeOf(input.contentType, this.registry.profile);
    return this.registry.patchStatus(def, namespace, name, type, input.rawBody, dryRunOf('patch', input.query.getAll('dryRun')));
  }

  private scaleRequest(input: HandlerInput): Answer {
    const namespace = input.route.namespace ?? '';
    const name = input.route.name ?? '';
    if (input.verb === 'get') return this.scale.get(namespace, name);
    if (input.verb === 'update') {
      const dryRun = dryRunOf('update', input.query.getAll('dryRun'));
      return this.scale.update(namespace, name, decodeObject(input.contentType, input.rawBody), dryRun);
    }
    const type = patchTypeOf(input.contentType, this.registry.profile);
    return this.scale.patch(namespace, name, type, input.rawBody, dryRunOf('patch', input.query.getAll('dryRun')));
  }

  private podLog(namespace: string, name: string, query: URLSearchParams): TextAnswer {
    const pod = this.registry.get(PODS, namespace, name);
    this.logs.containerFor(pod, query.get('container') ?? undefined);
    if (!this.logs.has(namespace, name)) {
      const noKubelet = this.noKubelet(pod);
      if (noKubelet) return noKubelet;
    }
    const tailLines = intParam(query, 'tailLines');
    const limitBytes = intParam(query, 'limitBytes');
    const text = this.logs.read(pod, {
      ...(query.get('container') ? { container: query.get('container') ?? '' } : {}),
      previous: boolParam(query, 'previous'),
      ...(tailLines === undefined ? {} : { tailLines }),
      ...(limitBytes === undefined ? {} : { limitBytes }),
    });
    return { code: 200, text };
  }

  /**
   * What the API server answers for a pod whose logs nobody set, before any
   * kubelet is asked: 204 and no body when the pod has no node; for a node
   * that is gone, 1.20's 404 (which names it a pod); for a node with no
   * address to reach its kubelet at, a 500 without a reason.
   */
  private noKubelet(pod: KubeObject): TextAnswer | undefined {
    const nodeName = getPath(pod, 'spec', 'nodeName');
    if (typeof nodeName !== 'string' || nodeName === '') return { code: 204, text: '' };
    const node = this.store.get(NODES, undefined, nodeName);
    if (!node) throw notFound({ group: '', resource: 'pods' }, nodeName);
    const addresses = getPath(node, 'status', 'addresses');
    if (Array.isArray(addresses) && addresses.length > 0) return undefined;
    throw new ApiError({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: 'no preferred addresses found; known addresses: []', code: 500 });
  }
}
