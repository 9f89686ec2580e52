/**
 * Small metadata helpers shared by the registry, the controller and seeding:
 * timestamps, uids, generated names, owner references.
 */
import { randomInt, randomUUID } from 'node:crypto';
import type { KubeObject, WireOwnerReference } from './types.js';

/** The alphabet Kubernetes uses for generated names and hashes (no vowels, no look-alikes). */
export const SAFE_ALPHABET = 'bcdfghjklmnpqrstvwxz2456789';

/** RFC 3339 with second precision, as the API server writes metav1.Time. */
export function timestamp(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

export function newUid(): string {
  return randomUUID();
}

/** `generateName` suffix and pod-name suffix: 5 characters from the safe alphabet. */
export function randomSuffix(length = 5): string {
  let out = '';
  for (let i = 0; i < length; i++) out += SAFE_ALPHABET[randomInt(SAFE_ALPHABET.length)] ?? 'x';
  return out;
}

/** FNV-1a, 32 bits. */
export function fnv32a(text: string): number {
  let hash = 0x811c9dc5;
  for (const byte of Buffer.from(text, 'utf8')) {
    hash ^= byte;
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash >>> 0;
}

/** Like rand.SafeEncodeString over the decimal hash: what pod-template-hash values look like. */
export function safeEncode(value: number): string {
  return [...String(value)].map((ch) => SAFE_ALPHABET[ch.charCodeAt(0) % SAFE_ALPHABET.length] ?? 'x').join('');
}

export function controllerRef(owner: KubeObject): WireOwnerReference {
  return {
    apiVersion: owner.apiVersion ?? 'v1',
    kind: owner.kind ?? '',
    name: owner.metadata.name ?? '',
    uid: owner.metadata.uid ?? '',
    controller: true,
    blockOwnerDeletion: true,
  };
}

export function controllerUidOf(obj: KubeObject): string | undefined {
  return (obj.metadata.ownerReferences ?? []).find((ref) => ref.controller === true)?.uid;
}
