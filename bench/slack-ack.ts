// Slack's 3-second deadline: how fast Drover acknowledges signed slash commands
// when many arrive at once. Bolt's real HTTP receiver, signature checks included;
// the work after the ack (validation, enqueue, posting) runs in the same process.
import { execFile, fork, type ChildProcess } from 'node:child_process';
import { promisify } from 'node:util';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { postSigned, slashCommandBody } from '../src/testing/index.js';
import { startBenchDrover } from './bench-drover.js';
import { ms, summary } from './stats.js';

/** Runs the load generator in its own process, so the event loop measured is Drover's alone. */
async function loadFrom(url: string, requests: number): Promise<Array<{ status: number; ms: number }>> {
  const load = await promisify(execFile)(
    process.execPath,
    ['--import', 'tsx', new URL('./slack-load.ts', import.meta.url).pathname, url, 'bench-secret', String(requests)],
    { encoding: 'utf8', maxBuffer: 10_000_000 },
  );
  return JSON.parse(load.stdout) as Array<{ status: number; ms: number }>;
}

export async function benchSlackAck(options: { requests: number; redisUrl: string }): Promise<string[]> {
  const slackProcess = fork(new URL('./slack-fake-process.ts', import.meta.url).pathname, ['xoxb-bench'], { execArgv: ['--import', 'tsx'] });
  const ask = <T>(child: ChildProcess, message: string | undefined, key: string) =>
    new Promise<T>((resolve) => {
      const onMessage = (m: Record<string, unknown>) => {
        if (key in m) {
          child.off('message', onMessage);
          resolve(m[key] as T);
        }
      };
      child.on('message', onMessage);
      if (message) child.send(message);
    });
  const slack = { url: await ask<string>(slackProcess, undefined, 'url') };
  const bench = await startBenchDrover({
    name: 'slack',
    redisUrl: options.redisUrl,
    env: { SLACK_BOT_TOKEN: 'xoxb-bench', SLACK_SIGNING_SECRET: 'bench-secret', SLACK_API_URL: slack.url },
  });
  const { drover } = bench;
  await drover.slack?.start();
  const serverSide: number[] = [];
  const server = createServer((req, res) => {
    const t0 = performance.now();
    if (req.method === 'POST') res.on('finish', () => serverSide.push(performance.now() - t0));
    drover.router.listener(req, res);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/slack/events`;

  // Warm up the code paths once (lazy imports, JIT).
  await postSigned(url, 'bench-secret', slashCommandBody({ text: 'run restart-deployment namespace=demo deployment=warm --dry-run', userId: 'U0BENCH', userName: 'bench', channelId: 'C0BENCH' }));
  const results = await loadFrom(url, options.requests);
  // The same load against an HTTP server that answers at once: what this machine's
  // client, kernel and 2 cores cost before Drover does anything.
  const noop = createServer((req, res) => req.resume().on('end', () => res.end()));
  await new Promise<void>((r) => noop.listen(0, '127.0.0.1', r));
  const baseline = summary((await loadFrom(`http://127.0.0.1:${(noop.address() as AddressInfo).port}/slack/events`, options.requests)).map((r) => r.ms));
  await new Promise((r) => noop.close(r));
  const failed = results.filter((r) => r.status !== 200).length;
  const lat = summary(results.map((r) => r.ms));
  const srv = summary(serverSide.slice(1));
  // Let the work after the acks finish before tearing down.
  const deadline = Date.now() + 20_000;
  const postedSoFar = async () => (await ask<number>(slackProcess, 'count', 'count')) - 1; // minus the warm-up
  while ((await postedSoFar()) < options.requests && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  const posted = await postedSoFar();

  await new Promise((r) => server.close(r));
  await bench.close();
  slackProcess.send('stop');
  return [
    `slack ack: ${options.requests} concurrent signed /drover run … --dry-run commands on Bolt's HTTP receiver (connections open, client in another process)`,
    `  request in → ack out, in Drover: p50 ${ms(srv.p50)}, p99 ${ms(srv.p99)} (target p99 < 50 ms)`,
    `  seen by the client: p50 ${ms(lat.p50)}, p99 ${ms(lat.p99)}; same load on a no-op server: p50 ${ms(baseline.p50)}, p99 ${ms(baseline.p99)}`,
    `  non-200 answers: ${failed}; run messages posted after the acks: ${posted}/${options.requests}`,
  ];
}
