/**
 * A request to any API path (a custom resource's, say) with a KubeConfig's
 * credentials, TLS and HTTP library (so impersonation applies), in the form
 * ApiCaller.call sends: it takes the caller's middleware (timeout signal,
 * dry-run guard, tracing, Content-Type) and answers HttpInfo, throwing
 * ApiException for a non-2xx answer as client-node's typed APIs do.
 */
import {
  ApiException,
  HttpInfo,
  type Configuration,
  type ConfigurationOptions,
  type KubeConfig,
  type ObservableMiddleware,
  type RequestContext,
} from '@kubernetes/client-node';

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

export interface RawRequest {
  method: HttpMethod;
  /** `/apis/example.com/v1/namespaces/shop/widgets/w1` */
  path: string;
  query?: Record<string, string | number | boolean | undefined>;
  /** Sent as JSON (JSON is YAML too, for apply patches). */
  body?: unknown;
}

/** Captures the Configuration a KubeConfig builds for its API clients (server, auth, HTTP library). */
class ConfigurationHolder {
  constructor(readonly configuration: Configuration) {}
}

/** The Configuration `kubeConfig` gives its API clients. */
export function configurationOf(kubeConfig: KubeConfig): Configuration {
  return kubeConfig.makeApiClient(ConfigurationHolder).configuration;
}

async function runMiddleware(middleware: ObservableMiddleware[], context: RequestContext): Promise<RequestContext> {
  let current = context;
  for (const m of middleware) current = await m.pre(current).toPromise();
  return current;
}

/** Sends one request; `options` is what ApiCaller.call hands its `send`. */
export async function sendRaw(
  configuration: Configuration,
  request: RawRequest,
  options: ConfigurationOptions<ObservableMiddleware>,
): Promise<HttpInfo<unknown>> {
  const context = configuration.baseServer.makeRequestContext(request.path, request.method as never);
  context.setHeaderParam('Accept', 'application/json');
  for (const [name, value] of Object.entries(request.query ?? {})) {
    if (value !== undefined) context.setQueryParam(name, String(value));
  }
  if (request.body !== undefined) {
    context.setHeaderParam('Content-Type', 'application/json');
    context.setBody(JSON.stringify(request.body));
  }
  await configuration.authMethods.default?.applySecurityAuthentication(context);
  const middleware = [...configuration.middleware, ...(options.middleware ?? [])];
  const ready = await runMiddleware(middleware, context);
  let response = await configuration.httpApi.send(ready).toPromise();
  for (const m of middleware) response = await m.post(response).toPromise();
  const text = await response.body.text();
  let data: unknown = undefined;
  if (text !== '') {
    try {
      data = JSON.parse(text) as unknown;
    } catch {
      data = text;
    }
  }
  if (response.httpStatusCode < 200 || response.httpStatusCode > 299) {
    throw new ApiException(response.httpStatusCode, 'Unsuccessful HTTP Request', data ?? text, response.headers);
  }
  return new HttpInfo(response.httpStatusCode, response.headers, response.body, data);
}
