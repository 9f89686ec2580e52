import { matchesFields, parseFieldSelector } from '../../../src/testing/k8s-fake/field-selector.js';
import { ApiError } from '../../../src/testing/k8s-fake/status.js';

const unsupported = (f: string): string => `field label not supported: ${f}`;
const pod = { 'metadata.name': 'web-1', 'spec.nodeName': 'node-a', 'status.phase': 'Running', 'spec.restartPolicy': '' };

describe('field selectors', () => {
  test('parses =, == and != with escaped separators', () => {
    expect(parseFieldSelector('a=b,c==d,e!=f,g=x\\,y')).toEqual([
      { field: 'a', operator: '=', value: 'b' },
      { field: 'c', operator: '=', value: 'd' },
      { field: 'e', operator: '!=', value: 'f' },
      { field: 'g', operator: '=', value: 'x,y' },
    ]);
  });

  test.each([
    ['spec.nodeName=node-a', true],
    ['spec.nodeName=node-b', false],
    ['status.phase!=Running', false],
    ['status.phase!=Pending,metadata.name=web-1', true],
    ['spec.restartPolicy=', true],
  ])('%s → %s', (selector, expected) => {
    expect(matchesFields(parseFieldSelector(selector), pod, unsupported)).toBe(expected);
  });

  test('an unsupported field is a 400 with the resource-specific wording', () => {
    expect(() => matchesFields(parseFieldSelector('spec.foo=bar'), pod, unsupported)).toThrow(ApiError);
    try {
      matchesFields(parseFieldSelector('spec.foo=bar'), pod, unsupported);
    } catch (err) {
      expect((err as ApiError).status).toMatchObject({ code: 400, reason: 'BadRequest', message: 'field label not supported: spec.foo' });
    }
  });

  test('a term without an operator is rejected', () => {
    expect(() => parseFieldSelector('spec.nodeName')).toThrow(ApiError);
  });
});
