/**
 * A proxy in front of the Kubernetes fake that can stop time at the two
 * points a crash matters most for a mutation: before the server has it
 * (`request`), and after the server applied it but before the client has the
 * answer (`response`). A held exchange waits until released; `reset` applies
 * the request and then cuts the connection, so the client cannot know the outcome.
 */
import { createServer, request, type IncomingMessage, type ServerResponse } from 'node:http';
import { listen } from '../../../src/http/listen.js';

export interface HoldRule {
  method?: string;
  /** A regular expression's source, matched against the path and query. */
  pathPattern: string;
  phase: 'request' | 'response' | 'reset';
  /** Matching exchanges to let through first (default 0). */
  skip?: number;
  /** How many matching exchanges to affect (default 1). */
  times?: number;
}

export interface Held {
  id: number;
  method: string;
  path: string;
  phase: HoldRule['phase'];
}

export interface HoldingProxy {
  url: string;
  hold(rule: HoldRule): void;
  held(): Held[];
  /** Lets every held exchange go on (a client that went away meanwhile gets nothing). */
  release(): void;
  clear(): void;
  stop(): Promise<void>;
}

function readAll(stream: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    stream.on('data', (c: Buffer) => chunks.push(c));
    stream.on('end', () => resolve(Buffer.concat(chunks)));
    stream.on('error', reject);
  });
}

export async function startHoldingProxy(target: string): Promise<HoldingProxy> {
  const rules: Array<{ rule: HoldRule; pattern: RegExp; skip: number; left: number }> = [];
  const waiting = new Map<number, { held: Held; go: () => void }>();
  let nextId = 1;

  function take(method: string, path: string): HoldRule | undefined {
    const entry = rules.find(({ rule, pattern }) => (rule.method === undefined || rule.method === method) && pattern.test(path));
    if (!entry) return undefined;
    if (entry.skip > 0) {
      entry.skip -= 1;
      return undefined;
    }
    entry.left -= 1;
    if (entry.left <= 0) rules.splice(rules.indexOf(entry), 1);
    return entry.rule;
  }

  function pause(method: string, path: string, phase: HoldRule['phase']): Promise<void> {
    const held = { id: nextId++, method, path, phase };
    return new Promise((resolve) => waiting.set(held.id, { held, go: resolve }));
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const method = (req.method ?? 'GET').toUpperCase();
    const path = req.url ?? '/';
    const body = await readAll(req);
    const rule = take(method, path);
    if (rule?.phase === 'request') {
      await pause(method, path, 'request');
      if (req.socket.destroyed) return;
    }
    const upstream = await new Promise<{ status: number; headers: IncomingMessage['headers']; body: Buffer }>((resolve, reject) => {
      const out = request(`${target}${path}`, { method, headers: req.headers }, (answer) => {
        readAll(answer).then((b) => resolve({ status: answer.statusCode ?? 502, headers: answer.headers, body: b }), reject);
      });
      out.on('error', reject);
      out.end(body);
    });
    if (rule?.phase === 'reset') {
      req.socket.destroy();
      return;
    }
    if (rule?.phase === 'response') {
      await pause(method, path, 'response');
      if (req.socket.destroyed) return;
    }
    res.writeHead(upstream.status, upstream.headers);
    res.end(upstream.body);
  }

  // The fake cutting a connection (its `drop` fault) reaches the client as a cut connection too, not as a 502.
  const server = createServer((req, res) => {
    handle(req, res).catch(() => req.socket.destroy());
  });
  const port = await listen(server, 0);
  const release = (): void => {
    for (const [id, w] of waiting) {
      waiting.delete(id);
      w.go();
    }
  };
  return {
    url: `http://127.0.0.1:${port}`,
    hold: (rule) => rules.push({ rule, pattern: new RegExp(rule.pathPattern), skip: rule.skip ?? 0, left: rule.times ?? 1 }),
    held: () => [...waiting.values()].map((w) => w.held),
    release,
    clear() {
      rules.length = 0;
    },
    async stop() {
      release();
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}
