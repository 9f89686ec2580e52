/** Server-side apply (application/apply-patch+yaml): create, re-apply, a conflict between two managers, force. Drover does not apply, the sandbox's users may. */
import { read, type Case } from '../case.js';
import { DEPLOYMENTS, deployment } from '../fixtures.js';

const WEB = `${DEPLOYMENTS}/web`;
const APPLY = 'application/apply-patch+yaml';

export const applyCases: Case[] = [
  {
    name: 'apply/two managers',
    steps: [
      { name: 'apply without fieldManager', req: { method: 'PATCH', path: WEB, contentType: APPLY, body: deployment() } },
      { name: 'apply creates', req: { method: 'PATCH', path: WEB, query: [['fieldManager', 'alpha']], contentType: APPLY, body: deployment('web', 2) } },
      { name: 'apply again, same config', req: { method: 'PATCH', path: WEB, query: [['fieldManager', 'alpha']], contentType: APPLY, body: deployment('web', 2) } },
      { name: 'another manager, other replicas', req: { method: 'PATCH', path: WEB, query: [['fieldManager', 'beta']], contentType: APPLY, body: deployment('web', 3) } },
      { name: 'another manager, dry run, force', req: { method: 'PATCH', path: WEB, query: [['fieldManager', 'beta'], ['force', 'true'], ['dryRun', 'All']], contentType: APPLY, body: deployment('web', 3) } },
      { name: 'another manager, force', req: { method: 'PATCH', path: WEB, query: [['fieldManager', 'beta'], ['force', 'true']], contentType: APPLY, body: deployment('web', 3) } },
      { name: 'the first manager again', req: { method: 'PATCH', path: WEB, query: [['fieldManager', 'alpha']], contentType: APPLY, body: deployment('web', 2) } },
      read(WEB, 'read at the end'),
    ],
  },
];
