/** Every runbook case; the suite fails when a runbook in runbooks/ has none. */
import type { RunbookCase } from './case.js';
import { cordonNode } from './cordon-node.js';
import { deletePod } from './delete-pod.js';
import { diagnoseRestartDeployment } from './diagnose-restart-deployment.js';
import { expandPvc } from './expand-pvc.js';
import { jobFailureReport } from './job-failure-report.js';
import { raiseHpaMax } from './raise-hpa-max.js';
import { restartDeployment } from './restart-deployment.js';
import { scaleDeployment } from './scale-deployment.js';

export const CASES: readonly RunbookCase[] = [
  cordonNode,
  deletePod,
  diagnoseRestartDeployment,
  expandPvc,
  jobFailureReport,
  raiseHpaMax,
  restartDeployment,
  scaleDeployment,
];
