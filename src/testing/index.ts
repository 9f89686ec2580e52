/** Test helpers shipped as `drover/testing`: fakes of what Drover talks to. */
export * from './k8s-fake/index.js';
export * from './slack-fake/index.js';
/** The runbook test harness: a whole Drover on an in-process sandbox cluster, or a fake ctx. */
export * from './harness/index.js';
