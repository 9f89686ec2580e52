import { coerceTextParams, paramsFromPairs, parseParams } from '../../../src/runbook/params.js';
import { defineRunbook, z } from '../../../src/sdk/index.js';

/** Hostile or odd input typed into chat or the CLI: always a sentence for people, bounded, never a crash or zod's words. */
const probe = defineRunbook({
  id: 'probe',
  summary: 'Probe',
  params: z.object({
    replicas: z.number().int().min(1).max(50),
    namespace: z.string().min(1),
    mode: z.enum(['fast', 'safe']).default('safe'),
    flag: z.boolean().default(false),
  }),
  run: () => Promise.resolve(),
});

function problem(pairs: string[]): string {
  try {
    parseParams(probe, paramsFromPairs(probe, pairs));
  } catch (err) {
    expect(err).toMatchObject({ code: 'params_invalid' });
    const message = (err as Error).message;
    expect(message).not.toMatch(/received|expected|Invalid input|NaN/);
    return message;
  }
  throw new Error(`accepted ${pairs.join(' ')}`);
}

test.each([
  ['replicas=NaN', 'replicas must be a whole number'],
  ['replicas=Infinity', 'replicas must be a whole number'],
  ['replicas=-Infinity', 'replicas must be a whole number'],
  ['replicas=1e400', 'replicas must be a whole number'],
  ['replicas=0x10', 'replicas must be a whole number'],
  ['replicas=0b11', 'replicas must be a whole number'],
  ['replicas=3.5', 'replicas must be a whole number'],
  ['replicas=١٢', 'replicas must be a whole number'],
  ['replicas=', 'replicas is required'],
  ['replicas=-0', 'replicas must be at least 1'],
  ['replicas=9007199254740993', 'replicas must be at most 50'],
])('%s: %s', (pair, expected) => {
  const message = problem([pair, 'namespace=x']);
  expect(message).toContain(expected);
  expect(message).not.toMatch(/must have at most 9007/);
});

test('prototype keys are unknown parameters, and pollute nothing', () => {
  for (const key of ['__proto__', 'constructor', 'toString', 'hasOwnProperty']) {
    expect(problem([`${key}=1`, 'replicas=1', 'namespace=x'])).toContain(`unknown parameter "${key}"`);
  }
  expect(({} as Record<string, unknown>).replicas).toBeUndefined();
  expect(() => parseParams(probe, JSON.parse('{"__proto__": {"replicas": 1}, "replicas": 1, "namespace": "x"}'))).toThrow(/unknown parameter "__proto__"/);
});

test('a huge key or word is not echoed whole', () => {
  const key = 'k'.repeat(100_000);
  const message = problem([`${key}=1`, 'replicas=1', 'namespace=x']);
  expect(message.length).toBeLessThan(300);
  expect(message).toContain('(100000 characters)');
  expect(problem([key]).length).toBeLessThan(300);
});

test('unicode and control characters in a text param are values, not crashes', () => {
  expect(parseParams(probe, paramsFromPairs(probe, ['replicas=2', 'namespace=💥\u202e\u0000']))).toMatchObject({ namespace: '💥\u202e\u0000' });
});

test('params that are not an object are said to be so', () => {
  for (const raw of [null, 'text', 42]) expect(() => parseParams(probe, coerceTextParams(probe, raw as never))).toThrow(/params must be an object|is required/);
  expect(() => parseParams(probe, coerceTextParams(probe, [] as never))).toThrow(/params must be an object/);
});
