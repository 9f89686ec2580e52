import { join } from 'node:path';
import { testRunnerArgs } from '../../../src/cli/runbook-tests/run-tests.js';

describe('testRunnerArgs', () => {
  // From Node 21 the runner reads each file as a glob pattern: a directory above the project with glob
  // characters in its name must not be part of it, or the file matches nothing and no test runs.
  it('names the test files relative to the project, so a [bracketed] directory above it is no pattern', () => {
    const cwd = join('/home', 'ana', '[team] runbooks');
    const args = testRunnerArgs({ cwd, fromSource: false, files: [join(cwd, 'runbooks', 'disk-report.test.ts'), join('/elsewhere', 'x.test.ts')] });
    expect(args.slice(-2)).toEqual([join('runbooks', 'disk-report.test.ts'), join('/elsewhere', 'x.test.ts')]);
    expect(args).toContain('--test');
    expect(args).not.toContain('--conditions=drover-source');
  });

  it('adds the drover-source condition when Drover runs from its source', () => {
    expect(testRunnerArgs({ cwd: '/p', fromSource: true, files: ['/p/runbooks/a.test.ts'] })[0]).toBe('--conditions=drover-source');
  });
});
