/**
 * The fakes' control endpoint: the chaos runner reads the Kubernetes fake's
 * own request log and objects, arms faults and holds, and reads what Slack
 * was sent, over plain HTTP (the fakes live in another process).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { FaultRule, K8sFake, SlackFake } from '../../../src/testing/index.js';
import type { HoldingProxy, HoldRule } from './holding-proxy.js';

export interface ControlDeps {
  k8s: K8sFake;
  slack: SlackFake;
  proxy: HoldingProxy;
}

/** A mutation as the API server received it. */
export interface WireMutation {
  method: string;
  path: string;
  rawQuery: string;
  status: number;
  body: unknown;
}

function readJson(req: IncomingMessage): Promise<unknown> {
  return new Promise((resolve, reject) => {
    let raw = '';
    req.on('data', (c: Buffer) => (raw += c.toString()));
    req.on('end', () => {
      try {
        resolve(raw ? (JSON.parse(raw) as unknown) : {});
      } catch (err) {
        reject(err instanceof Error ? err : new Error(String(err)));
      }
    });
    req.on('error', reject);
  });
}

export function controlListener({ k8s, slack, proxy }: ControlDeps): (req: IncomingMessage, res: ServerResponse) => void {
  async function route(req: IncomingMessage, url: URL): Promise<unknown> {
    const at = `${req.method ?? 'GET'} ${url.pathname}`;
    switch (at) {
      case 'GET /mutations':
        return k8s.requests
          .filter((r) => r.method !== 'GET')
          .map((r): WireMutation => ({ method: r.method, path: r.path, rawQuery: r.rawQuery, status: r.status, body: r.body }));
      case 'GET /stats':
        return { requests: k8s.requests.length };
      case 'POST /fail': {
        const rule = (await readJson(req)) as FaultRule & { pathPattern?: string };
        const { pathPattern, ...rest } = rule;
        k8s.failNext(pathPattern ? { ...rest, pathRegex: new RegExp(pathPattern) } : rest);
        return { ok: true };
      }
      case 'POST /hold':
        proxy.hold((await readJson(req)) as HoldRule);
        return { ok: true };
      case 'GET /held':
        return proxy.held();
      case 'POST /release':
        proxy.release();
        return { ok: true };
      case 'POST /clear':
        k8s.clearFaults();
        proxy.clear();
        proxy.release();
        return { ok: true };
      case 'GET /objects':
        return k8s.list(url.searchParams.get('kind') ?? '', url.searchParams.get('namespace') ?? undefined);
      case 'GET /slack/calls':
        return slack.calls().map((c) => ({ method: c.method, status: c.status, at: c.at, args: c.args }));
      case 'POST /slack/rate-limit': {
        const { method, retryAfterSeconds, times } = (await readJson(req)) as { method: string; retryAfterSeconds: number; times?: number };
        slack.rateLimitNext(method, { retryAfterSeconds, ...(times === undefined ? {} : { times }) });
        return { ok: true };
      }
      case 'GET /slack/threads': {
        // Each top-level message of a channel with its replies, in the order Slack holds them.
        const channel = url.searchParams.get('channel') ?? '';
        return slack.messages(channel).map((m) => ({ ts: m.ts, text: m.text, blocks: m.blocks ?? [], replies: slack.thread(channel, m.ts).filter((r) => r.ts !== m.ts).map((r) => r.text) }));
      }
      case 'POST /slack/down': {
        // Down until `POST /slack/up`: every Web API call answers 503.
        slack.unavailableNext('*', 1_000_000);
        return { ok: true };
      }
      case 'POST /slack/up':
        slack.clearFaults();
        return { ok: true };
      default:
        return undefined;
    }
  }

  return (req, res) => {
    const url = new URL(req.url ?? '/', 'http://control.invalid');
    route(req, url).then(
      (body) => {
        if (body === undefined) return void res.writeHead(404).end();
        const text = JSON.stringify(body);
        res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) }).end(text);
      },
      (err: unknown) => void res.writeHead(400).end(String(err)),
    );
  };
}
