/**
 * The same requests to the fake (emulating 1.20, no controllers, no
 * kubelet) and to a real kube-apiserver 1.20, answers compared field by
 * field. A difference fails the case unless known-differences.ts documents
 * it (and the fake's README says why it cannot matter). The figures are
 * printed when the file ends: `npm run conformance`.
 */
import { readFile } from 'node:fs/promises';
import { startK8sFake, type K8sFake } from '../../../src/testing/index.js';
import { TOKENS } from '../cluster.js';
import { freshNamespace, useRealKube } from '../support.js';
import { ALL_CASES, FAKE_OPTIONS } from './all-cases.js';
import { Conformance, explain } from './harness.js';
import { KNOWN_DIFFERENCES } from './known-differences.js';
import { send } from './wire.js';

const kube = useRealKube({ controllerManager: false });
let fake: K8sFake | undefined;
let conformance: Conformance | undefined;

beforeAll(async () => {
  fake = await startK8sFake(FAKE_OPTIONS);
  const ca = await readFile(kube().caFile);
  conformance = new Conformance(
    { fake: { name: 'fake', url: fake.url, token: TOKENS.admin }, real: { name: 'real', url: kube().url, ca, token: TOKENS.admin } },
    KNOWN_DIFFERENCES,
  );
}, 30_000);

afterAll(async () => {
  if (conformance) process.stdout.write(`\n${conformance.summary()}`);
  await fake?.stop();
});

function suite(): { fake: K8sFake; conformance: Conformance } {
  if (!fake || !conformance) throw new Error('the fake did not start (see beforeAll)');
  return { fake, conformance };
}

test.each(ALL_CASES.map((c) => [c.name, c] as const))('%s: the fake answers as kube-apiserver 1.20', async (_name, c) => {
  const { fake: f, conformance: run } = suite();
  const ns = await freshNamespace(kube(), 'conf');
  const created = await send({ name: 'fake', url: f.url, token: TOKENS.admin }, { method: 'POST', path: '/api/v1/namespaces', body: { metadata: { name: ns } } });
  expect(created.status).toBe(201);
  const outcomes = await run.run(c, ns);
  const undocumented = outcomes.filter((o) => o.undocumented.length > 0).map(explain);
  expect(undocumented.join('\n')).toBe('');
}, 60_000);

test('every documented difference is still seen, and the README says why it cannot matter', async () => {
  const { conformance: run } = suite();
  const readme = await readFile(new URL('../../../src/testing/k8s-fake/README.md', import.meta.url), 'utf8');
  const section = readme.slice(readme.indexOf('## Known differences'));
  const seen = new Set(run.outcomes.flatMap((o) => o.documented.map((d) => d.known.id)));
  for (const known of KNOWN_DIFFERENCES) {
    expect({ id: known.id, inReadme: section.includes(known.readme) }).toEqual({ id: known.id, inReadme: true });
    expect({ id: known.id, seen: seen.has(known.id) }).toEqual({ id: known.id, seen: true });
  }
  expect(run.figures().undocumented).toBe(0);
});
