import { DroverError } from '../../../src/errors.js';
import { canonicalQuantity, compareQuantities, formatQuantity, grownSize, parseQuantity } from '../../../src/k8s/quantity.js';

function errorOf(fn: () => unknown): unknown {
  try {
    fn();
  } catch (err) {
    return err;
  }
  throw new Error('expected a throw');
}

describe('parseQuantity', () => {
  test.each([
    ['10Gi', 10n * 2n ** 30n, 0, 'BinarySI'],
    ['1.5Ti', 3n * 2n ** 39n * 10n, 1, 'BinarySI'],
    ['512Ki', 512n * 1024n, 0, 'BinarySI'],
    ['1073741824', 1073741824n, 0, 'DecimalSI'],
    ['500M', 500_000_000n, 0, 'DecimalSI'],
    ['2k', 2000n, 0, 'DecimalSI'],
    ['3G', 3_000_000_000n, 0, 'DecimalSI'],
    ['500m', 500n, 3, 'DecimalSI'],
    ['.5', 5n, 1, 'DecimalSI'],
    ['1e3', 1000n, 0, 'DecimalExponent'],
    ['1E', 10n ** 18n, 0, 'DecimalSI'],
    ['-2Mi', -2n * 2n ** 20n, 0, 'BinarySI'],
  ])('%s', (text, numerator, scale, format) => {
    expect(parseQuantity(text)).toEqual({ numerator, scale, format });
  });

  test.each(['', 'Gi', '10GB', '10K', '10 Gi', '1.2.3', 'ten', '1e', '10gi', ' 10Gi'])('rejects %j', (text) => {
    expect(parseQuantity(text)).toBeUndefined();
  });
});

describe('compareQuantities', () => {
  test.each([
    ['10Gi', '10737418240', 0],
    ['1.5Gi', '1536Mi', 0],
    ['1G', '1Gi', -1],
    ['1Ti', '1000Gi', 1],
    ['500m', '1', -1],
    ['1e3', '1k', 0],
    ['15Gi', '10Gi', 1],
  ] as const)('%s vs %s is %d', (a, b, expected) => {
    expect(compareQuantities(a, b)).toBe(expected);
    expect(compareQuantities(b, a)).toBe(-expected || 0);
  });

  test('a malformed quantity is params_invalid, not retryable', () => {
    const err = errorOf(() => compareQuantities('10Gi', 'ten gigs'));
    expect(err).toBeInstanceOf(DroverError);
    expect(err).toMatchObject({ code: 'params_invalid', retryable: false, message: expect.stringContaining('"ten gigs" is not a Kubernetes quantity') as string });
  });
});

describe('canonical form, as the API server stores it', () => {
  test.each([
    ['1024Mi', '1Gi'],
    ['1.5Gi', '1536Mi'],
    ['10240Mi', '10Gi'],
    ['1000Mi', '1000Mi'],
    ['0.5Ki', '512'],
    ['2000', '2k'],
    ['1500M', '1500M'],
    ['1000M', '1G'],
    ['0.5', '500m'],
    ['1e3', '1e3'],
    ['0Gi', '0'],
    ['1.0000000001', '1000000001n'],
  ])('%s → %s', (text, canonical) => {
    expect(canonicalQuantity(text)).toBe(canonical);
  });

  test('formatQuantity of a parsed quantity is the same canonical text', () => {
    const q = parseQuantity('16106127360');
    expect(q && formatQuantity(q)).toBe('16106127360');
    expect(canonicalQuantity('not a size')).toBeUndefined();
  });
});

describe('grownSize', () => {
  test.each([
    ['10Gi', {}, '15Gi'],
    ['7Gi', {}, '11Gi'],
    ['10Gi', { percent: 100 }, '20Gi'],
    ['10Gi', { percent: 1 }, '11Gi'],
    ['1000Mi', {}, '2Gi'],
    ['1Ti', {}, '1536Gi'],
    ['683Gi', {}, '1025Gi'],
    ['512Gi', { percent: 100 }, '1Ti'],
    ['700Gi', { roundTo: 'Ti' }, '2Ti'],
    ['10G', { roundTo: 'G' }, '15G'],
    ['100Mi', { roundTo: 'Mi' }, '150Mi'],
    ['10737418240', {}, '15Gi'],
    ['0', {}, '1Gi'],
  ] as const)('%s with %j → %s', (current, options, expected) => {
    expect(grownSize(current, options)).toBe(expected);
  });

  test('the result is always larger than the current size', () => {
    for (const current of ['1', '1Ki', '999Mi', '1Gi', '3.7Gi', '12345678901', '2Ti']) {
      expect(compareQuantities(grownSize(current), current)).toBe(1);
    }
  });

  test('refuses malformed or negative sizes and a percent that is not a positive integer', () => {
    expect(errorOf(() => grownSize('big'))).toMatchObject({ code: 'params_invalid' });
    expect(() => grownSize('-1Gi')).toThrow(/negative/);
    expect(() => grownSize('10Gi', { percent: 0 })).toThrow(/whole percent/);
    expect(() => grownSize('10Gi', { percent: 12.5 })).toThrow(/whole percent/);
  });
});
