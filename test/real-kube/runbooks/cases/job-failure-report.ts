import type { RunbookCase } from './case.js';

const jobPath = (ns: string, name: string) => `/apis/batch/v1/namespaces/${ns}/jobs/${name}`;

export const jobFailureReport: RunbookCase = {
  runbook: 'job-failure-report',
  async seed(s) {
    const { pod } = await s.failedJob('nightly');
    const name = pod.metadata!.name!;
    await s.event({ kind: 'Pod', name, uid: pod.metadata!.uid!, apiVersion: 'v1' }, 'Warning', 'SeededFailure', 'exit code 1');
    const ns = s.namespace;
    // The pod never ran on a node (no scheduler here), so the server has no logs: 204, said in words.
    const report = new RegExp(
      `^Pod ${name}: last 40 log lines\\n\`\`\`\\n\\(logs unavailable: no logs for pod ${ns}/${name} on cluster "test": the pod never started \\(it has no node, so no container has run\\)\\)\\n\`\`\`\\nWarnings: SeededFailure: exit code 1$`,
    );
    return { params: { namespace: ns, job: 'nightly' }, effect: { kind: 'none' }, firstRead: jobPath(ns, 'nightly'), reports: { dry: [report], real: [report] } };
  },
  missing: (ns) => ({ params: { namespace: ns, job: 'absent' }, path: jobPath(ns, 'absent') }),
  refusals: [],
};
