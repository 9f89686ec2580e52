import { hostModules, isOwnModule, packageEntryUrl } from '../../../src/runbook/host-modules.js';

describe('hostModules', () => {
  it('maps the source tree to dist/ when Drover runs compiled, with no file needed in src/', () => {
    const host = hostModules('file:///opt/drover/dist/src/runbook/host-modules.js');
    expect(host).toMatchObject({ root: '/opt/drover', compiled: true, sourceDir: '/opt/drover/src' });
    expect(host.moduleUrl('/opt/drover/src/sdk/index.js')).toBe('file:///opt/drover/dist/src/sdk/index.js');
    expect(host.moduleUrl('/opt/drover/src/sdk/index.ts')).toBe('file:///opt/drover/dist/src/sdk/index.js');
    expect(host.moduleUrl('/opt/drover/src/k8s/quantity.mts')).toBe('file:///opt/drover/dist/src/k8s/quantity.mjs');
    expect(isOwnModule(host, '/opt/drover/dist/src/sdk/index.js')).toBe(true);
    expect(isOwnModule(host, '/opt/drover/runbooks/x.ts')).toBe(false);
    expect(isOwnModule(host, '/opt/drover/srcx/y.ts')).toBe(false);
    expect(packageEntryUrl(host, 'drover')).toBe('file:///opt/drover/dist/src/sdk/index.js');
    expect(packageEntryUrl(host, 'drover/testing')).toBe('file:///opt/drover/dist/src/testing/index.js');
    expect(packageEntryUrl(host, 'drover/src/app.js')).toBeUndefined();
    expect(packageEntryUrl(host, 'zod')).toBeUndefined();
  });

  it('uses the sources themselves when Drover runs from them (tsx, Jest)', () => {
    const host = hostModules('file:///home/me/drover/src/runbook/host-modules.ts');
    expect(host).toMatchObject({ root: '/home/me/drover', compiled: false, sourceDir: '/home/me/drover/src' });
    expect(host.moduleUrl('/home/me/drover/src/sdk/index.ts')).toBe('file:///home/me/drover/src/sdk/index.ts');
    expect(packageEntryUrl(host, 'drover')).toBe('file:///home/me/drover/src/sdk/index.ts');
  });
});
