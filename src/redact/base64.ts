import type { Detector } from './rule.js';

/** Runs of base64 (or base64url) long enough to hold a secret. */
const RUN = /[A-Za-z0-9+/_-]{16,}={0,2}/g;

const HEX = /^[0-9a-f-]+$/i;

function printable(text: string): boolean {
  if (!text || text.includes('\uFFFD')) return false;
  let bad = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x20 && c !== 0x0a && c !== 0x0d && c !== 0x09) bad++;
  }
  return bad === 0;
}

/** The texts a run may encode: read from each of its first four characters, since it may start mid-stream. */
function decodings(run: string): string[] {
  const out: string[] = [];
  for (let shift = 0; shift < 4 && run.length - shift >= 16; shift++) {
    const part = run.slice(shift);
    const text = Buffer.from(part, /[-_]/.test(part) ? 'base64url' : 'base64').toString('utf8');
    if (printable(text)) out.push(text);
  }
  return out;
}

/**
 * Base64 whose decoded text holds a secret (`hasSecret` decides: the other
 * detectors) is a secret as a whole: a Kubernetes Secret's data, an
 * encoded .env file, a basic-auth pair.
 */
export function base64Detector(hasSecret: (decoded: string) => boolean): Detector {
  return (text) => {
    const found = [];
    for (const m of text.matchAll(RUN)) {
      // Ids, hashes and uids: hex decodes to bytes, never to text.
      if (HEX.test(m[0])) continue;
      if (decodings(m[0]).some(hasSecret)) found.push({ start: m.index, end: m.index + m[0].length });
    }
    return found;
  };
}
