/**
 * Picks the patch algorithm from the request's Content-Type, as the API
 * server does, and turns patch failures into the server's Status errors.
 */
import { parse as parseYaml } from 'yaml';
import { applyJsonPatch, PatchError } from './json-patch.js';
import { applyMergePatch, applyStrategicMergePatch } from './merge-patch.js';
import { badRequest, unprocessable, unsupportedMediaType } from './status.js';

export const PATCH_CONTENT_TYPES = [
  'application/json-patch+json',
  'application/merge-patch+json',
  'application/strategic-merge-patch+json',
  'application/apply-patch+yaml',
] as const;

export type PatchContentType = (typeof PATCH_CONTENT_TYPES)[number];

/** `application/merge-patch+json; charset=utf-8` → `application/merge-patch+json`. */
export function mediaType(contentType: string | undefined): string {
  return (contentType ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
}

/** The patch type, or a 415 like the server's for anything else. */
export function patchTypeOf(contentType: string | undefined): PatchContentType {
  const type = mediaType(contentType);
  const known = PATCH_CONTENT_TYPES.find((t) => t === type);
  if (!known) throw unsupportedMediaType(PATCH_CONTENT_TYPES);
  return known;
}

/** Decodes a patch body: YAML (or JSON, a subset) for apply, JSON otherwise. */
export function decodePatch(type: PatchContentType, raw: string): unknown {
  try {
    return type === 'application/apply-patch+yaml' ? (parseYaml(raw) as unknown) : (JSON.parse(raw) as unknown);
  } catch (err) {
    throw badRequest(`error decoding patch: ${err instanceof Error ? err.message : String(err)}`);
  }
}

/** Applies a decoded patch to the current object (JSON form). Apply patches are merged strategically (see README). */
export function applyPatch(type: PatchContentType, current: unknown, patch: unknown): unknown {
  try {
    switch (type) {
      case 'application/json-patch+json':
        return applyJsonPatch(current, patch);
      case 'application/merge-patch+json':
        return applyMergePatch(current, patch);
      case 'application/strategic-merge-patch+json':
      case 'application/apply-patch+yaml':
        return applyStrategicMergePatch(current, patch);
    }
  } catch (err) {
    if (err instanceof PatchError) throw err.malformed ? badRequest(err.message) : unprocessable(err.message);
    throw err;
  }
}
