/**
 * Kubernetes resource quantities (`10Gi`, `500M`, `1.5Ti`, `1073741824`,
 * `500m`, `1e3`), exactly: parse, compare, the canonical form the API server
 * stores, and the grown size of a volume. Pure functions; values are kept as
 * BigInt fractions so `1.5Gi` and `1536Mi` compare equal.
 *
 * @example
 * ```ts
 * compareQuantities('10Gi', '10737418240'); // 0
 * grownSize('10Gi');                         // '15Gi' (+50%, rounded up to a whole Gi)
 * grownSize('700Gi', { percent: 50, roundTo: 'Ti' }); // '2Ti'
 * ```
 */
import { DroverError } from '../errors.js';

/** How a quantity was written, which decides how the API server prints it back. */
export type QuantityFormat = 'BinarySI' | 'DecimalSI' | 'DecimalExponent';

/** An exact quantity: `numerator / 10^scale`. */
export interface Quantity {
  readonly numerator: bigint;
  readonly scale: number;
  readonly format: QuantityFormat;
}

/** The units `grownSize` can round to. */
export type SizeUnit = 'Ki' | 'Mi' | 'Gi' | 'Ti' | 'Pi' | 'k' | 'M' | 'G' | 'T' | 'P';

const BINARY_SUFFIXES = ['', 'Ki', 'Mi', 'Gi', 'Ti', 'Pi', 'Ei'] as const;
const DECIMAL_EXPONENTS: Readonly<Record<string, number>> = { n: -9, u: -6, m: -3, '': 0, k: 3, M: 6, G: 9, T: 12, P: 15, E: 18 };
const SUFFIX_OF_EXPONENT = new Map(Object.entries(DECIMAL_EXPONENTS).map(([suffix, exp]) => [exp, suffix]));
const NANO = -9;

const SHAPE = /^([+-]?)(\d*)(?:\.(\d*))?([eEinumkKMGTP]*[-+]?\d*)$/;

function pow(base: bigint, exp: number): bigint {
  return base ** BigInt(exp);
}

/** Division rounded towards +infinity. */
function ceilDiv(a: bigint, b: bigint): bigint {
  const q = a / b;
  return a % b !== 0n && a > 0n === b > 0n ? q + 1n : q;
}

/** Parses a quantity as the API server does; undefined when it is not one. */
export function parseQuantity(text: string): Quantity | undefined {
  const m = SHAPE.exec(text);
  if (!m) return undefined;
  const [, sign = '', whole = '', fraction = '', suffix = ''] = m;
  if (whole === '' && fraction === '') return undefined;
  let numerator = BigInt(`${whole}${fraction}`) * (sign === '-' ? -1n : 1n);
  let scale = fraction.length;
  let format: QuantityFormat = 'DecimalSI';
  let exponent = 0;
  const binary = BINARY_SUFFIXES.indexOf(suffix as (typeof BINARY_SUFFIXES)[number]);
  const decimalExponent = /^[eE]([+-]?\d+)$/.exec(suffix);
  if (binary > 0) {
    numerator *= pow(1024n, binary);
    format = 'BinarySI';
  } else if (Object.hasOwn(DECIMAL_EXPONENTS, suffix)) {
    exponent = DECIMAL_EXPONENTS[suffix] ?? 0;
  } else if (decimalExponent) {
    exponent = Number(decimalExponent[1]);
    format = 'DecimalExponent';
  } else {
    return undefined;
  }
  if (exponent >= 0) numerator *= pow(10n, exponent);
  else scale -= exponent;
  return { numerator, scale, format };
}

function required(text: string): Quantity {
  const q = parseQuantity(text);
  if (!q) {
    throw new DroverError('params_invalid', `"${text}" is not a Kubernetes quantity (examples: 10Gi, 500M, 1.5Ti, 1073741824)`, {
      details: { quantity: text },
    });
  }
  return q;
}

