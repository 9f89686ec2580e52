import fc from 'fast-check';
import { paramIssues, paramsFromPairs, parseParams } from '../../../src/runbook/params.js';
import { defineRunbook, z } from '../../../src/sdk/index.js';
import type { ParamsSchema } from '../../../src/runbook/types.js';

const runbookWith = (params: ParamsSchema) => defineRunbook({ id: 'rb', summary: 'A runbook', params, run: () => Promise.resolve() });

/** The sentences a parse produced, or [] when it passed. */
function messagesFor(params: ParamsSchema, input: Record<string, unknown>): string[] {
  try {
    parseParams(runbookWith(params), input);
    return [];
  } catch (err) {
    const issues = paramIssues(err);
    if (!issues.length) throw err;
    return issues.map((i) => i.message);
  }
}

// zod's own wording, which must never reach a person.
const ZOD_WORDING = /Invalid input|Invalid option|Invalid string|expected (number|string|int|boolean|array|object)|received|Too (big|small)|NaN|>=|<=/;

/** One field's schema, with the sentence kinds it can produce. */
const field = fc.oneof(
  fc.record({ min: fc.integer({ min: -5, max: 5 }), max: fc.integer({ min: 6, max: 100 }) }).map(({ min, max }) => z.number().int().min(min).max(max)),
  fc.record({ min: fc.double({ min: -5, max: 5, noNaN: true }), max: fc.double({ min: 6, max: 100, noNaN: true }) }).map(({ min, max }) => z.number().min(min).max(max)),
  fc.integer({ min: 1, max: 5 }).map((n) => z.string().min(n).max(n + 10)),
  fc.constant(z.string().regex(/^\d+(Mi|Gi)$/)),
  fc.uniqueArray(fc.stringMatching(/^[a-z]{1,6}$/), { minLength: 1, maxLength: 4 }).map((values) => z.enum(values as [string, ...string[]])),
  fc.constant(z.boolean()),
  fc.constant(z.array(z.string()).min(1)),
  fc.constant(z.number().multipleOf(5)),
  fc.constant(z.email()),
  fc.constant(z.int().positive()),
);

const anyValue = fc.oneof(
  fc.constant(undefined),
  fc.constant(Number.NaN),
  fc.constant(''),
  fc.double(),
  fc.integer(),
  fc.string({ maxLength: 12 }),
  fc.boolean(),
  fc.array(fc.oneof(fc.string({ maxLength: 4 }), fc.integer()), { maxLength: 3 }),
  fc.constant(null),
);

const names = fc.uniqueArray(fc.stringMatching(/^[a-z][a-zA-Z]{0,9}$/), { minLength: 1, maxLength: 5 });

