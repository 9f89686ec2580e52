// The Slack ack benchmark's client, in a process of its own so that its work
// shares no event loop with the server measured: `count` signed slash
// commands at once, over connections opened beforehand (as Slack keeps its
// own alive). Bodies and signatures are prepared first; node:http costs far
// less per request than fetch. Prints [{ status, ms }] as JSON.
// Usage: node dist/bench/processes/slack-load.js <url> <secret> <count>
import { Agent, request } from 'node:http';
import { signSlackRequest, slashCommandBody } from '../../src/testing/index.js';

const [url = '', secret = '', countText = '200'] = process.argv.slice(2);
const count = Number(countText);
const agent = new Agent({ keepAlive: true, maxSockets: Infinity });
const TIMEOUT_MS = 30_000;

function send(path: string, method: string, body: string, headers: Record<string, string>): Promise<{ status: number; ms: number }> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const req = request(new URL(path, url), { method, headers, agent, timeout: TIMEOUT_MS }, (res) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode ?? 0, ms: performance.now() - started }));
    });
    req.on('timeout', () => req.destroy(new Error(`no answer within ${TIMEOUT_MS} ms`)));
    req.on('error', reject);
    req.end(body);
  });
}

const bodies = Array.from({ length: count }, (_, i) =>
  slashCommandBody({
    text: `run restart-deployment namespace=demo deployment=web-${i} --dry-run`,
    userId: 'U0BENCH',
    userName: 'bench',
    channelId: 'C0BENCH',
    triggerId: `bench-${process.pid}-${i}`,
  }),
);
const signed = bodies.map((body) => ({
  body,
  headers: { ...signSlackRequest(secret, body), 'content-type': 'application/x-www-form-urlencoded', 'content-length': String(Buffer.byteLength(body)) },
}));
await Promise.all(Array.from({ length: count }, () => send('/healthz', 'GET', '', {})));
const results = await Promise.all(signed.map(({ body, headers }) => send(new URL(url).pathname, 'POST', body, headers)));
agent.destroy();
process.stdout.write(JSON.stringify(results));
