import { spawn } from 'node:child_process';
import { stopLocalRedis } from '../../../src/cli/local-redis.js';

/** A child that has started (its first line printed), as redis-server has by the time Drover stops it. */
async function started(script: string) {
  const child = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'pipe', 'ignore'] });
  await new Promise((resolve) => child.stdout.once('data', resolve));
  return child;
}

describe('stopLocalRedis', () => {
  it('answers once the process has exited, not when it was only signalled', async () => {
    const child = await started("console.log('up'); setInterval(() => undefined, 1000);");
    await stopLocalRedis(child);
    expect(child.signalCode).toBe('SIGTERM');
  });

  it('kills one that ignores SIGTERM after the bound', async () => {
    const child = await started("process.on('SIGTERM', () => undefined); console.log('up'); setInterval(() => undefined, 1000);");
    const t = Date.now();
    await stopLocalRedis(child, 300);
    expect(child.signalCode).toBe('SIGKILL');
    expect(Date.now() - t).toBeLessThan(3000);
  });

  it('does nothing for no process, or one already gone', async () => {
    await stopLocalRedis(undefined);
    const child = await started("console.log('up');");
    await new Promise((resolve) => child.once('exit', resolve));
    await stopLocalRedis(child);
    expect(child.exitCode).toBe(0);
  });
});
