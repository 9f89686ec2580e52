import { loadConfig } from '../../../src/config/load-config.js';
import { DroverError } from '../../../src/errors.js';
import { parseDuration } from '../../../src/config/duration.js';

describe('loadConfig', () => {
  it('works with an empty environment, using defaults a developer machine has', () => {
    const config = loadConfig({ env: {} });
    expect(config.redis.url).toBe('redis://127.0.0.1:6379');
    expect(config.http.port).toBe(3000);
    expect(config.clusters.sandbox).toBe('auto');
    expect(config.jobs.defaultTimeout).toBe(600_000);
  });

  it('reads the operator-facing environment names', () => {
    const config = loadConfig({
      env: { REDIS_URL: 'redis://redis:6380/2', PORT: '8080', KUBECONFIG: '/a:/b', DROVER_CLUSTERS: 'prod, staging', LOG_LEVEL: 'debug' },
    });
    expect(config.redis.url).toBe('redis://redis:6380/2');
    expect(config.http.port).toBe(8080);
    expect(config.clusters.kubeconfig).toEqual(['/a', '/b']);
    expect(config.clusters.allow).toEqual(['prod', 'staging']);
    expect(config.log.level).toBe('debug');
  });

  it('overlays the environment on the config file', () => {
    const file = 'http:\n  port: 9000\njobs:\n  attempts: 3\n  defaultTimeout: 5m\n';
    const config = loadConfig({ env: { DROVER_CONFIG: '/etc/drover.yaml', PORT: '9100' }, readFile: () => file });
    expect(config.http.port).toBe(9100);
    expect(config.jobs.attempts).toBe(3);
    expect(config.jobs.defaultTimeout).toBe(300_000);
  });

  it('lists every problem at once, naming the variable or file key to fix', () => {
    const file = 'jobs:\n  attempts: 0\n  defaultTimeout: soon\nbogus: 1\n';
    let caught: unknown;
    try {
      loadConfig({ env: { DROVER_CONFIG: '/etc/drover.yaml', PORT: 'eighty', REDIS_URL: 'localhost:6379' }, readFile: () => file });
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(DroverError);
    const error = caught as DroverError;
    expect(error.code).toBe('config_invalid');
    expect(error.message).toMatch(/PORT: /);
    expect(error.message).toMatch(/REDIS_URL: must be a redis:\/\/ or rediss:\/\/ URL/);
    expect(error.message).toMatch(/jobs\.attempts in \/etc\/drover\.yaml/);
    expect(error.message).toMatch(/jobs\.defaultTimeout in \/etc\/drover\.yaml: must be a duration/);
    expect(error.message).toMatch(/bogus|Unrecognized key/);
    expect((error.details.problems as string[]).length).toBe(5);
  });

  it('reports an unreadable config file instead of ignoring it', () => {
    expect(() =>
      loadConfig({
        env: { DROVER_CONFIG: '/nope.yaml' },
        readFile: () => {
          throw new Error('ENOENT: no such file');
        },
      }),
    ).toThrow(/DROVER_CONFIG \(\/nope\.yaml\): cannot read it: ENOENT/);
  });
});

describe('parseDuration', () => {
  it.each([
    ['30s', 30_000],
    ['10m', 600_000],
    ['1h30m', 5_400_000],
    ['250ms', 250],
    ['1500', 1500],
    [2000, 2000],
  ])('%s is %d ms', (input, ms) => expect(parseDuration(input)).toBe(ms));

  it.each(['', 'soon', '10 minutes', '5x', '-1s', 's10'])('rejects %p', (input) => expect(parseDuration(input)).toBeUndefined());
});
