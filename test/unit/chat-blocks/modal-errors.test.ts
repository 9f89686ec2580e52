import { modalErrors, paramsModal } from '../../../src/chat/blocks/index.js';
import { IDS } from '../../../src/chat/types.js';
import { runbookDetail } from './support/fixtures.js';

const rb = runbookDetail();

describe('modalErrors', () => {
  it('puts each problem under its param or the cluster', () => {
    expect(
      modalErrors(
        [
          { param: 'replicas', message: 'replicas: Too big: expected number to be <=50' },
          { param: 'strategy', message: 'strategy: Invalid option' },
          { param: 'cluster', message: 'Unknown cluster "prod-us".' },
        ],
        rb,
      ),
    ).toEqual({
      'param:replicas': 'replicas: Too big: expected number to be <=50',
      'param:strategy': 'strategy: Invalid option',
      [IDS.clusterBlock]: 'Unknown cluster "prod-us".',
    });
  });

  it('puts problems without a block of their own under the first input, naming the param', () => {
    expect(modalErrors([{ message: 'Missing parameters' }, { param: 'typo', message: 'unknown parameter' }], rb)).toEqual({
      'param:namespace': 'Missing parameters; typo: unknown parameter',
    });
  });

  it('targets only blocks the submitted view has', () => {
    const view = paramsModal({ runbook: rb, clusters: ['only'], initial: {}, dryRun: false, privateMetadata: '' });
    const blockIds = view.blocks.map((b) => b.block_id ?? '');
    expect(modalErrors([{ param: 'cluster', message: 'Cluster "only" is cordoned off.' }], rb, { blockIds })).toEqual({
      'param:namespace': 'cluster: Cluster "only" is cordoned off.',
    });
    const noParams = runbookDetail({ params: [] });
    expect(modalErrors([{ message: 'Rate limit reached' }], noParams, { blockIds: [IDS.dryRunBlock] })).toEqual({ [IDS.dryRunBlock]: 'Rate limit reached' });
  });

  it('keeps each message short', () => {
    const errors = modalErrors([{ param: 'namespace', message: 'x'.repeat(500) }, { param: 'namespace', message: 'second' }], rb);
    expect(errors['param:namespace']?.length).toBeLessThanOrEqual(150);
    expect(errors['param:namespace']).toMatch(/…$/);
  });
});
