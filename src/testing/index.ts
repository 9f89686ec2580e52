/** Test helpers shipped as `drover/testing`: fakes of what Drover talks to. */
export * from './k8s-fake/index.js';
export * from './slack-fake/index.js';
