import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { isUnder, type HostModules } from './host-modules.js';

/**
 * Packages a runbook must not import: each would reach the world around `ctx`,
 * past the dry run, the audit log, checkpoints, cancellation and the run's cluster.
 * The runbook compiler refuses them (and eslint.config.js says the same in an editor).
 */
const FORBIDDEN_PACKAGES: { pattern: RegExp; instead: string }[] = [
  { pattern: /^@kubernetes\//, instead: "use ctx.k8s: it honours dry run, audit and the run's cluster" },
  { pattern: /^(ioredis|redis|bullmq)(\/|$)/, instead: 'runbooks do not talk to Redis or the queue; ctx.step keeps durable state' },
  { pattern: /^@slack\//, instead: 'use ctx.report() to talk to people' },
  { pattern: /^drover\/(?!testing$)/, instead: "Drover's package exports 'drover' (the authoring API) and 'drover/testing' (the harness), nothing else" },
];

/** Drover's modules a runbook may import: the authoring API (`drover`) and the test harness (`drover/testing`). */
const PUBLIC_MODULES = new Set(['sdk', 'sdk/index', 'testing', 'testing/index']);

/** Why a runbook may not import the package `specifier`, or undefined when it may. */
export function forbiddenPackage(specifier: string): string | undefined {
  const rule = FORBIDDEN_PACKAGES.find((r) => r.pattern.test(specifier));
  return rule && `runbooks may not import "${specifier}": ${rule.instead}`;
}

/** The path of a Drover module relative to its source tree (`src/` or `dist/src/`), without extension; undefined when not Drover's. */
function droverModule(host: Pick<HostModules, 'root' | 'sourceDir'>, path: string): string | undefined {
  const trees = [host.sourceDir, join(host.root, 'dist', 'src')];
  const tree = trees.find((dir) => isUnder(path, dir));
  return tree === undefined ? undefined : relative(tree, path).split('\\').join('/').replace(/\.[cm]?[jt]sx?$/, '');
}

/** The root of the package named `drover` that holds `path` (another copy than the host's: a team's node_modules/drover), if any. */
function droverCopyRoot(path: string): string | undefined {
  for (let dir = dirname(path); dir !== dirname(dir); dir = dirname(dir)) {
    const manifest = join(dir, 'package.json');
    if (!existsSync(manifest)) continue;
    try {
      return (JSON.parse(readFileSync(manifest, 'utf8')) as { name?: unknown }).name === 'drover' ? dir : undefined;
    } catch {
      return undefined;
    }
  }
  return undefined;
}

/**
 * Why a runbook may not import `specifier`, which resolved to `path` (a file of
 * Drover's own, or of another copy of Drover such as the team's node_modules/drover),
 * or undefined when it may: only the public entry points are open, so a runbook
 * cannot reach the Kubernetes client, Redis or Slack through Drover's internals.
 */
export function forbiddenDroverModule(host: HostModules, specifier: string, path: string): string | undefined {
  const copy = isUnder(path, host.root) ? undefined : droverCopyRoot(path);
  const module = droverModule(copy === undefined ? host : { root: copy, sourceDir: join(copy, 'src') }, path);
  if (module === undefined || PUBLIC_MODULES.has(module)) return undefined;
  return `runbooks may not import Drover's internal module "${specifier}": import from 'drover' (the authoring API) instead`;
}
