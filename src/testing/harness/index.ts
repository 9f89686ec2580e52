/**
 * The runbook test harness (`drover/testing`): a whole Drover on an in-process
 * sandbox cluster (runbookHarness), or a fake ctx for pure unit tests
 * (fakeContext). See README.md in this folder.
 */
export { runbookHarness, SANDBOX_CLUSTER, type AlertReplay, type RunbookHarness, type ScheduleReplay } from './runbook-harness.js';
export type { HarnessRunOptions, RunbookHarnessOptions } from './harness-options.js';
export type { ApiWrite, HarnessRun, StepRecord } from './run-result.js';
export type { AlertDelivery } from './alert-replay.js';
export { fakeContext, type FakeContext, type FakeContextOptions, type FakeStep } from './fake-context.js';
export { loadAlertPayload } from './alert-payload.js';
