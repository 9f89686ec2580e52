import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';
import { loadRunbooks, RunbookRegistry } from '../../../src/runbook/registry.js';
import { defineRunbook, z } from '../../../src/sdk/index.js';

const fixtures = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'fixtures');
const root = join(fixtures, '..', '..');

describe('loadRunbooks', () => {
  it('loads every runbook in a directory, skipping _helpers', async () => {
    const { registry, problems } = await loadRunbooks(join(fixtures, 'runbooks-good'), undefined, root);
    expect(problems).toEqual([]);
    expect(registry.list().map((r) => r.id)).toEqual(['echo', 'noop']);
    expect(registry.get('echo').source).toBe('test/fixtures/runbooks-good/echo.ts');
    expect(registry.get('say').id).toBe('echo'); // chat name
  });

  it('loads the shipped runbooks', async () => {
    const { registry, problems } = await loadRunbooks(join(root, 'runbooks'), undefined, root);
    expect(problems).toEqual([]);
    expect(registry.list().map((r) => r.id)).toEqual(expect.arrayContaining(['delete-pod', 'restart-deployment', 'scale-deployment']));
  });

  it('reports every invalid definition, naming the file', async () => {
    const { registry, problems } = await loadRunbooks(join(fixtures, 'runbooks-bad'), undefined, root);
    const text = problems.join('\n');
    expect(registry.list().map((r) => r.id)).toEqual(['twin']);
    expect(text).toMatch(/b-second\.ts.*duplicate runbook id "twin" \(also in test\/fixtures\/runbooks-bad\/a-first\.ts\)/);
    expect(text).toMatch(/c-bad-shape\.ts: id must be kebab-case/);
    expect(text).toMatch(/c-bad-shape\.ts: summary must be one line/);
    expect(text).toMatch(/c-bad-shape\.ts: params must be a zod object schema/);
    expect(text).toMatch(/c-bad-shape\.ts: timeout must be a duration/);
    expect(text).toMatch(/c-bad-shape\.ts: triggers\.alerts\.0\.matchers matcher "pod=~\\"\(\\"": invalid regular expression/);
    expect(text).toMatch(/d-not-a-runbook\.ts: the default export must be defineRunbook/);
    expect(text).toMatch(/e-throws\.ts: failed to load: boom at import/);
  });

  it('reports a missing directory instead of loading nothing silently', async () => {
    const { problems } = await loadRunbooks(join(fixtures, 'nope'));
    expect(problems[0]).toMatch(/cannot read the runbooks directory \(ENOENT\)/);
  });
});

describe('RunbookRegistry.get', () => {
  const registry = new RunbookRegistry([
    defineRunbook({ id: 'restart-deployment', summary: 's', params: z.object({}), run: () => Promise.resolve() }),
  ]);

  it('suggests the closest id for a typo', () => {
    expect(() => registry.get('restart-deploymnet')).toThrow(/Unknown runbook "restart-deploymnet"\. Did you mean "restart-deployment"\?/);
  });

  it('lists known runbooks when nothing is close', () => {
    expect(() => registry.get('zzz')).toThrow(/Known runbooks: restart-deployment\./);
  });
});
