#!/usr/bin/env bash
# Runs the suites that need a real kube-apiserver (jest project real-kube).
# With the binaries built (bash test/real-kube/build.sh), they run. Without,
# they are skipped, loudly, unless DROVER_REAL_KUBE=required (as .ci/run sets),
# which makes their absence a failure.
set -euo pipefail
cd "$(dirname "$0")/../.."
reason=$(node_modules/.bin/tsx --eval "import('./test/real-kube/cluster.ts').then((m) => process.stdout.write(m.realKubeMissing(process.env) ?? ''))")
if [ -n "$reason" ]; then
  if [ "${DROVER_REAL_KUBE:-}" = required ]; then
    echo "real-kube: the real API server suites cannot run: $reason" >&2
    exit 1
  fi
  echo
  echo "################################################################################"
  echo "# SKIPPED: the real kube-apiserver suites (test/real-kube) did not run."
  echo "# Why: $reason"
  echo "# bash .ci/run builds it (minutes, once; cached) and always runs them."
  echo "################################################################################"
  echo
  exit 0
fi
exec node --experimental-vm-modules --no-warnings=ExperimentalWarning node_modules/jest/bin/jest.js --selectProjects real-kube --runInBand "$@"
