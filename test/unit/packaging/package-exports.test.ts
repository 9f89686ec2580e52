import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from '../../support/test-drover.js';

interface Manifest {
  files: string[];
  bin: Record<string, string>;
  exports: Record<string, string | Record<string, string>>;
}

const manifest = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as Manifest;
const shipped = (path: string) => manifest.files.some((entry) => path.replace(/^\.\//, '').startsWith(entry.replace(/\/$/, '')));

describe("package.json: what a team's repository gets when it installs drover", () => {
  it('exports the authoring API and the harness, compiled with declarations, and as source under the drover-source condition', () => {
    for (const entry of ['.', './testing']) {
      const targets = manifest.exports[entry] as Record<string, string>;
      // Order matters: Node and tsc take the first condition that applies.
      expect(Object.keys(targets)).toEqual(['drover-source', 'types', 'default']);
      expect(targets.types).toBe(targets.default?.replace(/\.js$/, '.d.ts'));
      expect(targets.default).toBe(targets['drover-source']?.replace(/^\.\/src\/(.*)\.ts$/, './dist/src/$1.js'));
      expect(existsSync(join(ROOT, targets['drover-source'] ?? ''))).toBe(true);
    }
  });

  it('ships every file its exports and bin name, although dist/ is ignored by git', () => {
    // Without `files`, npm packs what .gitignore leaves: no dist/, so neither 'drover' nor its types would resolve.
    // npm always packs package.json itself.
    const targets = Object.values(manifest.exports)
      .flatMap((t) => (typeof t === 'string' ? [t] : Object.values(t)))
      .filter((t) => t !== './package.json');
    for (const path of [...targets, ...Object.values(manifest.bin)]) expect([path, shipped(path)]).toEqual([path, true]);
  });

  it('builds declarations: tsconfig.build.json emits .d.ts for src/', () => {
    const build = JSON.parse(readFileSync(join(ROOT, 'tsconfig.build.json'), 'utf8')) as { extends: string; include: string[]; compilerOptions: Record<string, unknown> };
    const base = JSON.parse(readFileSync(join(ROOT, build.extends), 'utf8')) as { compilerOptions: Record<string, unknown> };
    expect({ ...base.compilerOptions, ...build.compilerOptions }).toMatchObject({ declaration: true, noEmit: false, outDir: 'dist' });
    expect(build.include).toContain('src');
  });
});