describe('validation messages for people', () => {
  it('every problem, for any schema and any input, is a sentence naming its param, never zod\'s wording', () => {
    fc.assert(
      fc.property(
        names.chain((keys) => fc.tuple(fc.constant(keys), fc.array(field, { minLength: keys.length, maxLength: keys.length }), fc.array(anyValue, { minLength: keys.length, maxLength: keys.length }))),
        ([keys, fields, values]) => {
          const schema = z.object(Object.fromEntries(keys.map((k, i) => [k, fields[i]!])));
          const input = Object.fromEntries(keys.flatMap((k, i) => (values[i] === undefined ? [] : [[k, values[i]]])));
          for (const message of messagesFor(schema, input)) {
            const key = keys.find((k) => message.startsWith(`${k} `) || message.startsWith(`${k}[`));
            expect(key).toBeDefined();
            // The words after the param's name: a generated name such as "aNaN" is not zod's wording.
            expect(message.slice(key?.length ?? 0)).not.toMatch(ZOD_WORDING);
          }
        },
      ),
      { numRuns: 400 },
    );
  });

  it('a missing required param is "… is required", whatever its type', () => {
    fc.assert(
      fc.property(names, fc.array(field, { minLength: 5, maxLength: 5 }), (keys, fields) => {
        const schema = z.object(Object.fromEntries(keys.map((k, i) => [k, fields[i]!])));
        expect(messagesFor(schema, {}).sort()).toEqual(keys.map((k) => `${k} is required`).sort());
      }),
    );
  });

  it('integers typed as text (chat, CLI, the terminal form) read as the brief asks', () => {
    const scale = runbookWith(z.object({ namespace: z.string().min(1), replicas: z.number().int().min(1).max(50) }));
    const parse = (words: string[]) => {
      try {
        parseParams(scale, paramsFromPairs(scale, words));
        return [];
      } catch (err) {
        return paramIssues(err).map((i) => i.message);
      }
    };
    expect(parse(['namespace=shop', 'replicas=abc'])).toEqual(['replicas must be a whole number']);
    expect(parse(['namespace=shop', 'replicas=1.5'])).toEqual(['replicas must be a whole number']);
    expect(parse(['namespace=shop', 'replicas=0'])).toEqual(['replicas must be at least 1']);
    expect(parse(['namespace=shop', 'replicas=51'])).toEqual(['replicas must be at most 50']);
    expect(parse(['replicas=2'])).toEqual(['namespace is required']);
    expect(parse(['namespace=', 'replicas=2'])).toEqual(['namespace must not be empty']);
  });

  it('each issue kind has its sentence', () => {
    const cases: [ParamsSchema, Record<string, unknown>, string][] = [
      [z.object({ f: z.number().min(1.1) }), { f: Number.NaN }, 'f must be a number'],
      [z.object({ f: z.number().gt(0) }), { f: 0 }, 'f must be greater than 0'],
      [z.object({ f: z.number().lt(3) }), { f: 3 }, 'f must be less than 3'],
      [z.object({ s: z.string().min(3) }), { s: 'ab' }, 's must have at least 3 characters'],
      [z.object({ s: z.string().max(2) }), { s: 'abc' }, 's must have at most 2 characters'],
      [z.object({ s: z.string().regex(/^\d+Gi$/) }), { s: 'x' }, 's must match /^\\d+Gi$/'],
      [z.object({ e: z.enum(['fast', 'safe']) }), { e: 'slow' }, 'e must be one of fast or safe'],
      [z.object({ e: z.enum(['a', 'b', 'c']) }), { e: 'd' }, 'e must be one of a, b or c'],
      [z.object({ l: z.literal('yes') }), { l: 'no' }, 'l must be yes'],
      [z.object({ b: z.boolean() }), { b: 'maybe' }, 'b must be true or false'],
      [z.object({ a: z.array(z.string()).min(1) }), { a: [] }, 'a must have at least one item'],
      [z.object({ a: z.array(z.string()).max(1) }), { a: ['x', 'y'] }, 'a must have at most 1 item'],
      [z.object({ a: z.array(z.string()) }), { a: ['x', 2] }, 'a[1] must be text'],
      [z.object({ m: z.number().multipleOf(5) }), { m: 7 }, 'm must be a multiple of 5'],
      [z.object({ u: z.url() }), { u: 'not a url' }, 'u must be a URL'],
      [z.object({ p: z.int().positive() }), { p: 0 }, 'p must be greater than 0'],
      [z.object({ c: z.string().refine((v) => v !== 'x') }), { c: 'x' }, 'c is not valid'],
    ];
    for (const [schema, input, expected] of cases) expect(messagesFor(schema, input)).toEqual([expected]);
  });

  it('a message the author wrote in the schema wins, named by its param', () => {
    const schema = z.object({
      window: z.string().refine((v) => /^\d+m$/.test(v), 'use minutes, like 15m'),
      size: z.number().min(1, { error: 'size must be positive' }),
    });
    expect(messagesFor(schema, { window: '1h', size: 0 })).toEqual(['window: use minutes, like 15m', 'size must be positive']);
  });
});
