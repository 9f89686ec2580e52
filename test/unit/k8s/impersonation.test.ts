import { DroverError } from '../../../src/errors.js';
import { checkIdentity, identityFor, requesterKey } from '../../../src/k8s/impersonation.js';
import { impersonationSchema, type ImpersonationSettings } from '../../../src/k8s/impersonation-settings.js';
import type { Requester } from '../../../src/runbook/types.js';

const settings: ImpersonationSettings = impersonationSchema.parse({
  'prod-eu': {
    users: {
      U012ABCDEF: { user: 'alice@example.com', groups: ['sre', 'system:authenticated'] },
      'cli:bob@laptop': { user: 'bob@example.com' },
    },
    default: { user: 'slack:{id}', groups: ['drover-users'] },
    automation: { user: 'drover-automation', groups: ['drover-automation'] },
  },
  'prod-us': {
    users: {
      U012ABCDEF: { user: 'alice@example.com', groups: ['sre'] },
      'cli:dave': { user: 'dave@example.com', groups: ['ops'] },
      'cli:dave@bastion': { user: 'dave-bastion@example.com' },
    },
  },
  named: {
    default: { user: 'slack:{name}', groups: ['team-{id}'] },
  },
});

const alice: Requester = { kind: 'slack', id: 'U012ABCDEF', name: 'alice' };
const stranger: Requester = { kind: 'slack', id: 'U999', name: 'mallory' };
const alert: Requester = { kind: 'alert', id: '3f2a9c', name: 'KubePodCrashLooping' };

function denial(fn: () => unknown): DroverError {
  try {
    fn();
  } catch (err) {
    if (err instanceof DroverError) return err;
    throw err;
  }
  throw new Error('expected a DroverError');
}

describe('identityFor', () => {
  it('is undefined on a cluster that does not impersonate, whoever asks', () => {
    expect(identityFor(settings, 'staging', alice)).toBeUndefined();
    expect(identityFor(settings, 'staging', alert)).toBeUndefined();
    expect(identityFor({}, 'prod-eu', stranger)).toBeUndefined();
  });

  it('maps a listed Slack user to its Kubernetes user and groups', () => {
    expect(identityFor(settings, 'prod-eu', alice)).toEqual({ user: 'alice@example.com', groups: ['sre', 'system:authenticated'] });
  });

  it('lists CLI users as cli:<user>, with no groups by default', () => {
    expect(requesterKey({ kind: 'cli', id: 'bob@laptop' })).toBe('cli:bob@laptop');
    expect(identityFor(settings, 'prod-eu', { kind: 'cli', id: 'bob@laptop', name: 'bob' })).toEqual({ user: 'bob@example.com', groups: [] });
  });

  it('matches a cli:<user> entry on any host, an exact cli:<user>@<host> entry first, as the policy does', () => {
    expect(identityFor(settings, 'prod-us', { kind: 'cli', id: 'dave@laptop' })).toEqual({ user: 'dave@example.com', groups: ['ops'] });
    expect(identityFor(settings, 'prod-us', { kind: 'cli', id: 'dave@bastion' })).toEqual({ user: 'dave-bastion@example.com', groups: [] });
    expect(() => identityFor(settings, 'prod-us', { kind: 'cli', id: 'davey@laptop' })).toThrow(/cli:davey@laptop has no Kubernetes identity/);
  });

  it('fills the default template for requesters not listed', () => {
    expect(identityFor(settings, 'prod-eu', stranger)).toEqual({ user: 'slack:U999', groups: ['drover-users'] });
    expect(identityFor(settings, 'prod-eu', { kind: 'cli', id: 'carol@host' })).toEqual({ user: 'slack:carol@host', groups: ['drover-users'] });
    expect(identityFor(settings, 'named', stranger)).toEqual({ user: 'slack:mallory', groups: ['team-U999'] });
  });

  it('refuses a template that needs a name the requester does not have', () => {
    const err = denial(() => identityFor(settings, 'named', { kind: 'slack', id: 'U777' }));
    expect(err.code).toBe('permission_denied');
    expect(err.message).toBe('Cluster named impersonates requesters, and U777 has no name to put in its Kubernetes identity.');
  });

  it('refuses a filled-in name that cannot travel in a header', () => {
    const err = denial(() => identityFor(settings, 'named', { kind: 'slack', id: 'U777', name: 'Zoë\nBot' }));
    expect(err.code).toBe('permission_denied');
    expect(err.message).toMatch(/is not a valid user or group name/);
  });

  it('gives alert-triggered runs the automation identity, never a user mapping', () => {
    expect(identityFor(settings, 'prod-eu', alert)).toEqual({ user: 'drover-automation', groups: ['drover-automation'] });
  });

  it('refuses alert-triggered runs on a cluster without an automation identity', () => {
    const err = denial(() => identityFor(settings, 'prod-us', alert));
    expect(err).toMatchObject({ code: 'permission_denied', retryable: false });
    expect(err.message).toBe('Cluster prod-us impersonates requesters, and alert-triggered runs have no automation identity configured.');
  });

  it('refuses a requester neither listed nor covered by a default, with a message safe for Slack', () => {
    const err = denial(() => identityFor(settings, 'prod-us', stranger));
    expect(err).toMatchObject({ code: 'permission_denied', retryable: false, details: { cluster: 'prod-us', requester: 'U999' } });
    expect(err.message).toBe('Cluster prod-us impersonates requesters, and U999 has no Kubernetes identity configured.');
  });

  it('returns copies: a caller cannot change the settings', () => {
    identityFor(settings, 'prod-eu', alice)?.groups.push('system:masters');
    expect(identityFor(settings, 'prod-eu', alice)?.groups).toEqual(['sre', 'system:authenticated']);
  });
});

describe('checkIdentity', () => {
  it('passes when the requester has an identity or the cluster does not impersonate', () => {
    expect(() => checkIdentity(settings, 'prod-eu', alice)).not.toThrow();
    expect(() => checkIdentity(settings, 'staging', stranger)).not.toThrow();
  });

  it('throws the same permission_denied as identityFor', () => {
    expect(() => checkIdentity(settings, 'prod-us', stranger)).toThrow('U999 has no Kubernetes identity configured');
  });
});
