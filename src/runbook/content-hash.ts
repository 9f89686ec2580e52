import { createHash } from 'node:crypto';
import { relative, sep } from 'node:path';
import type { BundledHelper } from './runbook-cache.js';

/**
 * The content hash of a runbook: SHA-256 over its file's bytes and the helpers
 * compiled into it (each named relative to the pack's root, so the same pack
 * checked out in another place hashes the same). A change to the runbook or to
 * any helper it bundles gives another hash, and voids approvals bound to it.
 * With no helpers it is the SHA-256 of the file alone.
 */
export function contentHash(file: Buffer, helpers: readonly BundledHelper[], root: string): string {
  const fileHash = createHash('sha256').update(file).digest('hex');
  if (!helpers.length) return fileHash;
  const lines = helpers
    .map((h) => `${relative(root, h.path).split(sep).join('/')}\0${h.sha256}`)
    .sort()
    .join('\n');
  return createHash('sha256').update(`${fileHash}\n${lines}`).digest('hex');
}
