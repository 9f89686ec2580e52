/**
 * Sends Impersonate-User and one Impersonate-Group line per group on every
 * request of an API client. The API server reads each Impersonate-Group line
 * as one group and does not split a comma-joined value, and client-node's
 * RequestContext.setHeaderParam keeps one value per name, so the headers are
 * added here, on the way to fetch, as [name, value] pairs (fetch's
 * HeadersInit), which keep repeated names apart.
 */
import {
  IsomorphicFetchHttpLibrary,
  KubeConfig,
  ServerConfiguration,
  createConfiguration,
  type ApiConstructor,
  type ApiType,
  type HttpLibrary,
  type Observable,
  type RequestContext,
  type ResponseContext,
} from '@kubernetes/client-node';
import type { K8sIdentity } from './types.js';

/** The header lines that carry an identity, in order. */
export function impersonationHeaders(identity: K8sIdentity): [string, string][] {
  return [['Impersonate-User', identity.user], ...identity.groups.map((g): [string, string] => ['Impersonate-Group', g])];
}

/**
 * Wraps an HttpLibrary (client-node's default, node-fetch) so every request
 * impersonates `identity`. TLS and authentication are untouched: the agent and
 * Authorization header the kubeconfig put on the request are passed on. Any
 * impersonation the kubeconfig itself asks for (`as:`) is replaced.
 */
export class ImpersonatingHttpLibrary implements HttpLibrary {
  constructor(
    private readonly identity: K8sIdentity,
    /** Must hand `request.getHeaders()` to fetch unchanged, as client-node's default does. */
    private readonly inner: HttpLibrary = new IsomorphicFetchHttpLibrary(),
  ) {}

  send(request: RequestContext): Observable<ResponseContext> {
    const pairs: [string, string][] = Object.entries(request.getHeaders()).filter(([header]) => !/^impersonate-/i.test(header));
    pairs.push(...impersonationHeaders(this.identity));
    // The same request (URL, body, signal, agent), except that its headers are pairs: fetch accepts
    // them where client-node's type says Record<string, string>.
    const view = Object.create(request, { getHeaders: { value: () => pairs } }) as RequestContext;
    return this.inner.send(view);
  }
}

/** A copy of a KubeConfig whose API clients send every request through `httpApi`, authenticated by the original. */
class HttpLibraryKubeConfig extends KubeConfig {
  constructor(
    private readonly original: KubeConfig,
    private readonly httpApi: HttpLibrary,
  ) {
    super();
    this.loadFromOptions({
      clusters: original.getClusters(),
      users: original.getUsers(),
      contexts: original.getContexts(),
      currentContext: original.getCurrentContext(),
    });
  }

  /** As KubeConfig.makeApiClient, plus `httpApi`. */
  override makeApiClient<T extends ApiType>(apiClientType: ApiConstructor<T>): T {
    const cluster = this.getCurrentCluster();
    if (!cluster) throw new Error('No active cluster!');
    return new apiClientType(
      createConfiguration({
        baseServer: new ServerConfiguration(cluster.server, {}),
        // The original keeps its exec/OIDC token caches and applies TLS options as before.
        authMethods: { default: this.original },
        httpApi: this.httpApi,
      }),
    );
  }
}

/** A KubeConfig for the same cluster and credentials whose API clients impersonate `identity` on every request. */
export function impersonatingKubeConfig(kubeConfig: KubeConfig, identity: K8sIdentity): KubeConfig {
  return new HttpLibraryKubeConfig(kubeConfig, new ImpersonatingHttpLibrary(identity));
}
