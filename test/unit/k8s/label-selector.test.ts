import { ApiError } from '../../../src/testing/k8s-fake/status.js';
import {
  matchesLabelSelector,
  matchesSelectorObject,
  parseLabelSelector,
  selectorToString,
} from '../../../src/testing/k8s-fake/label-selector.js';

const web = { app: 'web', tier: 'frontend', 'app.kubernetes.io/version': '3' };

describe('label selectors', () => {
  test.each([
    ['', true],
    ['app=web', true],
    ['app==web', true],
    ['app=api', false],
    ['app!=api', true],
    ['app!=web', false],
    ['missing!=x', true],
    ['app in (api, web)', true],
    ['app in (api,db)', false],
    ['app notin (api,db)', true],
    ['app notin (web)', false],
    ['missing notin (web)', true],
    ['tier', true],
    ['canary', false],
    ['!canary', true],
    ['!tier', false],
    ['app=web,tier=frontend', true],
    ['app=web,tier=backend', false],
    ['app in (web,api),!canary,tier', true],
    ['app.kubernetes.io/version>2', true],
    ['app.kubernetes.io/version<3', false],
  ])('%j matches the web labels: %s', (selector, expected) => {
    expect(matchesLabelSelector(selector, web)).toBe(expected);
  });

  test('parses set-based requirements with their values', () => {
    expect(parseLabelSelector('env in (prod, staging),!canary')).toEqual([
      { key: 'env', operator: 'in', values: ['prod', 'staging'] },
      { key: 'canary', operator: 'doesnotexist', values: [] },
    ]);
  });

  test('an empty value is legal: app= selects objects whose app label is ""', () => {
    expect(matchesLabelSelector('app=', { app: '' })).toBe(true);
    expect(matchesLabelSelector('app=', web)).toBe(false);
  });

  test.each(['app in (a,b', '=web', 'app=we b', 'a,,b', 'Bad Key=x'])('rejects %j with a 400 BadRequest', (selector) => {
    let caught: unknown;
    try {
      parseLabelSelector(selector);
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(ApiError);
    expect((caught as ApiError).status).toMatchObject({ code: 400, reason: 'BadRequest' });
  });

  test('renders selector objects the way Scale.status.selector shows them', () => {
    const selector = {
      matchLabels: { tier: 'frontend', app: 'web' },
      matchExpressions: [
        { key: 'env', operator: 'In', values: ['prod', 'canary'] },
        { key: 'legacy', operator: 'DoesNotExist' },
      ],
    };
    expect(selectorToString(selector)).toBe('app=web,tier=frontend,env in (canary,prod),!legacy');
    expect(matchesSelectorObject(selector, { app: 'web', tier: 'frontend', env: 'prod' })).toBe(true);
    expect(matchesSelectorObject(selector, { app: 'web', tier: 'frontend', env: 'prod', legacy: 'y' })).toBe(false);
  });
});
