import { KubeConfig } from '@kubernetes/client-node';
import { Queue } from 'bullmq';
import { DroverError } from '../../src/errors.js';

test('modules load', () => {
  expect(new KubeConfig()).toBeDefined();
  expect(Queue).toBeDefined();
  expect(new DroverError('internal', 'x').code).toBe('internal');
});
