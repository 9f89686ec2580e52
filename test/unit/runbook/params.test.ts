import { describeParams, paramsFromPairs, parseParams } from '../../../src/runbook/params.js';
import { defineRunbook, z } from '../../../src/sdk/index.js';

const scale = defineRunbook({
  id: 'scale',
  summary: 'Scale',
  params: z.object({
    namespace: z.string().min(1),
    deployment: z.string().describe('Deployment name'),
    replicas: z.number().int().min(0).max(50),
    allowZero: z.boolean().default(false),
    tags: z.array(z.string()).optional(),
    mode: z.enum(['fast', 'safe']).default('safe'),
  }),
  run: () => Promise.resolve(),
});

describe('params', () => {
  it('converts key=value words to the types the schema wants', () => {
    const raw = paramsFromPairs(scale, ['namespace=shop', 'deployment=web', 'replicas=5', 'allowZero=yes', 'tags=a,b', 'mode=fast']);
    expect(raw).toEqual({ namespace: 'shop', deployment: 'web', replicas: 5, allowZero: true, tags: ['a', 'b'], mode: 'fast' });
    expect(parseParams(scale, raw)).toEqual(raw);
  });

  it('keeps a value that is not a number as given, so validation names it', () => {
    const raw = paramsFromPairs(scale, ['namespace=shop', 'deployment=web', 'replicas=many']);
    expect(() => parseParams(scale, raw)).toThrow(/replicas must be a whole number/);
  });

  it('applies defaults', () => {
    expect(parseParams(scale, { namespace: 'a', deployment: 'b', replicas: 1 })).toMatchObject({ allowZero: false, mode: 'safe' });
  });

  it('names missing, out-of-range and unknown params together, with a suggestion', () => {
    let message = '';
    try {
      parseParams(scale, { namespace: 'shop', replicas: 99, replica: 3 });
    } catch (err) {
      message = (err as Error).message;
    }
    expect(message).toMatch(/^Invalid parameters for scale: /);
    expect(message).toMatch(/unknown parameter "replica" \(did you mean "replicas"\?\)/);
    expect(message).toMatch(/deployment is required/);
    expect(message).toMatch(/replicas must be at most 50/);
  });

  it('rejects a word that is not key=value and an unknown key at parse time', () => {
    expect(() => paramsFromPairs(scale, ['namespace'])).toThrow(/"namespace" is not key=value/);
    expect(() => paramsFromPairs(scale, ['deploymnet=web'])).toThrow(/did you mean "deployment"/);
  });

  it('describes params for help texts', () => {
    const info = describeParams(scale.params);
    expect(info.find((p) => p.name === 'replicas')).toMatchObject({ type: 'integer', required: true, minimum: 0, maximum: 50 });
    expect(info.find((p) => p.name === 'allowZero')).toMatchObject({ type: 'boolean', required: false, default: false });
    expect(info.find((p) => p.name === 'mode')).toMatchObject({ type: 'enum', choices: ['fast', 'safe'] });
    expect(info.find((p) => p.name === 'deployment')).toMatchObject({ description: 'Deployment name' });
  });
});
