import { literalScrubber, scrubChange } from '../../../src/jobs/run-errors.js';
import type { PlannedChange } from '../../../src/k8s/types.js';

describe("a run's own secret values", () => {
  const scrub = literalScrubber(['hunter2-long-enough', 42, 'abc']);

  it('are replaced wherever a runbook echoes them; values too short to be told from ordinary text are left', () => {
    expect(scrub('logging in with hunter2-long-enough, then hunter2-long-enough again')).toBe('logging in with [redacted], then [redacted] again');
    expect(scrub('abc stays, 42 stays')).toBe('abc stays, 42 stays');
  });

  it("are scrubbed from a change's summary and diff, the rest of the change kept", () => {
    const change: PlannedChange = {
      verb: 'patch',
      kind: 'Deployment',
      namespace: 'shop',
      name: 'web',
      dryRun: true,
      summary: 'set token hunter2-long-enough on Deployment shop/web',
      diff: '-    token: old\n+    token: hunter2-long-enough\n',
    };
    expect(scrubChange(scrub)(change)).toEqual({ ...change, summary: 'set token [redacted] on Deployment shop/web', diff: '-    token: old\n+    token: [redacted]\n' });
  });
});
