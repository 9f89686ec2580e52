import { existsSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';

/** A file `drover new runbook --init` writes when the project has none. */
export interface ProjectFile {
  name: 'package.json' | 'tsconfig.json';
  text: string;
}

/** An npm package name from a directory's name: `My Runbooks` becomes `my-runbooks`. */
function packageName(dir: string): string {
  const name = basename(dir).toLowerCase().replace(/[^a-z0-9._-]+/g, '-').replace(/^[._-]+|-+$/g, '');
  return name || 'runbooks';
}

/** A team's own runbooks repository: ES modules, Drover as a dependency, `npm test` running the runbooks' tests. */
export function packageJson(dir: string, droverVersion: string): ProjectFile {
  const pkg = {
    name: packageName(dir),
    private: true,
    type: 'module',
    scripts: { test: 'drover runbooks test', typecheck: 'tsc', start: 'drover start' },
    dependencies: { drover: `^${droverVersion}` },
    // For `npx tsc` and editors: the runbook's test imports node:test and node:assert.
    devDependencies: { '@types/node': '^20.19.0', typescript: '~5.9.3' },
  };
  return { name: 'package.json', text: `${JSON.stringify(pkg, null, 2)}\n` };
}

/** Type checking for editors and `npx tsc` (tsx runs the files; it does not check types). */
export function tsconfigJson(): ProjectFile {
  const config = {
    compilerOptions: {
      target: 'ES2022',
      module: 'NodeNext',
      moduleResolution: 'NodeNext',
      strict: true,
      noEmit: true,
      skipLibCheck: true,
      types: ['node'],
    },
    include: ['runbooks'],
  };
  return { name: 'tsconfig.json', text: `${JSON.stringify(config, null, 2)}\n` };
}

/** True when `dir` is Drover's own checkout (its package.json is Drover's). */
export function isDroverCheckout(dir: string): boolean {
  try {
    return (JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { name?: string }).name === 'drover';
  } catch {
    return false;
  }
}

/** What else a runbook shipped with Drover needs, which tests check. */
export const SHIPPED_RUNBOOK_ADVICE = [
  'In Drover\'s checkout a runbook in runbooks/ is shipped: regenerate the catalogue (npm run runbooks:docs) and give it its RBAC rules in',
  'helm/drover/templates/_helpers.tpl; tests fail until both are done.',
].join(' ');

/** What the project in `dir` lacks for runbooks that import 'drover': lines of advice, none when it is ready. */
export function projectAdvice(dir: string, init: boolean): string[] {
  const advice: string[] = [];
  const pkgPath = join(dir, 'package.json');
  if (!existsSync(pkgPath)) {
    if (!init) advice.push(`No package.json in ${dir}: run this again with --init to write one (and a tsconfig.json), or create one with "type": "module" and drover in its dependencies.`);
  } else {
    let pkg: { name?: string; type?: string; dependencies?: Record<string, string>; devDependencies?: Record<string, string> } = {};
    try {
      pkg = JSON.parse(readFileSync(pkgPath, 'utf8')) as typeof pkg;
    } catch {
      advice.push(`${pkgPath} is not valid JSON; fix it so Node can resolve 'drover'.`);
    }
    const isDrover = pkg.name === 'drover';
    if (!isDrover && !pkg.dependencies?.drover && !pkg.devDependencies?.drover) {
      advice.push("package.json does not depend on drover: add it (npm install drover, or npm link drover from a checkout), so the runbook's import from 'drover' resolves.");
    }
    if (!isDrover && pkg.type !== 'module') advice.push('package.json has no "type": "module": add it, so the runbook and its test load as ES modules.');
  }
  if (!existsSync(join(dir, 'tsconfig.json')) && !init) {
    advice.push('No tsconfig.json: editors type-check the runbook with one ({"compilerOptions": {"module": "NodeNext", "moduleResolution": "NodeNext", "strict": true, "noEmit": true}}); --init writes it.');
  }
  return advice;
}
