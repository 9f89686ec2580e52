#!/usr/bin/env bash
# Makes an alert fire in the docker-compose stack (docs/compose.md): Alertmanager
# receives KubeDeploymentReplicasMismatch for a deployment of the sandbox and sends
# it to Drover, whose diagnose-restart-deployment runbook reports why the
# deployment is short of replicas, then restarts it. In the sandbox, demo/api
# has one of its two pods crash-looping.
#
#   scripts/compose-fire-alert.sh [namespace] [deployment]     # default: demo api
#
# The same alert again is a repeat (deduplicated) until it resolves, 2 minutes
# later; the runbook's breaker then holds back a second run on that deployment
# for 15 minutes: fire it for another one (demo web) to see a new run.
# With ALERTMANAGER_URL set, a local amtool sends the alert to that Alertmanager
# instead of the compose service's own amtool (the integration test does this).
set -euo pipefail

namespace="${1:-demo}"
deployment="${2:-api}"
alert=(
  alert add KubeDeploymentReplicasMismatch
  "namespace=${namespace}" "deployment=${deployment}" job=kube-state-metrics severity=warning
  "--annotation=summary=Deployment has not matched the expected number of replicas."
  "--annotation=description=Fired by scripts/compose-fire-alert.sh for ${namespace}/${deployment}."
)

if [ -n "${ALERTMANAGER_URL:-}" ]; then
  command -v amtool >/dev/null || { echo "amtool not found: apt-get install prometheus-alertmanager (Debian), or unset ALERTMANAGER_URL to use the compose service's" >&2; exit 1; }
  amtool --alertmanager.url="${ALERTMANAGER_URL}" "${alert[@]}"
else
  cd "$(dirname "$0")/.."
  if docker compose version >/dev/null 2>&1; then compose=(docker compose); else compose=(docker-compose); fi
  "${compose[@]}" exec -T alertmanager amtool --alertmanager.url=http://127.0.0.1:9093 "${alert[@]}"
fi

cat >&2 <<MSG
Alert KubeDeploymentReplicasMismatch fired for ${namespace}/${deployment}. Within seconds:
  Alertmanager   http://127.0.0.1:9093 (the alert, and its notification to Drover)
  the run        docker compose exec drover node bin/drover.js history
                 docker compose exec drover node bin/drover.js status <run-id>
  metrics        http://127.0.0.1:3000/metrics (drover_alerts_total), Grafana http://127.0.0.1:3001
MSG
