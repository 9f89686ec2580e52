/**
 * Runs the real control plane in the foreground for a person:
 *   npx tsx test/real-kube/cli.ts
 * prints the kubeconfig to use and the PIDs, and stops everything on Ctrl-C.
 */
import { startRealKube } from './cluster.js';

const kube = await startRealKube({ env: process.env });
process.stdout.write(
  [
    `kube-apiserver ${kube.version} ready at ${kube.url}`,
    `pids: etcd ${kube.pids.etcd}, kube-apiserver ${kube.pids.apiserver}${kube.pids.controllerManager ? `, kube-controller-manager ${kube.pids.controllerManager}` : ''}`,
    `export KUBECONFIG=${kube.kubeConfigFile}`,
    'Ctrl-C stops them.',
    '',
  ].join('\n'),
);
const stop = () => {
  void kube.stop().then(() => process.exit(0));
};
process.once('SIGINT', stop);
process.once('SIGTERM', stop);
