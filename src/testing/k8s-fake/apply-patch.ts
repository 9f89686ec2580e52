/**
 * Picks the patch algorithm from the request's Content-Type, as the API
 * server does, and turns patch failures into the server's Status errors.
 */
import { parse as parseYaml } from 'yaml';
import { applyJsonPatch, PatchError } from './json-patch.js';
import { applyMergePatch, applyStrategicMergePatch } from './merge-patch.js';
import { ApiError, badRequest, unprocessable, unsupportedMediaType } from './status.js';
import type { VersionProfile } from './versions.js';

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

/** The patch type, or a 415 like the server's for anything else (1.20 words it shortly, with empty details). */
export function patchTypeOf(contentType: string | undefined, profile: VersionProfile): PatchContentType {
  const type = mediaType(contentType);
  const known = PATCH_CONTENT_TYPES.find((t) => t === type);
  if (known) return known;
  if (profile.patchMediaTypeMessage === 'short') {
    throw new ApiError({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: '415: Unsupported Media Type', reason: 'UnsupportedMediaType', details: {}, code: 415 });
  }
  throw unsupportedMediaType(PATCH_CONTENT_TYPES);
}

/**
 * Decodes a patch body: YAML (or JSON, a subset) for apply, JSON otherwise.
 * A body that is not JSON fails as each of the server's patchers fails: the
 * merge patcher's 500 "Invalid JSON Patch" (sic), Go's decoder's 400 for the
 * others ("unexpected EOF" for a cut-off strategic patch).
 */
export function decodePatch(type: PatchContentType, raw: string): unknown {
  try {
    return type === 'application/apply-patch+yaml' ? (parseYaml(raw) as unknown) : (JSON.parse(raw) as unknown);
  } catch (err) {
    const why = err instanceof Error ? err.message : String(err);
    const cutOff = /end of JSON input/i.test(why);
    switch (type) {
      case 'application/merge-patch+json':
        throw new ApiError({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: 'Invalid JSON Patch', code: 500 });
      case 'application/strategic-merge-patch+json':
        throw badRequest(cutOff ? 'unexpected EOF' : `invalid character in patch: ${why}`);
      case 'application/json-patch+json':
        throw badRequest(cutOff ? 'unexpected end of JSON input' : `invalid character in patch: ${why}`);
      default:
        throw badRequest(`error decoding patch: ${why}`);
    }
  }
}

/**
 * Applies a decoded patch to the current object (JSON form). Apply patches
 * are merged strategically (see README). A JSON patch that does not apply is
 * a 422; 1.20 gives no cause with it, later releases name the failed operation.
 */
export function applyPatch(type: PatchContentType, current: unknown, patch: unknown, profile: VersionProfile): unknown {
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
    if (err instanceof PatchError) throw err.malformed ? badRequest(err.message) : unprocessable(profile.version === '1.20' ? undefined : err.message);
    throw err;
  }
}
