/**
 * The checked-out repository as the editor may see it: paths stay inside the
 * root (no `..` out, no symlink out), files are small, walks are bounded, and
 * every text read once is kept so several edits to one file build on each other.
 */
import { lstat, readdir, readFile, realpath, stat } from 'node:fs/promises';
import path from 'node:path';
import { DroverError } from '../../errors.js';

export const MAX_FILE_BYTES = 1024 * 1024;
export const MAX_FILES = 5000;
/** All YAML read for one edit, together. */
export const MAX_TOTAL_BYTES = 64 * 1024 * 1024;

const YAML_FILE = /\.ya?ml$/i;
/** Control and bidirectional characters: a name holding them would show people (the plan, the diff, the pull request) another path than the one edited. */
// eslint-disable-next-line no-control-regex
const UNSHOWABLE = /[\u0000-\u001f\u007f\u0085\u2028\u2029\u200e\u200f\u202a-\u202e\u2066-\u2069]/;
export const KUSTOMIZATION_NAMES = ['kustomization.yaml', 'kustomization.yml', 'Kustomization'];

export function noSource(message: string, details?: Record<string, unknown>): DroverError {
  return new DroverError('gitops_no_source', message, details ? { details } : {});
}

/** Forward-slash, repository-relative, no leading `./` or `/`; '' is the root. */
export function normalizeRel(rel: string): string {
  return rel.split(/[\\/]+/).filter((s) => s !== '' && s !== '.').join('/');
}

export class RepoFiles {
  private readonly original = new Map<string, string>();
  private readonly current = new Map<string, string>();
  private walked = 0;
  private bytes = 0;
  /** Set once a walk or a kustomization listed more than MAX_FILES files and some were not read. */
  truncated = false;

  private constructor(private readonly rootReal: string) {}

  static async open(root: string): Promise<RepoFiles> {
    try {
      return new RepoFiles(await realpath(root));
    } catch (cause) {
      throw new DroverError('gitops_no_source', 'The repository checkout could not be read.', { cause });
    }
  }

  /**
   * The real, inside-the-root location of `rel` (a path relative to the
   * repository, or to `from` when given), or undefined when it leaves the root,
   * is remote, or does not exist.
   */
  async resolve(rel: string, from = ''): Promise<{ rel: string; abs: string; isDir: boolean } | undefined> {
    if (/^[a-z][a-z0-9+.-]*:\/\//i.test(rel) || rel.startsWith('git@') || path.isAbsolute(rel) || UNSHOWABLE.test(rel)) return undefined;
    const joined = path.resolve(this.rootReal, from, rel);
    if (!this.inside(joined)) return undefined;
    let real: string;
    try {
      real = await realpath(joined);
    } catch {
      return undefined;
    }
    if (!this.inside(real) || UNSHOWABLE.test(real)) return undefined;
    const info = await stat(real);
    return { rel: this.relOf(real), abs: real, isDir: info.isDirectory() };
  }

  /** Whether `rel` (from `from`) names a place outside the repository, before any symlink is followed. */
  leaves(rel: string, from = ''): boolean {
    return path.isAbsolute(rel) || !this.inside(path.resolve(this.rootReal, from, rel));
  }

  /** The owner's directory, refused when it climbs out (`..`) or does not exist inside the root. */
  async ownerDir(rel: string): Promise<string> {
    if (rel.split(/[\\/]+/).includes('..') || path.isAbsolute(rel)) {
      throw noSource(`The path "${rel}" leaves the repository; refusing to read it.`);
    }
    const found = await this.resolve(normalizeRel(rel));
    if (!found?.isDir) throw noSource(`The path "${normalizeRel(rel) || '.'}" is not a directory of the repository.`);
    return found.rel;
  }

  /** Every YAML file under `dir` (recursive), skipping `.git`, big files and symlinks out; at most MAX_FILES in all walks. */
  async walk(dir: string, options: { stopAt?: (dir: string) => Promise<boolean> } = {}): Promise<{ files: string[]; stoppedDirs: string[] }> {
    const files: string[] = [];
    const stoppedDirs: string[] = [];
    const seen = new Set<string>();
    const visit = async (relDir: string): Promise<void> => {
      const abs = path.join(this.rootReal, relDir);
      if (seen.has(abs)) return;
      seen.add(abs);
      let entries;
      try {
        entries = await readdir(abs, { withFileTypes: true });
      } catch {
        return;
      }
      entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
      for (const entry of entries) {
        if (this.walked >= MAX_FILES) {
          this.truncated = true;
          return;
        }
        if (entry.name === '.git' || UNSHOWABLE.test(entry.name)) continue;
        const rel = relDir ? `${relDir}/${entry.name}` : entry.name;
        let target = { rel, isDir: entry.isDirectory() };
        if (entry.isSymbolicLink()) {
          const found = await this.resolve(rel);
          if (!found) continue;
          target = found;
        } else if (!entry.isDirectory() && !entry.isFile()) {
          continue;
        }
        if (target.isDir) {
          if (options.stopAt && (await options.stopAt(target.rel))) {
            stoppedDirs.push(target.rel);
            continue;
          }
          await visit(target.rel);
        } else if (YAML_FILE.test(entry.name) || entry.name === 'Kustomization') {
          this.walked++;
          const info = await lstat(path.join(this.rootReal, target.rel));
          if (info.size > MAX_FILE_BYTES) continue;
          files.push(target.rel);
        }
      }
    };
    await visit(dir);
    return { files, stoppedDirs };
  }

  /** Counts a file a kustomization lists; false once MAX_FILES were counted. */
  count(): boolean {
    if (this.walked >= MAX_FILES) {
      this.truncated = true;
      return false;
    }
    this.walked++;
    return true;
  }

  /** The kustomization file of `dir`, if it has one. */
  async kustomizationOf(dir: string): Promise<string | undefined> {
    for (const name of KUSTOMIZATION_NAMES) {
      const found = await this.resolve(dir ? `${dir}/${name}` : name);
      if (found && !found.isDir && path.basename(found.abs) === name) return found.rel;
    }
    return undefined;
  }

  /** The text of a repository file (as edited so far). Refuses big files. */
  async read(rel: string): Promise<string> {
    const cached = this.current.get(rel);
    if (cached !== undefined) return cached;
    const abs = path.join(this.rootReal, rel);
    const info = await stat(abs);
    if (info.size > MAX_FILE_BYTES) throw noSource(`${rel} is larger than 1 MiB; refusing to edit it.`);
    this.bytes += info.size;
    if (this.bytes > MAX_TOTAL_BYTES) {
      throw noSource('More than 64 MiB of YAML would have to be read; point the owner at a narrower path.', { reason: 'budget' });
    }
    const text = await readFile(abs, 'utf8');
    this.original.set(rel, text);
    this.current.set(rel, text);
    return text;
  }

  write(rel: string, text: string): void {
    this.current.set(rel, text);
  }

  /** Files whose text differs from what was read, in the order first read. */
  changes(): Array<{ file: string; before: string; after: string }> {
    const out = [];
    for (const [file, before] of this.original) {
      const after = this.current.get(file) ?? before;
      if (after !== before) out.push({ file, before, after });
    }
    return out;
  }

  private inside(abs: string): boolean {
    return abs === this.rootReal || abs.startsWith(this.rootReal + path.sep);
  }

  private relOf(abs: string): string {
    return path.relative(this.rootReal, abs).split(path.sep).join('/');
  }
}
