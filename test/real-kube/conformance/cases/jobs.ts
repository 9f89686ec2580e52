/** Jobs (batch/v1) as the job-failure runbook reads them: the job, and its pods by the job-name label. */
import { read, type Case } from '../case.js';

const JOBS = '/apis/batch/v1/namespaces/{ns}/jobs';

const job = {
  apiVersion: 'batch/v1',
  kind: 'Job',
  metadata: { name: 'report' },
  spec: { backoffLimit: 2, template: { spec: { restartPolicy: 'Never', containers: [{ name: 'report', image: 'busybox:1.36', command: ['false'] }] } } },
};

export const jobCases: Case[] = [
  {
    name: 'jobs/create and read',
    steps: [
      { name: 'create job', req: { method: 'POST', path: JOBS, body: job } },
      read(`${JOBS}/report`),
      { name: 'list by label', req: { method: 'GET', path: JOBS, query: [['labelSelector', 'job-name=report']] } },
      read(`${JOBS}/absent`, 'read a missing job'),
      { name: 'list pods of the job', req: { method: 'GET', path: '/api/v1/namespaces/{ns}/pods', query: [['labelSelector', 'job-name=report']] } },
      { name: 'create job, bad restartPolicy', req: { method: 'POST', path: JOBS, body: { ...job, metadata: { name: 'bad' }, spec: { template: { spec: { restartPolicy: 'Always', containers: [{ name: 'x', image: 'busybox' }] } } } } } },
    ],
  },
];