/** -1, 0 or 1 as `a` is smaller than, equal to or larger than `b`. Throws params_invalid on a malformed quantity. */
export function compareQuantities(a: string | Quantity, b: string | Quantity): -1 | 0 | 1 {
  const x = typeof a === 'string' ? required(a) : a;
  const y = typeof b === 'string' ? required(b) : b;
  const left = x.numerator * pow(10n, y.scale);
  const right = y.numerator * pow(10n, x.scale);
  return left < right ? -1 : left > right ? 1 : 0;
}

/** Integer mantissa and a power of ten that is a multiple of 3, as small a mantissa as exact allows. */
function decimalParts(q: Quantity): { mantissa: bigint; exponent: number } {
  let mantissa = q.numerator;
  let exponent = -q.scale;
  while (((exponent % 3) + 3) % 3 !== 0) {
    mantissa *= 10n;
    exponent -= 1;
  }
  // The server keeps nano precision at most, rounding up.
  if (exponent < NANO) {
    mantissa = ceilDiv(mantissa, pow(10n, NANO - exponent));
    exponent = NANO;
  }
  while (mantissa !== 0n && mantissa % 1000n === 0n) {
    mantissa /= 1000n;
    exponent += 3;
  }
  return { mantissa, exponent };
}

/**
 * The canonical form the API server stores and answers with: `1024Mi` → `1Gi`,
 * `1.5Gi` → `1536Mi`, `2000` → `2k`, `0.5` → `500m`. Binary quantities below
 * 1024 or not whole are printed in decimal, as the server does.
 */
export function formatQuantity(q: Quantity): string {
  if (q.numerator === 0n) return '0';
  let format = q.format;
  const whole = q.numerator % pow(10n, q.scale) === 0n;
  const abs = q.numerator < 0n ? -q.numerator : q.numerator;
  if (format === 'BinarySI' && (!whole || abs < 1024n * pow(10n, q.scale))) format = 'DecimalSI';
  if (format === 'BinarySI') {
    let value = q.numerator / pow(10n, q.scale);
    let index = 0;
    while (index < BINARY_SUFFIXES.length - 1 && value % 1024n === 0n) {
      value /= 1024n;
      index += 1;
    }
    return `${value}${BINARY_SUFFIXES[index] ?? ''}`;
  }
  const { mantissa, exponent } = decimalParts(q);
  if (exponent === 0) return String(mantissa);
  const suffix = format === 'DecimalSI' ? SUFFIX_OF_EXPONENT.get(exponent) : undefined;
  return `${mantissa}${suffix ?? `e${exponent}`}`;
}

/** The canonical form of a quantity written as text, or undefined when it is not one. */
export function canonicalQuantity(text: string): string | undefined {
  const q = parseQuantity(text);
  return q ? formatQuantity(q) : undefined;
}

function unitValue(unit: SizeUnit): bigint {
  const binary = BINARY_SUFFIXES.indexOf(unit as (typeof BINARY_SUFFIXES)[number]);
  return binary > 0 ? pow(1024n, binary) : pow(10n, DECIMAL_EXPONENTS[unit] ?? 0);
}

export interface GrowOptions {
  /** Growth in whole percent (default 50). */
  percent?: number;
  /** Round the result up to a whole number of this unit (default `Gi`). */
  roundTo?: SizeUnit;
}

/**
 * `current` grown by `percent` and rounded up to a whole `roundTo`, in the
 * canonical form the server will store (`1024Gi` comes back as `1Ti`). Always
 * at least one unit. Throws params_invalid on a malformed or negative size or
 * a percent that is not a positive integer.
 */
export function grownSize(current: string, options: GrowOptions = {}): string {
  const percent = options.percent ?? 50;
  const unit = options.roundTo ?? 'Gi';
  const q = required(current);
  if (q.numerator < 0n) throw new DroverError('params_invalid', `cannot grow a negative size (${current})`, { details: { quantity: current } });
  if (!Number.isInteger(percent) || percent < 1) {
    throw new DroverError('params_invalid', `growth must be a whole percent of at least 1, not ${percent}`, { details: { percent } });
  }
  const grown = q.numerator * BigInt(100 + percent);
  let units = ceilDiv(grown, pow(10n, q.scale) * 100n * unitValue(unit));
  if (units < 1n) units = 1n;
  const result = required(`${units}${unit}`);
  return formatQuantity(result);
}
