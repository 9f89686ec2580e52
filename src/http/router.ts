import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';

export type RouteHandler = (req: IncomingMessage, res: ServerResponse) => void | Promise<void>;

/**
 * The few routes Drover serves, on one port: /metrics, health checks, and the
 * Slack and Alertmanager endpoints that later features add.
 */
export class Router {
  /** Path → method → handler. */
  private readonly routes = new Map<string, Map<string, RouteHandler>>();

  constructor(private readonly onError: (err: unknown, req: IncomingMessage) => void = () => undefined) {}

  add(method: string, path: string, handler: RouteHandler): this {
    const methods = this.routes.get(path) ?? new Map<string, RouteHandler>();
    // The first route added for a path and method answers.
    if (!methods.has(method.toUpperCase())) methods.set(method.toUpperCase(), handler);
    this.routes.set(path, methods);
    return this;
  }

  get listener(): RequestListener {
    // Called for every request of a burst: a map look-up, and the handler called at once (a handler's own work decides when it answers).
    return (req, res) => {
      const url = req.url ?? '/';
      const query = url.indexOf('?');
      const methods = this.routes.get(query < 0 ? url : url.slice(0, query));
      const handler = methods?.get(req.method ?? '') ?? (req.method === 'HEAD' ? methods?.get('GET') : undefined);
      if (!handler) {
        if (methods) {
          res.writeHead(405, { allow: [...methods.keys()].join(', '), 'content-type': 'text/plain' }).end('method not allowed\n');
        } else {
          res.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
        }
        return;
      }
      const fail = (err: unknown): void => {
        this.onError(err, req);
        if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' });
        res.end('internal error\n');
      };
      try {
        const done = handler(req, res);
        if (done) done.catch(fail);
      } catch (err) {
        fail(err);
      }
    };
  }
}
