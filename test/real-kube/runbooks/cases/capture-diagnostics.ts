import { type RunbookCase } from './case.js';

const podPath = (ns: string, name: string) => `/api/v1/namespaces/${ns}/pods/${name}`;

export const captureDiagnostics: RunbookCase = {
  runbook: 'capture-diagnostics',
  async seed(s) {
    const { pods } = await s.deployment('web', 1);
    const pod = pods[0]!;
    const name = pod.metadata!.name!;
    await s.event({ kind: 'Pod', name, uid: pod.metadata!.uid!, apiVersion: 'v1' }, 'Warning', 'BackOff', 'Back-off restarting failed container');
    const ns = s.namespace;
    const describe = new RegExp(
      `^Pod ${ns}/${name}: phase Pending, node \\(none\\), owned by ReplicaSet/web-\\w+\\n  Container main: image registry\\.example/web:1\\.0, not started, ready false, restarts 0\\n  Events:\\n  Warning BackOff \\d+s ago: Back-off restarting failed container$`,
    );
    // Never scheduled (no scheduler here): the server has no logs, said in words.
    const logs = new RegExp(`^Logs of ${name}/main, the current instance, last 50 lines:\\n\`\`\`\\n\\(logs unavailable: no logs for pod ${ns}/${name} on cluster "test": the pod never started .*\\)\\n\`\`\`$`);
    return { params: { namespace: ns, pod: name }, effect: { kind: 'none' }, firstRead: podPath(ns, name), reports: { dry: [describe, logs], real: [describe, logs] } };
  },
  missing: (ns) => ({ params: { namespace: ns, pod: 'absent' }, path: podPath(ns, 'absent') }),
  refusals: [],
};
