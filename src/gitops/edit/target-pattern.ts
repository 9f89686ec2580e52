/**
 * Kustomize target patterns (`name`, `namespace`, `kind` of a patch target)
 * are Go regular expressions, which run in linear time. JavaScript's engine
 * backtracks: a pattern of a few dozen characters from the repository
 * (`.*.*.*.*…X`) would block the whole worker for hours. So only a subset is
 * evaluated here, in time proportional to pattern × name: literal characters,
 * `\` escapes of punctuation, `.`, `*` after a literal or `.`, and top-level
 * `|` alternatives. Anything else is undefined: "cannot be evaluated here".
 */

type Atom = { any: true; star: boolean } | { char: string; star: boolean };

const SPECIAL = new Set(['.', '*', '+', '?', '(', ')', '[', ']', '{', '}', '|', '^', '$', '\\']);

function atoms(alternative: string): Atom[] | undefined {
  const out: Atom[] = [];
  for (let i = 0; i < alternative.length; i++) {
    const ch = alternative[i]!;
    let atom: Atom;
    if (ch === '\\') {
      const next = alternative[i + 1];
      // \d, \w, \b … are classes or assertions, not literals: outside the subset.
      if (next === undefined || /[A-Za-z0-9]/.test(next)) return undefined;
      atom = { char: next, star: false };
      i++;
    } else if (ch === '.') atom = { any: true, star: false };
    else if (SPECIAL.has(ch)) return undefined;
    else atom = { char: ch, star: false };
    if (alternative[i + 1] === '*') {
      atom.star = true;
      i++;
    }
    out.push(atom);
  }
  return out;
}

function accepts(atom: Atom, ch: string): boolean {
  return 'any' in atom || atom.char === ch;
}

/** Whether `atomsList` matches all of `text`: dynamic programming over (atom, position), no backtracking. */
function matchesAll(list: readonly Atom[], text: string): boolean {
  // can[j]: the atoms so far can consume exactly text[0..j).
  let can = new Array<boolean>(text.length + 1).fill(false);
  can[0] = true;
  for (const atom of list) {
    const next = new Array<boolean>(text.length + 1).fill(false);
    for (let j = 0; j <= text.length; j++) {
      if (atom.star) {
        next[j] = can[j]! || (j > 0 && next[j - 1]! && accepts(atom, text[j - 1]!));
      } else {
        next[j] = j > 0 && can[j - 1]! && accepts(atom, text[j - 1]!);
      }
    }
    can = next;
  }
  return can[text.length]!;
}

/**
 * Whether the anchored pattern matches one of `values`; undefined when the
 * pattern is outside the subset evaluated here.
 */
export function patternMatches(pattern: string, values: readonly string[]): boolean | undefined {
  if (pattern.length > 200) return undefined;
  const alternatives: Atom[][] = [];
  for (const alternative of pattern.split('|')) {
    const list = atoms(alternative);
    if (!list) return undefined;
    alternatives.push(list);
  }
  return values.some((v) => alternatives.some((list) => matchesAll(list, v)));
}
