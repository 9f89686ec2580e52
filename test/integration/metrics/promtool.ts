import { spawn } from 'node:child_process';

export const MISSING =
  "promtool is not installed: it ships in Debian's `prometheus` package (`apt-get install prometheus`; CI's .ci/run installs it), or put the official promtool on PATH.";

/** `promtool check metrics`, reading the exposition on stdin as Prometheus' docs show it (`curl … | promtool check metrics`). */
export function checkMetrics(text: string): Promise<{ code: number; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn('promtool', ['check', 'metrics'], { stdio: ['pipe', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    child.on('error', (err: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      reject(err.code === 'ENOENT' ? new Error(MISSING, { cause: err }) : err);
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code: code ?? -1, output });
    });
    child.stdin.on('error', () => undefined);
    child.stdin.end(text);
  });
}
