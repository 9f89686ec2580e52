/**
 * `helm upgrade` for real, on a 1.20 API server: a release whose bundled
 * Redis runs a Redis image (chart 0.1.0 ran redis:7-alpine) is not switched
 * to Valkey, which cannot read the files of Redis 7.4 and later (the upgrade
 * would report success and Redis would crash-loop). The upgrade fails and
 * says what to do; keeping Redis, or saying replaceRedis, goes through.
 */
import { AppsV1Api } from '@kubernetes/client-node';
import { CHART, runHelm } from '../../support/helm.js';
import { freshNamespace, useRealKube } from '../support.js';

const kube = useRealKube({ controllerManager: false });

const helm = async (...args: string[]) => {
  const r = await runHelm([...args, '--kubeconfig', kube().kubeConfigFile]);
  return { code: r.code, output: `${r.stdout}${r.stderr}` };
};
const redisImage = async (namespace: string) =>
  (await kube().kubeConfig().makeApiClient(AppsV1Api).readNamespacedStatefulSet({ namespace, name: 'drover-redis' })).spec?.template.spec?.containers[0]?.image;

test('an upgrade does not swap a running Redis for Valkey unless told to', async () => {
  const namespace = await freshNamespace(kube(), 'upgrade');
  const redis74 = ['--set', 'redis.image.repository=docker.io/library/redis', '--set', 'redis.image.tag=7-alpine'];
  expect(await helm('install', 'drover', CHART, '-n', namespace, ...redis74)).toMatchObject({ code: 0 });
  expect(await redisImage(namespace)).toBe('docker.io/library/redis:7-alpine');

  // The chart's default values (Valkey): refused, with the way out. (--reset-values: without values, helm upgrade reuses the release's.)
  const refused = await helm('upgrade', 'drover', CHART, '-n', namespace, '--reset-values');
  expect(refused.code).not.toBe(0);
  expect(refused.output).toContain(
    'The bundled Redis runs docker.io/library/redis:7-alpine, and this chart would replace it with Valkey (docker.io/valkey/valkey:',
  );
  expect(refused.output).toContain('Keep Redis with redis.image');
  expect(await redisImage(namespace)).toBe('docker.io/library/redis:7-alpine');

  // Keeping Redis goes through; so does Valkey once the user says so.
  expect(await helm('upgrade', 'drover', CHART, '-n', namespace, ...redis74)).toMatchObject({ code: 0 });
  expect(await helm('upgrade', 'drover', CHART, '-n', namespace, '--reset-values', '--set', 'redis.image.replaceRedis=true')).toMatchObject({ code: 0 });
  expect(await redisImage(namespace)).toMatch(/^docker\.io\/valkey\/valkey:/);
  // Valkey to Valkey: nothing to say.
  expect(await helm('upgrade', 'drover', CHART, '-n', namespace, '--reset-values')).toMatchObject({ code: 0 });
}, 180_000);
