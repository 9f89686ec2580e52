// Load generator for the Slack ack benchmark, in its own process so that its
// work does not share the event loop with the Drover under test. Bodies and
// signatures are prepared first; requests go out on node:http, whose cost per
// request is far below fetch's.
// Usage: node --import tsx bench/slack-load.ts <url> <secret> <count>
import { Agent, request } from 'node:http';
import { signSlackRequest, slashCommandBody } from '../src/testing/index.js';

const [url = '', secret = '', countText = '200'] = process.argv.slice(2);
const count = Number(countText);
const agent = new Agent({ keepAlive: true, maxSockets: Infinity });

function post(body: string): Promise<{ status: number; ms: number }> {
  const headers = { ...signSlackRequest(secret, body), 'content-type': 'application/x-www-form-urlencoded', 'content-length': String(Buffer.byteLength(body)) };
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const req = request(url, { method: 'POST', headers, agent }, (res) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode ?? 0, ms: performance.now() - started }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

const body = (text: string, i: number) => slashCommandBody({ text, userId: 'U0BENCH', userName: 'bench', channelId: 'C0BENCH', triggerId: `bench-${process.pid}-${i}` });
// Open the connections first (as Slack's senders keep theirs alive), so the
// burst measures Drover's handling, not 200 TCP handshakes on a 2-core box.
await Promise.all(
  Array.from({ length: count }, () => new Promise<void>((resolve, reject) => {
    request(new URL('/healthz', url), { agent }, (res) => res.resume().on('end', resolve)).on('error', reject).end();
  })),
);
const bodies = Array.from({ length: count }, (_, i) => body(`run restart-deployment namespace=demo deployment=web-${i} --dry-run`, i));
const results = await Promise.all(bodies.map(post));
agent.destroy();
process.stdout.write(JSON.stringify(results));
