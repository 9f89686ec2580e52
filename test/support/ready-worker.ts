import type { ChildProcess } from 'node:child_process';
import { spawnDrover } from './cli-process.js';
import { freePort } from './free-port.js';
import { waitFor } from './wait-for.js';

/**
 * Starts a real `drover <args>` process on a free port and waits (30 s at
 * most) until its /readyz answers. `onSpawn` sees the child before the wait,
 * so a caller can keep it for clean-up or read its output from the start.
 */
export async function spawnReadyDrover(args: string[], env: Record<string, string>, onSpawn: (child: ChildProcess) => void = () => undefined): Promise<ChildProcess> {
  const port = await freePort();
  const child = spawnDrover(args, { ...env, PORT: String(port) });
  onSpawn(child);
  await waitFor(async () => (await fetch(`http://127.0.0.1:${port}/readyz`).catch(() => undefined))?.ok, 'drover worker to be ready', 30_000);
  return child;
}
