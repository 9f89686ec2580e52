import { startHints } from '../../../src/cli/start-hints.js';
import { defineRunbook, z } from '../../../src/sdk/index.js';

const runbook = (id: string, params: z.ZodObject) => defineRunbook({ id, summary: 's', params, run: () => Promise.resolve() });

describe('what drover start suggests', () => {
  it('suggests the shipped examples when they are loaded', () => {
    const hints = startHints([runbook('scale-deployment', z.object({})), runbook('restart-deployment', z.object({}))]);
    expect(hints).toEqual([
      'npx drover runbooks list',
      'npx drover run scale-deployment namespace=demo deployment=web replicas=4 --dry-run --wait',
      'npx drover run restart-deployment namespace=demo deployment=web --wait',
    ]);
  });

  it("suggests a team's own runbooks, with the params to fill in, in a repository of theirs", () => {
    const diskReport = runbook('disk-report', z.object({ namespace: z.string().default('demo'), deployment: z.string(), verbose: z.boolean().optional() }));
    expect(startHints([diskReport])).toEqual(['npx drover runbooks list', 'npx drover run disk-report deployment=… --dry-run --wait']);
    expect(startHints([])).toEqual(['npx drover runbooks list']);
  });
});
