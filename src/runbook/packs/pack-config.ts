import { z } from 'zod';

const name = z
  .string()
  .regex(/^[a-z0-9]+(?:-[a-z0-9]+)*$/, 'must be kebab-case (lowercase letters, digits and dashes)')
  .max(63);

/** A directory inside the pack, relative, never leaving it. */
const inside = z
  .string()
  .min(1)
  .refine((p) => !p.startsWith('/') && !p.split(/[\\/]/).includes('..'), { message: 'must be a relative path inside the pack' });

/**
 * One pack of runbooks besides the ones in `runbooks.dir`:
 * - `{ name, path }`: a local directory of runbooks (version `local`);
 * - `{ name, npm }`: an installed npm package (resolved from node_modules); its
 *   package.json names the runbooks directory in `drover.runbooks` (default `runbooks`);
 * - `{ name, git, commit }`: a git repository at exactly that commit (a full
 *   40-hex sha: a branch or tag can move), fetched once into the pack cache.
 */
export const packSchema = z
  .object({
    name,
    path: z.string().min(1).optional(),
    npm: z.string().regex(/^(@[a-z0-9][\w.-]*\/)?[a-z0-9][\w.-]*$/, 'must be an npm package name').optional(),
    /** With npm: the exact version that must be installed (the chart installs this one); another is a load problem. */
    version: z.string().regex(/^\d+\.\d+\.\d+(?:-[0-9A-Za-z.-]+)?(?:\+[0-9A-Za-z.-]+)?$/, 'must be an exact version such as 1.4.2').optional(),
    git: z.string().min(1).optional(),
    commit: z.string().regex(/^[0-9a-f]{40}$/, 'must be a full 40-hex commit sha (a branch, tag or short sha can move)').optional(),
    /** The runbooks directory inside a git pack; default: package.json `drover.runbooks`, else `runbooks`. */
    dir: inside.optional(),
  })
  .strict()
  .superRefine((p, ctx) => {
    const sources = (['path', 'npm', 'git'] as const).filter((k) => p[k] !== undefined);
    if (sources.length !== 1) ctx.addIssue({ code: 'custom', message: 'needs exactly one of path, npm or git' });
    if (p.git !== undefined && p.commit === undefined) ctx.addIssue({ code: 'custom', path: ['commit'], message: 'is required with git: the full 40-hex sha of the commit to run' });
    if (p.git === undefined && (p.commit !== undefined || p.dir !== undefined)) ctx.addIssue({ code: 'custom', path: [p.commit !== undefined ? 'commit' : 'dir'], message: 'goes with git only' });
    if (p.npm === undefined && p.version !== undefined) ctx.addIssue({ code: 'custom', path: ['version'], message: 'goes with npm only' });
  });

export type PackConfig = z.output<typeof packSchema>;

/** Pack names are unique, and none takes the name of the runbooks.dir pack. */
export function checkPackNames(packs: readonly PackConfig[], dirPack: string, ctx: z.RefinementCtx): void {
  const seen = new Set([dirPack]);
  packs.forEach((pack, i) => {
    if (seen.has(pack.name)) ctx.addIssue({ code: 'custom', path: ['packs', i, 'name'], message: `"${pack.name}" names two packs` });
    seen.add(pack.name);
  });
}
