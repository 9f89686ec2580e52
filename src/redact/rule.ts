/** A secret found in a text: the range to replace and what replaces it. */
export interface Finding {
  start: number;
  end: number;
  /** The replacement; `[redacted]` when absent. */
  with?: string;
}

/** Finds secrets in a text. */
export type Detector = (text: string) => Finding[];

/** A regular expression as a detector; `keep` turns a match's groups into its replacement (to keep a key readable). */
export function regexDetector(pattern: RegExp, keep?: (groups: string[]) => string): Detector {
  const flags = pattern.flags.includes('g') ? pattern.flags : `${pattern.flags}g`;
  const global = new RegExp(pattern.source, flags);
  return (text) =>
    [...text.matchAll(global)].map((m) => ({
      start: m.index,
      end: m.index + m[0].length,
      ...(keep ? { with: keep(m.slice(1).map((g) => g ?? '')) } : {}),
    }));
}
