/**
 * Pod logs for ctx.k8s. The API server has no logs to give for a pod that
 * never ran: it answers 204 with no body (no node assigned), 400 (container
 * waiting to start) or 500 (the node's kubelet cannot be reached). All three
 * become k8s_no_logs with words a person can act on, not an "unexpected
 * error" from the client failing to parse an empty answer.
 */
import { Observable, type CoreV1Api, type ObservableMiddleware, type RequestContext, type ResponseContext } from '@kubernetes/client-node';
import { DroverError } from '../errors.js';
import type { ApiCaller } from './api-caller.js';
import type { LogOptions } from './types.js';

/** Lets the generated client read a 204 without a Content-Type as empty text instead of throwing. */
const emptyAnswerAsText: ObservableMiddleware = {
  pre(context: RequestContext): Observable<RequestContext> {
    return new Observable(Promise.resolve(context));
  },
  post(context: ResponseContext): Observable<ResponseContext> {
    if (context.httpStatusCode === 204 && !context.headers['content-type']) context.headers['content-type'] = 'text/plain';
    return new Observable(Promise.resolve(context));
  },
};

export async function readPodLogs(core: CoreV1Api, caller: ApiCaller, namespace: string, pod: string, options: LogOptions = {}): Promise<string> {
  const target = { verb: 'get', resource: 'pods/log', kind: 'Pod', namespace, name: pod };
  const where = `pod ${namespace}/${pod} on cluster "${caller.cluster}"`;
  let answer: { data: string; status: number };
  try {
    answer = await caller.call(target, (o) =>
      core.readNamespacedPodLogWithHttpInfo({ name: pod, namespace, ...options }, { ...o, middleware: [...(o.middleware ?? []), emptyAnswerAsText] }),
    );
  } catch (err) {
    if (err instanceof DroverError && (err.code === 'k8s_invalid' || err.code === 'k8s_server_error')) {
      const status = err.details.status;
      const why = status === 400 ? 'its container has not started' : "its node's kubelet could not be reached";
      const server = err.message.replace(/^cluster "[^"]*": /, '');
      throw new DroverError('k8s_no_logs', `no logs for ${where}: ${why} (API server: ${server})`, { cause: err, details: err.details });
    }
    throw err;
  }
  if (answer.status === 204) {
    throw new DroverError('k8s_no_logs', `no logs for ${where}: the pod never started (it has no node, so no container has run)`, {
      details: { ...target, cluster: caller.cluster, status: 204 },
    });
  }
  return answer.data;
}
