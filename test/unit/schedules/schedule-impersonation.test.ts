import { identityFor } from '../../../src/k8s/impersonation.js';
import { impersonationSchema } from '../../../src/k8s/impersonation-settings.js';
import { scheduleRequester } from '../../../src/schedules/schedule-spec.js';

const settings = impersonationSchema.parse({
  'prod-eu': {
    default: { user: 'slack:{id}', groups: ['drover-users'] },
    automation: { user: 'drover-automation', groups: ['drover-automation'] },
  },
  'prod-us': { default: { user: 'slack:{id}', groups: ['drover-users'] } },
});

describe('a scheduled run on an impersonating cluster', () => {
  const nightly = scheduleRequester({ id: 'cleanup-jobs/nightly' });

  it("acts as the cluster's automation identity, as an alert's run does (never the users' template)", () => {
    expect(identityFor(settings, 'prod-eu', nightly)).toEqual({ user: 'drover-automation', groups: ['drover-automation'] });
  });

  it('is refused where the cluster has no automation identity', () => {
    expect(() => identityFor(settings, 'prod-us', nightly)).toThrow('Cluster prod-us impersonates requesters, and scheduled runs have no automation identity configured.');
  });

  it('is unaffected where the cluster does not impersonate', () => {
    expect(identityFor(settings, 'dev', nightly)).toBeUndefined();
  });
});
