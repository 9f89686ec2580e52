/**
 * POST pods/{name}/eviction, as kube-apiserver's EvictionREST does it
 * (measured against 1.20.2 by test/real-kube/conformance): a pod that is
 * Pending, finished or already terminating is deleted without asking its
 * PodDisruptionBudget; otherwise the one budget whose selector matches it
 * must allow a disruption (429 TooManyRequests when it does not, or when the
 * disruption controller has not processed it yet; 500 for more than one),
 * and a real eviction records the pod in the budget's status. The delete
 * then honours the Eviction's DeleteOptions (preconditions, grace period).
 * dryRun comes from the query or the DeleteOptions; either one makes it a
 * dry run that writes nothing, the budget included.
 */
import { deleteOptionsFromBody } from './delete-options-body.js';
import { asObject, isObject } from './json.js';
import { matchesSelectorObject, type LabelSelectorObject } from './label-selector.js';
import type { Answer, DeleteOptionsInput, Registry } from './registry.js';
import { requireResource } from './resources.js';
import { ApiError, badRequest, forbidden, type Status } from './status.js';
import type { KubeObject } from './types.js';

const PODS = requireResource('pods');
const PDBS = requireResource('poddisruptionbudgets');

const SUCCESS: Status = { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', code: 201 };

function tooManyRequests(cause: string): ApiError {
  return new ApiError({
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Failure',
    message: "Cannot evict pod as it would violate the pod's disruption budget.",
    reason: 'TooManyRequests',
    details: { causes: [{ reason: 'DisruptionBudget', message: cause }] },
    code: 429,
  });
}

function num(value: unknown): number {
  return typeof value === 'number' ? value : 0;
}

/** The Eviction body: its name, DeleteOptions and dryRun. */
function decodeEviction(raw: string, acceptedVersions: readonly string[]): { name: string; options: DeleteOptionsInput; dryRun: string[] } {
  let body: Record<string, unknown>;
  try {
    body = asObject(JSON.parse(raw) as unknown);
  } catch (err) {
    throw badRequest(`couldn't get version/kind; json parse error: ${err instanceof Error ? err.message : String(err)}`);
  }
  const apiVersion = typeof body.apiVersion === 'string' ? body.apiVersion : '';
  if (!acceptedVersions.includes(apiVersion)) {
    const version = apiVersion.split('/').pop() ?? '';
    throw badRequest(
      `Eviction in version "${version}" cannot be handled as a Eviction: no kind "Eviction" is registered for version "${apiVersion}" in scheme "pkg/api/legacyscheme/scheme.go:30"`,
    );
  }
  const meta = asObject(body.metadata);
  const { options, dryRun } = deleteOptionsFromBody(isObject(body.deleteOptions) ? body.deleteOptions : {});
  return { name: typeof meta.name === 'string' ? meta.name : '', options, dryRun };
}

/** Pending, finished or terminating: the disruption has already happened (or never will), so no budget is asked. */
function canIgnoreBudget(pod: KubeObject): boolean {
  const phase = asObject(pod.status).phase;
  return phase === undefined || phase === 'Pending' || phase === 'Succeeded' || phase === 'Failed' || pod.metadata.deletionTimestamp !== undefined;
}

export class Evictions {
  constructor(
    private readonly registry: Registry,
    private readonly now: () => Date,
    /** `policy/v1beta1` on 1.20; both from 1.22. */
    private readonly acceptedVersions: readonly string[],
    private readonly dryRunOf: (values: string[]) => boolean,
  ) {}

  evict(namespace: string, name: string, query: URLSearchParams, raw: string): Answer {
    const eviction = decodeEviction(raw, this.acceptedVersions);
    if (eviction.name !== name) throw badRequest('name in URL does not match name in Eviction object');
    const fromQuery = query.getAll('dryRun');
    if (fromQuery.length > 0 && eviction.dryRun.length > 0 && fromQuery.join(',') !== eviction.dryRun.join(',')) {
      throw badRequest('Non-matching dry-run options in dry-run option and eviction object');
    }
    const dryRun = this.dryRunOf(eviction.dryRun.length > 0 ? eviction.dryRun : fromQuery);
    const pod = this.registry.get(PODS, namespace, name);
    if (!canIgnoreBudget(pod)) this.checkBudget(pod, dryRun);
    this.registry.delete(PODS, namespace, name, eviction.options, dryRun);
    return { code: 201, body: SUCCESS };
  }

  /** Takes one disruption from the pod's budget, or throws why it cannot. */
  private checkBudget(pod: KubeObject, dryRun: boolean): void {
    const namespace = pod.metadata.namespace ?? '';
    const budgets = this.registry.list(PDBS, namespace, { labelSelector: '', fieldSelector: '' }).filter((pdb) => {
      // A budget with a nil or empty selector matches nothing, not everything.
      const selector = asObject(pdb.spec).selector as LabelSelectorObject | undefined;
      const empty = !selector || (Object.keys(selector.matchLabels ?? {}).length === 0 && (selector.matchExpressions ?? []).length === 0);
      return !empty && matchesSelectorObject(selector, pod.metadata.labels);
    });
    if (budgets.length === 0) return;
    if (budgets.length > 1) {
      throw new ApiError({
        kind: 'Status',
        apiVersion: 'v1',
        metadata: {},
        status: 'Failure',
        message: 'This pod has more than one PodDisruptionBudget, which the eviction subresource does not support.',
        code: 500,
      });
    }
    const pdb = budgets[0]!;
    const pdbName = pdb.metadata.name ?? '';
    const status = asObject(pdb.status);
    if (num(status.observedGeneration) < (pdb.metadata.generation ?? 0)) {
      throw tooManyRequests(`The disruption budget ${pdbName} is still being processed by the server.`);
    }
    const allowed = num(status.disruptionsAllowed);
    if (allowed < 0) throw forbidden({ group: 'policy', resource: 'poddisruptionbudget' }, pdbName, 'pdb disruptions allowed is negative');
    if (allowed === 0) {
      throw tooManyRequests(`The disruption budget ${pdbName} needs ${num(status.desiredHealthy)} healthy pods and has ${num(status.currentHealthy)} currently`);
    }
    if (dryRun) return;
    const at = this.now().toISOString().replace(/\.\d{3}Z$/, 'Z');
    const disrupted = { ...(isObject(status.disruptedPods) ? status.disruptedPods : {}), [pod.metadata.name ?? '']: at };
    const patch = JSON.stringify({ status: { disruptionsAllowed: allowed - 1, disruptedPods: disrupted } });
    this.registry.patchStatus(PDBS, namespace, pdbName, 'application/merge-patch+json', patch, false);
  }
}
