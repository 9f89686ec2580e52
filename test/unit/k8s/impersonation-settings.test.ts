import { loadConfig } from '../../../src/config/load-config.js';
import { DroverError } from '../../../src/errors.js';
import { checkImpersonatedClusters } from '../../../src/k8s/impersonation-settings.js';

function configFrom(yaml: string) {
  return loadConfig({ env: { DROVER_CONFIG: '/etc/drover.yaml' }, readFile: () => yaml });
}

const EXAMPLE = `
clusters:
  impersonation:
    prod-eu:
      users:
        U012ABCDEF: { user: alice@example.com, groups: [sre, system:authenticated] }
        cli:bob@laptop: { user: bob@example.com }
      default: { user: 'slack:{id}', groups: [drover-users] }
      automation: { user: drover-automation, groups: [drover-automation] }
`;

describe('clusters.impersonation', () => {
  it('defaults to no impersonation', () => {
    expect(loadConfig({ env: {} }).clusters.impersonation).toEqual({});
  });

  it('reads the documented format from the config file', () => {
    expect(configFrom(EXAMPLE).clusters.impersonation).toEqual({
      'prod-eu': {
        users: {
          U012ABCDEF: { user: 'alice@example.com', groups: ['sre', 'system:authenticated'] },
          'cli:bob@laptop': { user: 'bob@example.com', groups: [] },
        },
        default: { user: 'slack:{id}', groups: ['drover-users'] },
        automation: { user: 'drover-automation', groups: ['drover-automation'] },
      },
    });
  });

  it.each([
    ['an unknown field', 'prod:\n      users: {}\n      admins: []', /admins/],
    ['an unknown field in an identity', 'prod:\n      automation: { user: bot, group: x }', /group/],
    ['a key that is not a Slack id, cli: or system:', 'prod:\n      users:\n        alice: { user: alice }', /must be a Slack user id/],
    ['an empty user', "prod:\n      automation: { user: '' }", /printable ASCII/],
    ['a user with a trailing space', "prod:\n      automation: { user: 'bot ' }", /printable ASCII/],
    ['a repeated group', 'prod:\n      automation: { user: bot, groups: [a, a] }', /must not repeat a group/],
    ['an unknown placeholder', "prod:\n      default: { user: 'slack:{email}' }", /placeholders \{id\} and \{name\}/],
    ['a placeholder outside the default', "prod:\n      automation: { user: '{id}' }", /automation/],
  ])('rejects %s', (_what, body, message) => {
    const yaml = `clusters:\n  impersonation:\n    ${body}\n`;
    expect(() => configFrom(yaml)).toThrow(message);
    expect(() => configFrom(yaml)).toThrow(DroverError);
  });
});

describe('checkImpersonatedClusters', () => {
  it('accepts settings that name known clusters only', () => {
    expect(() => checkImpersonatedClusters(configFrom(EXAMPLE).clusters.impersonation, ['prod-eu', 'staging'])).not.toThrow();
  });

  it('reports every unknown cluster at start-up as config_invalid', () => {
    const settings = { 'prod-eu': { users: {} }, 'prod-euu': { users: {} }, typo: { users: {} } };
    let caught: unknown;
    try {
      checkImpersonatedClusters(settings, ['prod-eu', 'staging']);
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(DroverError);
    expect((caught as DroverError).code).toBe('config_invalid');
    expect((caught as DroverError).message).toBe(
      'Cluster configuration is invalid:\n' +
        '  - clusters.impersonation names cluster "prod-euu", which is not among the clusters (prod-eu, staging)\n' +
        '  - clusters.impersonation names cluster "typo", which is not among the clusters (prod-eu, staging)',
    );
  });
});
