/**
 * The bundled Redis as the real Helm renders it: a maxmemory that Redis can
 * read and that sits below the container's memory limit (else the kernel
 * kills Redis before it refuses a write).
 */
import { helmBinary } from '../../support/helm.js';
import { one, render, type Workload } from './objects.js';

const redisArgs = async (...values: object[]) => {
  const c = one<Workload>(await render(...values), 'StatefulSet', 'ops-drover-redis').spec.template.spec.containers[0]!;
  return [...(c.command ?? []), ...(c.args ?? [])].join(' ');
};

describe('Helm chart helm/drover: the bundled Redis', () => {
  beforeAll(() => helmBinary(), 300_000);

  it('refuses a maxmemory at or above the memory limit, in any of the units Redis reads', async () => {
    for (const maxmemory of ['2gb', '512mb', '1G', 536870912, '536870912']) {
      await expect(render({ redis: { maxmemory } })).rejects.toThrow(
        `redis.maxmemory ${maxmemory} is not below redis.resources.limits.memory 512Mi: the container would be OOM-killed before Redis refuses writes`,
      );
    }
    // 0 is "no limit" to Redis; a word is a Redis that does not start.
    await expect(render({ redis: { maxmemory: 0 } })).rejects.toThrow("at '/redis/maxmemory': minimum: got 0, want 1");
    await expect(render({ redis: { maxmemory: 'lots' } })).rejects.toThrow("at '/redis/maxmemory'");
    expect(await redisArgs({ redis: { maxmemory: '400MB' } })).toContain('--maxmemory 400MB');
  });

  it('writes a maxmemory given as a number as Redis reads it, not in exponent form', async () => {
    // Helm reads numbers in values files as floats: 300000000 once rendered as 3e+08, which Redis refuses.
    expect(await redisArgs({ redis: { maxmemory: 300000000 } })).toContain('--maxmemory 300000000');
    expect(await redisArgs({ redis: { resources: { limits: { memory: 1073741824 } } } })).toContain(`--maxmemory ${Math.floor(1073741824 * 0.8)}`);
  });
});
