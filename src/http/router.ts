import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';

export type RouteHandler = (req: IncomingMessage, res: ServerResponse) => void | Promise<void>;

interface Route {
  method: string;
  path: string;
  handler: RouteHandler;
}

/**
 * The few routes Drover serves, on one port: /metrics, health checks, and the
 * Slack and Alertmanager endpoints that later features add.
 */
export class Router {
  private readonly routes: Route[] = [];

  constructor(private readonly onError: (err: unknown, req: IncomingMessage) => void = () => undefined) {}

  add(method: string, path: string, handler: RouteHandler): this {
    this.routes.push({ method: method.toUpperCase(), path, handler });
    return this;
  }

  get listener(): RequestListener {
    return (req, res) => {
      const path = (req.url ?? '/').split('?')[0] ?? '/';
      const candidates = this.routes.filter((r) => r.path === path);
      const route = candidates.find((r) => r.method === req.method || (r.method === 'GET' && req.method === 'HEAD'));
      if (!route) {
        if (candidates.length) {
          res.writeHead(405, { allow: candidates.map((r) => r.method).join(', '), 'content-type': 'text/plain' }).end('method not allowed\n');
        } else {
          res.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
        }
        return;
      }
      Promise.resolve()
        .then(() => route.handler(req, res))
        .catch((err: unknown) => {
          this.onError(err, req);
          if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' });
          res.end('internal error\n');
        });
    };
  }
}
