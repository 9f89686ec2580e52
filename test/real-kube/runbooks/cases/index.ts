/** Every runbook case; the suite fails when a runbook in runbooks/ has none. */
import type { RunbookCase } from './case.js';
import { captureDiagnostics } from './capture-diagnostics.js';
import { cordonNode } from './cordon-node.js';
import { deletePod } from './delete-pod.js';
import { diagnoseRestartDeployment } from './diagnose-restart-deployment.js';
import { drainNode } from './drain-node.js';
import { expandPvc } from './expand-pvc.js';
import { jobFailureReport } from './job-failure-report.js';
import { raiseHpaMax } from './raise-hpa-max.js';
import { restartDeployment } from './restart-deployment.js';
import { rollbackDeployment } from './rollback-deployment.js';
import { rolloutPause } from './rollout-pause.js';
import { rolloutResume } from './rollout-resume.js';
import { rolloutStatus } from './rollout-status.js';
import { scaleDeployment } from './scale-deployment.js';
import { uncordonNode } from './uncordon-node.js';

export const CASES: readonly RunbookCase[] = [
  captureDiagnostics,
  cordonNode,
  deletePod,
  diagnoseRestartDeployment,
  drainNode,
  expandPvc,
  jobFailureReport,
  raiseHpaMax,
  restartDeployment,
  rollbackDeployment,
  rolloutPause,
  rolloutResume,
  rolloutStatus,
  scaleDeployment,
  uncordonNode,
];
