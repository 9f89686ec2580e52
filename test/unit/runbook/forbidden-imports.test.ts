import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadRunbooks } from '../../../src/runbook/registry.js';
import { cachedRunbookImporter } from '../../../src/runbook/runbook-cache.js';
import { forbiddenPackage } from '../../../src/runbook/forbidden-imports.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

/** A runbook importing Drover by its package name, plus `head`. */
function runbook(id: string, head: string): string {
  return [
    "import { defineRunbook, z } from 'drover';",
    head,
    `export default defineRunbook({ id: ${JSON.stringify(id)}, summary: 's', params: z.object({}), run: () => Promise.resolve(String(typeof x)) });`,
    '',
  ].join('\n');
}

describe('the runbook compiler refuses what would bypass ctx', () => {
  let work: string;
  const load = () => loadRunbooks(join(work, 'runbooks'), cachedRunbookImporter({ dir: join(work, 'cache') }), work);
  const write = (name: string, text: string) => writeFileSync(join(work, 'runbooks', name), text);

  beforeEach(() => {
    work = mkdtempSync(join(tmpdir(), 'drover-forbidden-'));
    mkdirSafe(join(work, 'runbooks'));
  });
  afterEach(() => rmSync(work, { recursive: true, force: true }));

  it('names the file, the line and the import of the Kubernetes client, Redis, BullMQ and Slack', async () => {
    write('kube.ts', runbook('kube', "import * as x from '@kubernetes/client-node';"));
    write('redis.ts', runbook('redis', "import { Redis as x } from 'ioredis';"));
    write('queue.ts', runbook('queue', "import { Queue as x } from 'bullmq';"));
    write('slack.ts', runbook('slack', "import { WebClient as x } from '@slack/web-api';"));
    write('fine.ts', runbook('fine', 'const x = 1;'));
    const { registry, problems } = await load();
    expect(registry.list().map((r) => r.id)).toEqual(['fine']);
    expect(problems).toEqual([
      `runbooks/kube.ts: failed to load: kube.ts:2:19: runbooks may not import "@kubernetes/client-node": use ctx.k8s: it honours dry run, audit and the run's cluster`,
      'runbooks/queue.ts: failed to load: queue.ts:2:27: runbooks may not import "bullmq": runbooks do not talk to Redis or the queue; ctx.step keeps durable state',
      'runbooks/redis.ts: failed to load: redis.ts:2:27: runbooks may not import "ioredis": runbooks do not talk to Redis or the queue; ctx.step keeps durable state',
      'runbooks/slack.ts: failed to load: slack.ts:2:31: runbooks may not import "@slack/web-api": use ctx.report() to talk to people',
    ]);
  });

  it("refuses Drover's internal modules, by path or through the package, and a helper's imports too", async () => {
    const ops = join(ROOT, 'src', 'k8s', 'ops.js');
    write('internal.ts', runbook('internal', `import { createK8sOps as x } from ${JSON.stringify(ops)};`));
    write('deep.ts', runbook('deep', "import x from 'drover/dist/src/app.js';"));
    write('_kube.ts', "import { KubeConfig } from '@kubernetes/client-node';\nexport const x = KubeConfig;\n");
    write('helped.ts', runbook('helped', "import { x } from './_kube.js';"));
    const { registry, problems } = await load();
    expect(registry.size).toBe(0);
    expect(problems).toEqual([
      expect.stringMatching(/^runbooks\/deep\.ts: failed to load: deep\.ts:2:\d+: runbooks may not import "drover\/dist\/src\/app\.js": Drover's package exports 'drover' \(the authoring API\) and 'drover\/testing'/),
      'runbooks/helped.ts: failed to load: _kube.ts:1:27: runbooks may not import "@kubernetes/client-node": use ctx.k8s: it honours dry run, audit and the run\'s cluster',
      `runbooks/internal.ts: failed to load: internal.ts:2:34: runbooks may not import Drover's internal module ${JSON.stringify(ops)}: import from 'drover' (the authoring API) instead`,
    ]);
  });

  it("refuses the internals of another copy of Drover (a team's own node_modules/drover) by relative path", async () => {
    // Not the running Drover: a copy installed in the team's repository, which the host's own paths do not cover.
    const copy = join(work, 'node_modules', 'drover');
    mkdirSafe(join(copy, 'dist', 'src', 'k8s'));
    mkdirSafe(join(copy, 'src', 'k8s'));
    writeFileSync(join(copy, 'package.json'), '{"name":"drover","type":"module"}');
    writeFileSync(join(copy, 'dist', 'src', 'k8s', 'ops.js'), 'export const x = 1;\n');
    writeFileSync(join(copy, 'src', 'k8s', 'ops.ts'), 'export const x: number = 1;\n');
    write('copy-dist.ts', runbook('copy-dist', "import { x } from '../node_modules/drover/dist/src/k8s/ops.js';"));
    write('copy-src.ts', runbook('copy-src', "import { x } from '../node_modules/drover/src/k8s/ops.ts';"));
    const { registry, problems } = await load();
    expect(registry.size).toBe(0);
    expect(problems).toEqual([
      `runbooks/copy-dist.ts: failed to load: copy-dist.ts:2:18: runbooks may not import Drover's internal module "../node_modules/drover/dist/src/k8s/ops.js": import from 'drover' (the authoring API) instead`,
      `runbooks/copy-src.ts: failed to load: copy-src.ts:2:18: runbooks may not import Drover's internal module "../node_modules/drover/src/k8s/ops.ts": import from 'drover' (the authoring API) instead`,
    ]);
  });

  it("lets runbooks import 'drover', 'drover/testing', the SDK by path, builtins and other packages", async () => {
    write('sdk-path.ts', runbook('sdk-path', `import { z as x } from ${JSON.stringify(join(ROOT, 'src', 'sdk', 'index.js'))};`));
    write('testing.ts', runbook('testing', "import { sandboxSeed as x } from 'drover/testing';"));
    mkdirSafe(join(work, 'node_modules', 'team-helpers'));
    writeFileSync(join(work, 'node_modules', 'team-helpers', 'package.json'), '{"name":"team-helpers","type":"module","exports":"./index.js"}');
    writeFileSync(join(work, 'node_modules', 'team-helpers', 'index.js'), 'export const owner = "payments";\n');
    write('others.ts', runbook('others', "import { join as x } from 'node:path';\nimport { owner } from 'team-helpers';\nvoid owner;"));
    const { registry, problems } = await load();
    expect(problems).toEqual([]);
    expect(registry.list().map((r) => r.id)).toEqual(['others', 'sdk-path', 'testing']);
  });

  it('keeps the shipped runbooks loading', async () => {
    const { registry, problems } = await loadRunbooks(join(ROOT, 'runbooks'), cachedRunbookImporter({ dir: join(work, 'cache') }), ROOT);
    expect(problems).toEqual([]);
    expect(registry.size).toBeGreaterThanOrEqual(8);
  });

  it('matches package names exactly, not by prefix', () => {
    expect(forbiddenPackage('@kubernetes/client-node/dist/gen/index.js')).toMatch(/ctx\.k8s/);
    expect(forbiddenPackage('bullmq/dist/esm/classes/index.js')).toMatch(/queue/);
    expect(forbiddenPackage('ioredis-mock')).toBeUndefined();
    expect(forbiddenPackage('@kubernetes-models/keda')).toBeUndefined();
    expect(forbiddenPackage('drover')).toBeUndefined();
    expect(forbiddenPackage('drover/testing')).toBeUndefined();
    expect(forbiddenPackage('drover-extras')).toBeUndefined();
  });
});

function mkdirSafe(dir: string): void {
  mkdirSync(dir, { recursive: true });
}
