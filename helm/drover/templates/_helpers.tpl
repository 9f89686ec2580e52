{{/*
Names and labels.
*/}}
{{- define "drover.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* <release>-drover, or the release name when it already contains the chart name; at most 63 characters. */}}
{{- define "drover.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{- define "drover.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Labels of every object. Call with (dict "root" $ "component" "server"). */}}
{{- define "drover.labels" -}}
helm.sh/chart: {{ include "drover.chart" .root }}
{{ include "drover.selectorLabels" . }}
app.kubernetes.io/version: {{ .root.Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .root.Release.Service }}
{{- end }}

{{/* Labels that select one component's pods: server, worker or redis. */}}
{{- define "drover.selectorLabels" -}}
app.kubernetes.io/name: {{ include "drover.name" .root }}
app.kubernetes.io/instance: {{ .root.Release.Name }}
{{- with .component }}
app.kubernetes.io/component: {{ . }}
{{- end }}
{{- end }}

{{- define "drover.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "drover.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{/*
The ServiceAccount of the pods that hold no Kubernetes credentials (the server,
when the worker runs apart): one of its own, with no RBAC and none of
serviceAccount.annotations, whose cloud identities (EKS IRSA, GKE Workload
Identity) reach a pod through its ServiceAccount, token or not. With
serviceAccount.create false, the account you name.
*/}}
{{- define "drover.serverServiceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- printf "%s-server" (include "drover.fullname" .) | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- include "drover.serviceAccountName" . }}
{{- end }}
{{- end }}

{{- define "drover.image" -}}
{{- if .Values.image.digest }}
{{- printf "%s@%s" .Values.image.repository .Values.image.digest }}
{{- else }}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) }}
{{- end }}
{{- end }}

{{/*
Secrets.
*/}}

{{/* "true" when the chart creates the Secret of Slack and Alertmanager credentials. */}}
{{- define "drover.createSecret" -}}
{{- if and (not .Values.existingSecret) (or .Values.slack.enabled .Values.alertmanager.enabled (include "drover.auditKeyInSecret" .)) }}true{{ end }}
{{- end }}

{{/* "true" when audit.key goes into the chart's Secret (not a Secret of the user's). */}}
{{- define "drover.auditKeyInSecret" -}}
{{- if and .Values.audit.key (not .Values.audit.existingSecret) }}true{{ end }}
{{- end }}

{{- define "drover.secretName" -}}
{{- default (include "drover.fullname" .) .Values.existingSecret }}
{{- end }}

{{/* The keys of that Secret the enabled features need, each named after the environment variable it sets. */}}
{{- define "drover.secretKeys" -}}
{{- $keys := list }}
{{- if .Values.slack.enabled }}
{{- if not (has .Values.slack.mode (list "http" "socket")) }}
{{- fail (printf "slack.mode must be http or socket, not %q" .Values.slack.mode) }}
{{- end }}
{{- $keys = append $keys "SLACK_BOT_TOKEN" }}
{{- $keys = append $keys (ternary "SLACK_SIGNING_SECRET" "SLACK_APP_TOKEN" (eq .Values.slack.mode "http")) }}
{{- end }}
{{- if .Values.alertmanager.enabled }}
{{- $keys = append $keys "ALERTMANAGER_WEBHOOK_TOKEN" }}
{{- end }}
{{- toJson $keys }}
{{- end }}

{{/* "true" when the chart runs its own Redis: no external one is configured. */}}
{{- define "drover.bundledRedis" -}}
{{- if not (or .Values.redis.external.url .Values.redis.external.existingSecret) }}true{{ end }}
{{- end }}

{{- define "drover.redisName" -}}
{{- printf "%s-redis" (include "drover.fullname" .) | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "drover.redisImage" -}}
{{- if .Values.redis.image.digest }}
{{- printf "%s@%s" .Values.redis.image.repository .Values.redis.image.digest }}
{{- else }}
{{- printf "%s:%s" .Values.redis.image.repository .Values.redis.image.tag }}
{{- end }}
{{- end }}

{{/* A Kubernetes memory quantity (512Mi, 1Gi, 500M, 1048576) in bytes. */}}
{{- define "drover.bytes" -}}
{{- $q := include "drover.size" . }}
{{- if not (regexMatch "^[0-9]+(Ki|Mi|Gi|Ti|k|M|G|T)?$" $q) }}
{{- fail (printf "redis.resources.limits.memory %q: use a whole number with Ki, Mi, Gi, Ti, k, M, G or T (or set redis.maxmemory)" $q) }}
{{- end }}
{{- $units := dict "" 1 "k" 1000 "M" 1000000 "G" 1000000000 "T" 1000000000000 "Ki" 1024 "Mi" 1048576 "Gi" 1073741824 "Ti" 1099511627776 }}
{{- mul (regexReplaceAll "^([0-9]+).*$" $q "${1}" | atoi) (get $units (regexReplaceAll "^[0-9]+" $q "")) }}
{{- end }}

{{/* A size as written: a number from a values file reaches the template as a float (300000000 would print as 3e+08). */}}
{{- define "drover.size" -}}
{{- if or (kindIs "float64" .) (kindIs "int64" .) (kindIs "int" .) }}{{ int64 . }}{{ else }}{{ . }}{{ end }}
{{- end }}

{{/* A Redis size (400mb, 1gb, 500k, 1048576; units as Redis reads them, any case) in bytes. */}}
{{- define "drover.redisBytes" -}}
{{- $q := lower (include "drover.size" .) }}
{{- $units := dict "" 1 "b" 1 "k" 1000 "kb" 1024 "m" 1000000 "mb" 1048576 "g" 1000000000 "gb" 1073741824 }}
{{- mul (regexReplaceAll "^([0-9]+).*$" $q "${1}" | atoi) (get $units (regexReplaceAll "^[0-9]+" $q "")) }}
{{- end }}

{{/* The bundled Redis's maxmemory: redis.maxmemory, or 80% of its memory limit (headroom for the append-only file's rewrite). */}}
{{- define "drover.redisMaxmemory" -}}
{{- if .Values.redis.maxmemory }}
{{- $limit := dig "limits" "memory" "" .Values.redis.resources }}
{{- if $limit }}
{{- /* Below the limit, or the kernel kills Redis before it refuses a write. */}}
{{- if ge (include "drover.redisBytes" .Values.redis.maxmemory | atoi) (include "drover.bytes" $limit | atoi) }}
{{- fail (printf "redis.maxmemory %v is not below redis.resources.limits.memory %v: the container would be OOM-killed before Redis refuses writes (leave maxmemory empty for 80%% of the limit)" (include "drover.size" .Values.redis.maxmemory) (include "drover.size" $limit)) }}
{{- end }}
{{- end }}
{{- include "drover.size" .Values.redis.maxmemory }}
{{- else }}
{{- $limit := required "redis.maxmemory is empty and redis.resources.limits.memory is not set: set one, so Redis refuses writes before it is OOM-killed" (dig "limits" "memory" "" .Values.redis.resources) }}
{{- div (mul (include "drover.bytes" $limit | atoi) 8) 10 }}
{{- end }}
{{- end }}

{{/*
The audit log lives in Redis: config.audit.maxLength events (Drover's default
1,000,000) at about 0.5 KB each (measured: 430 bytes for a run's events) must
fit in 60% of maxmemory, leaving the rest to the queue and the runs. Else
Redis fills months after the install and refuses every write (noeviction).
*/}}
{{- define "drover.redisSizing" -}}
{{- $events := dig "audit" "maxLength" 1000000 (.Values.config | default dict) | int64 }}
{{- $maxmemory := include "drover.redisBytes" (include "drover.redisMaxmemory" .) | atoi }}
{{- if gt (mul $events 500) (div (mul $maxmemory 6) 10) }}
{{- fail (printf "The bundled Redis's maxmemory (%d MB) cannot hold the audit log: config.audit.maxLength %d events take about %d MB (0.5 KB each), which must stay within 60%% of maxmemory, the rest being the queue's and the runs'. Raise redis.resources.limits.memory (maxmemory is 80%% of it), or lower config.audit.maxLength (audit.stdout ships every event to your logs too)." (div $maxmemory 1000000) $events (div (mul $events 500) 1000000)) }}
{{- end }}
{{- end }}

{{/* The Secret and key holding the bundled Redis's password, or the external Redis's URL. */}}
{{- define "drover.redisSecretRef" -}}
{{- if include "drover.bundledRedis" . }}
{{- $name := default (include "drover.redisName" .) .Values.redis.auth.existingSecret }}
{{- $key := ternary .Values.redis.auth.existingSecretKey "redis-password" (ne .Values.redis.auth.existingSecret "") }}
{{- dict "name" $name "key" $key | toJson }}
{{- else }}
{{- $name := default (include "drover.redisName" .) .Values.redis.external.existingSecret }}
{{- $key := ternary .Values.redis.external.existingSecretKey "redis-url" (ne .Values.redis.external.existingSecret "") }}
{{- dict "name" $name "key" $key | toJson }}
{{- end }}
{{- end }}

{{/*
An egress rule to (dict "cidrs" list "ports" list "except" list): TCP on those
ports, to those CIDRs or, with none, anywhere but the `except` CIDRs.
*/}}
{{- define "drover.egressRule" -}}
{{- $v4 := list }}{{ $v6 := list }}
{{- range .except | default list }}{{ if contains ":" . }}{{ $v6 = append $v6 . }}{{ else }}{{ $v4 = append $v4 . }}{{ end }}{{ end }}
{{- if .cidrs }}
- to:
    {{- range .cidrs }}
    - ipBlock: { cidr: {{ . | quote }} }
    {{- end }}
  ports:
{{- else if or $v4 $v6 }}
- to:
    - ipBlock: { cidr: 0.0.0.0/0, except: {{ $v4 | toJson }} }
    - ipBlock: { cidr: "::/0", except: {{ $v6 | toJson }} }
  ports:
{{- else }}
- ports:
{{- end }}
    {{- range .ports }}
    - { port: {{ . }}, protocol: TCP }
    {{- end }}
{{- end }}

{{/*
Configuration files.
*/}}
{{- define "drover.configDir" -}}/etc/drover/config{{- end }}
{{- define "drover.policyDir" -}}/etc/drover/policy{{- end }}
{{- define "drover.kubeconfigDir" -}}/etc/drover/kubeconfig{{- end }}

{{/*
Secrets do not go into the configuration file, a ConfigMap anyone who may read
the namespace's ConfigMaps can read: each has a place in a Secret, read through
a secretKeyRef.
*/}}
{{- define "drover.configSecretsRefused" -}}
{{- $config := .Values.config | default dict }}
{{- $where := dict
  "slack.botToken" "slack.botToken (the chart's Secret) or existingSecret"
  "slack.signingSecret" "slack.signingSecret (the chart's Secret) or existingSecret"
  "slack.appToken" "slack.appToken (the chart's Secret) or existingSecret"
  "alerts.webhookToken" "alertmanager.webhookToken (the chart's Secret) or existingSecret"
  "alerts.webhookPassword" "extraEnv: ALERTMANAGER_WEBHOOK_PASSWORD from a Secret (valueFrom.secretKeyRef)"
  "alerts.alertmanagerToken" "extraEnv: ALERTMANAGER_TOKEN from a Secret (valueFrom.secretKeyRef)"
  "audit.key" "audit.key (the chart's Secret) or audit.existingSecret"
  "prometheus.bearerToken" "extraEnv: PROMETHEUS_TOKEN from a Secret (valueFrom.secretKeyRef), or prometheus.bearerTokenFile with the Secret in extraVolumes"
  "prometheus.password" "extraEnv: PROMETHEUS_PASSWORD from a Secret (valueFrom.secretKeyRef), or prometheus.passwordFile with the Secret in extraVolumes" }}
{{- range $path := keys $where | sortAlpha }}
{{- $parts := splitList "." $path }}
{{- if dig (index $parts 0) (index $parts 1) "" $config }}
{{- fail (printf "config.%s would be stored in a ConfigMap, readable by whoever may read this namespace's ConfigMaps: use %s" $path (get $where $path)) }}
{{- end }}
{{- end }}
{{- range $cluster, $c := (dig "prometheus" "clusters" dict $config) }}
{{- if or (dig "bearerToken" "" $c) (dig "password" "" $c) }}
{{- fail (printf "config.prometheus.clusters.%s holds a credential and would be stored in a ConfigMap: use its bearerTokenFile or passwordFile, with the Secret in extraVolumes" $cluster) }}
{{- end }}
{{- end }}
{{- if regexMatch "^rediss?://[^/]*@" (dig "redis" "url" "" $config) }}
{{- fail "config.redis.url holds a password and would be stored in a ConfigMap: use redis.external.url (the chart's Secret) or redis.external.existingSecret" }}
{{- end }}
{{- include "drover.gitopsRefused" . }}
{{- end }}

{{/* Drover's configuration file: the `config` values, with the settings the chart depends on laid over them. */}}
{{- define "drover.configFile" -}}
{{- include "drover.configSecretsRefused" . }}
{{- $chart := dict
  "http" (dict "host" "0.0.0.0" "port" 3000)
  "clusters" (dict "sandbox" "off")
  "worker" (dict "concurrency" .Values.worker.concurrency) }}
{{- if .Values.slack.enabled }}
{{- $_ := set $chart "slack" (dict "mode" .Values.slack.mode) }}
{{- end }}
{{- if .Values.runbooks.packs }}
{{- /* Packs come from runbooks.packs (installed by init containers into /packs, see _packs.tpl). */}}
{{- $_ := set $chart "runbooks" (dict "packs" (include "drover.packsConfig" . | fromJsonArray) "packCacheDir" "/packs") }}
{{- end }}
{{- if include "drover.gitopsUsed" . }}
{{- /* The repositories are cloned into the chart's writable emptyDir (see _gitops.tpl). */}}
{{- $_ := set $chart "gitops" (include "drover.gitopsConfig" . | fromJson) }}
{{- end }}
{{- toYaml (mergeOverwrite (deepCopy (.Values.config | default dict)) $chart) }}
{{- end }}

{{- define "drover.policyFile" -}}
{{- toYaml .Values.policy }}
{{- end }}

{{/*
RBAC: exactly what the shipped runbooks call (src/k8s/*-ops.ts), one rule per resource.
*/}}

{{/* What each shipped runbook with a namespace calls (src/k8s/*-ops.ts), as group/resource:verb; the chart tests read the same from runbooks/*.ts. */}}
{{- define "drover.runbookCalls" -}}
{{- dict
  "restart-deployment" (list "apps/deployments:get" "apps/deployments:patch")
  "diagnose-restart-deployment" (list "apps/deployments:get" "apps/deployments:patch" "/pods:list" "/events:list")
  "scale-deployment" (list "apps/deployments:get" "apps/deployments/scale:get" "apps/deployments/scale:patch")
  "delete-pod" (list "/pods:get" "/pods:delete")
  "job-failure-report" (list "batch/jobs:get" "/pods:list" "/pods/log:get" "/events:list")
  "raise-hpa-max" (list "autoscaling/horizontalpodautoscalers:get" "autoscaling/horizontalpodautoscalers:patch")
  "expand-pvc" (list "/persistentvolumeclaims:get" "/persistentvolumeclaims:patch")
  "rollback-deployment" (list "apps/deployments:get" "apps/deployments:patch" "apps/replicasets:list")
  "rollout-pause" (list "apps/deployments:get" "apps/deployments:patch")
  "rollout-resume" (list "apps/deployments:get" "apps/deployments:patch")
  "rollout-status" (list "apps/deployments:get")
  "capture-diagnostics" (list "apps/deployments:get" "/pods:get" "/pods:list" "/pods/log:get" "/events:list")
  | toJson }}
{{- end }}

{{/*
What each shipped runbook without a namespace calls: on nodes, and for
drain-node on pods in every namespace (a node's pods can be anywhere). They
are allowed only by a rule whose namespaces include a bare '*'
(src/policy/namespaces.ts), and granted in the ClusterRole.
*/}}
{{- define "drover.clusterRunbookCalls" -}}
{{- dict
  "cordon-node" (list "/nodes:get" "/nodes:patch")
  "uncordon-node" (list "/nodes:get" "/nodes:patch")
  "drain-node" (list "/nodes:get" "/nodes:patch" "/pods:get" "/pods:list" "/pods/eviction:create")
  | toJson }}
{{- end }}

{{/*
Namespaced resources: what the given runbooks call, one rule per resource, in
a fixed order. Call with (dict "root" $ "runbooks" list).
*/}}
{{- define "drover.runbookRules" -}}
{{- $calls := include "drover.runbookCalls" .root | fromJson }}
{{- $needed := list }}
{{- range .runbooks }}{{ $needed = concat $needed (get $calls .) }}{{ end }}
{{- range $rule := list
  (dict "group" "apps" "resource" "deployments" "verbs" (list "get" "patch") "why" "restart-deployment, diagnose-restart-deployment, rollback-deployment, rollout-pause/resume: read, then patch the pod template or spec.paused; rollout-status, capture-diagnostics: read; scale-deployment: read, to find the object's GitOps owner.")
  (dict "group" "apps" "resource" "deployments/scale" "verbs" (list "get" "patch") "why" "scale-deployment: the scale subresource.")
  (dict "group" "apps" "resource" "replicasets" "verbs" (list "list") "why" "rollback-deployment: the revision history.")
  (dict "group" "" "resource" "pods" "verbs" (list "get" "list" "delete") "why" "delete-pod (get, delete bound to the uid); diagnose, capture-diagnostics and job-failure-report list pods by label.")
  (dict "group" "" "resource" "pods/log" "verbs" (list "get") "why" "job-failure-report, capture-diagnostics: the last log lines.")
  (dict "group" "" "resource" "events" "verbs" (list "list") "why" "diagnose-restart-deployment, job-failure-report, capture-diagnostics: events.")
  (dict "group" "autoscaling" "resource" "horizontalpodautoscalers" "verbs" (list "get" "patch") "why" "raise-hpa-max.")
  (dict "group" "" "resource" "persistentvolumeclaims" "verbs" (list "get" "patch") "why" "expand-pvc.")
  (dict "group" "batch" "resource" "jobs" "verbs" (list "get") "why" "job-failure-report.") }}
{{- $verbs := list }}
{{- range $rule.verbs }}{{ if has (printf "%s/%s:%s" $rule.group $rule.resource .) $needed }}{{ $verbs = append $verbs . }}{{ end }}{{ end }}
{{- if $verbs }}
# {{ $rule.why }}
- apiGroups: [{{ $rule.group | quote }}]
  resources: [{{ $rule.resource | quote }}]
  verbs: {{ $verbs | toJson }}
{{- end }}
{{- end }}
{{- end }}

{{/*
The ClusterRole's rules for the runbooks without a namespace that the policy
allows: what they call, one rule per resource, in a fixed order. Call with
(dict "root" $ "runbooks" list).
*/}}
{{- define "drover.nodeRules" -}}
{{- $calls := include "drover.clusterRunbookCalls" .root | fromJson }}
{{- $needed := list }}
{{- range .runbooks }}{{ $needed = concat $needed (get $calls .) }}{{ end }}
{{- range $rule := list
  (dict "group" "" "resource" "nodes" "verbs" (list "get" "patch") "why" "cordon-node, uncordon-node, drain-node: read, then patch spec.unschedulable.")
  (dict "group" "" "resource" "pods" "verbs" (list "get" "list") "why" "drain-node: the node's pods, in every namespace.")
  (dict "group" "" "resource" "pods/eviction" "verbs" (list "create") "why" "drain-node: evictions, which honour PodDisruptionBudgets.") }}
{{- $verbs := list }}
{{- range $rule.verbs }}{{ if has (printf "%s/%s:%s" $rule.group $rule.resource .) $needed }}{{ $verbs = append $verbs . }}{{ end }}{{ end }}
{{- if $verbs }}
# {{ $rule.why }}
- apiGroups: [{{ $rule.group | quote }}]
  resources: [{{ $rule.resource | quote }}]
  verbs: {{ $verbs | toJson }}
{{- end }}
{{- end }}
{{- end }}

{{- define "drover.storageClassRules" -}}
# expand-pvc: whether the claim's class allows expansion.
- apiGroups: ["storage.k8s.io"]
  resources: ["storageclasses"]
  verbs: ["get"]
{{- end }}

{{/* "true" when a policy glob (`*` any run of characters, `?` one) matches a value, as src/policy/glob.ts does. Call with (dict "pattern" p "value" v). */}}
{{- define "drover.globMatch" -}}
{{- $re := printf "^%s$" (regexQuoteMeta .pattern | replace "\\*" ".*" | replace "\\?" ".") }}
{{- if regexMatch $re .value }}true{{ end }}
{{- end }}

{{/* "true" when one of the patterns matches the value. Call with (dict "patterns" list "value" v). */}}
{{- define "drover.anyGlobMatches" -}}
{{- range .patterns }}{{ if include "drover.globMatch" (dict "pattern" . "value" $.value) }}true{{ end }}{{ end }}
{{- end }}

{{/* "true" when the pattern matches one of the values. Call with (dict "pattern" p "values" list). */}}
{{- define "drover.globMatchesAny" -}}
{{- range .values }}{{ if include "drover.globMatch" (dict "pattern" $.pattern "value" .) }}true{{ end }}{{ end }}
{{- end }}

{{/*
Where the runbook permissions go, derived from the policy's rules for the
cluster Drover runs in (their `clusters` match clusters.inClusterName; an
agent's, agent.cluster). JSON:
  mode: none (no grant), roles (a Role per namespace) or cluster (a ClusterRole);
  namespaces: for roles, and runbooks: the shipped runbooks allowed in each
  (their calls are what its Role grants); clusterRunbooks: those allowed
  anywhere, for cluster; nodes: the shipped runbooks without a namespace
  allowed (cordon-node, uncordon-node, drain-node; granted in the ClusterRole),
  storageclasses: whether expand-pvc needs its cluster-scoped read.
A rule allows namespaced runbooks unless each of its runbook globs matches
runbooks without a namespace only (a glob matching no shipped runbook is one
of yours: namespaced).
*/}}
{{- define "drover.rbacPlan" -}}
{{- $inCluster := dig "clusters" "inClusterName" "in-cluster" (.Values.config | default dict) }}
{{- /* An agent grants what the policy allows on its own cluster, by its name. */}}
{{- if include "drover.agentMode" . }}{{ $inCluster = include "drover.agentCluster" . }}{{ end }}
{{- $shippedNamespaced := list "capture-diagnostics" "delete-pod" "diagnose-restart-deployment" "expand-pvc" "job-failure-report" "raise-hpa-max" "restart-deployment" "rollback-deployment" "rollout-pause" "rollout-resume" "rollout-status" "scale-deployment" }}
{{- $shippedCluster := list "cordon-node" "drain-node" "uncordon-node" }}
{{- $namespaces := list }}
{{- /* namespace -> the shipped runbooks allowed there; clusterRunbooks: allowed anywhere (for rbac.clusterWide). */}}
{{- $byNamespace := dict }}
{{- $clusterRunbooks := list }}
{{- $unscoped := list }}
{{- $namespaced := false }}
{{- $nodes := list }}
{{- $storage := false }}
{{- range $i, $rule := (.Values.policy.rules | default list) }}
{{- if include "drover.anyGlobMatches" (dict "patterns" ($rule.clusters | default list) "value" $inCluster) }}
{{- $patterns := $rule.namespaces | default (list "*") }}
{{- $includes := list }}
{{- range $patterns }}{{ if not (hasPrefix "!" .) }}{{ $includes = append $includes . }}{{ end }}{{ end }}
{{- $runbooks := $rule.runbooks | default list }}
{{- if has "*" $includes }}
{{- range $shippedCluster }}{{ if include "drover.anyGlobMatches" (dict "patterns" $runbooks "value" .) }}{{ $nodes = append $nodes . }}{{ end }}{{ end }}
{{- end }}
{{- if include "drover.anyGlobMatches" (dict "patterns" $runbooks "value" "expand-pvc") }}{{ $storage = true }}{{ end }}
{{- /* The shipped runbooks each glob allows; a glob matching none (nor a runbook without a namespace) is one of yours, which may call anything they call. */}}
{{- $ruleRunbooks := list }}
{{- range $glob := $runbooks }}
{{- $matched := list }}
{{- range $shippedNamespaced }}{{ if include "drover.globMatch" (dict "pattern" $glob "value" .) }}{{ $matched = append $matched . }}{{ end }}{{ end }}
{{- if $matched }}{{ $ruleRunbooks = concat $ruleRunbooks $matched }}
{{- else if not (include "drover.globMatchesAny" (dict "pattern" $glob "values" $shippedCluster)) }}{{ $ruleRunbooks = concat $ruleRunbooks $shippedNamespaced }}{{ end }}
{{- end }}
{{- if $ruleRunbooks }}
{{- $namespaced = true }}
{{- $clusterRunbooks = concat $clusterRunbooks $ruleRunbooks }}
{{- $globbed := false }}
{{- range $includes }}
{{- if or (contains "*" .) (contains "?" .) }}{{ $globbed = true }}
{{- else if not (regexMatch "^[a-z0-9]([-a-z0-9]*[a-z0-9])?$" .) }}
{{- /* It becomes a Role's namespace: anything else could write YAML into the manifest. */}}
{{- fail (printf "policy.rules[%d].namespaces: %q is not a namespace name (lowercase letters, digits and -)" $i .) }}
{{- else }}
{{- $namespaces = append $namespaces . }}
{{- $_ := set $byNamespace . (concat (get $byNamespace . | default list) $ruleRunbooks) }}
{{- end }}
{{- end }}
{{- if $globbed }}
{{- $unscoped = append $unscoped (printf "policy.rules[%d] (%s)" $i (ternary (printf "namespaces %s" (toJson $patterns)) "no namespaces: every namespace" (hasKey $rule "namespaces"))) }}
{{- end }}
{{- end }}
{{- end }}
{{- end }}
{{- $grants := or .Values.rbac.runbooks (gt (len (.Values.rbac.extraRules | default list)) 0) }}
{{- $mode := "none" }}
{{- if .Values.rbac.namespaces }}
{{- /* The override: every shipped runbook's permissions in exactly those namespaces. */}}
{{- $mode = "roles" }}
{{- $namespaces = .Values.rbac.namespaces }}
{{- $byNamespace = dict }}
{{- range $namespaces }}{{ $_ := set $byNamespace . $shippedNamespaced }}{{ end }}
{{- else if and $namespaced $grants }}
{{- if .Values.rbac.clusterWide }}
{{- $mode = "cluster" }}
{{- else if $unscoped }}
{{- fail (printf "RBAC cannot be scoped to namespaces for %s: name the namespaces in those rules, or set rbac.clusterWide: true (a ClusterRole over every namespace), or rbac.namespaces (Roles in the namespaces you list), or rbac.runbooks: false with impersonation" (join ", " $unscoped)) }}
{{- else }}
{{- $mode = "roles" }}
{{- end }}
{{- end }}
{{- range $ns, $allowed := $byNamespace }}{{ $_ := set $byNamespace $ns ($allowed | uniq | sortAlpha) }}{{ end }}
{{- dict "mode" $mode "namespaces" ($namespaces | uniq) "runbooks" $byNamespace "clusterRunbooks" ($clusterRunbooks | uniq | sortAlpha) "nodes" (ternary ($nodes | uniq | sortAlpha) (list) .Values.rbac.runbooks) "storageclasses" (and .Values.rbac.runbooks $storage) | toJson }}
{{- end }}

{{/* rbac.extraRules, refusing wildcards. */}}
{{- define "drover.extraRules" -}}
{{- range $i, $rule := .Values.rbac.extraRules }}
{{- range $field := list "apiGroups" "resources" "verbs" "resourceNames" }}
{{- if has "*" (get $rule $field | default list) }}
{{- fail (printf "rbac.extraRules[%d].%s contains \"*\": list the resources and verbs your runbooks use" $i $field) }}
{{- end }}
{{- end }}
{{- if or (not $rule.verbs) (not $rule.resources) }}
{{- fail (printf "rbac.extraRules[%d] needs resources and verbs" $i) }}
{{- end }}
{{- /* Verbs that grant more than they name: escalate and bind give any permission through a role, impersonate any identity. */}}
{{- range $verb := list "escalate" "bind" "impersonate" }}
{{- if has $verb $rule.verbs }}
{{- fail (printf "rbac.extraRules[%d].verbs contains %q, which lets Drover grant itself more than its runbooks use%s" $i $verb (ternary ": impersonation.users and impersonation.groups name the identities Drover may act as" "" (eq $verb "impersonate"))) }}
{{- end }}
{{- end }}
{{- end }}
{{- with .Values.rbac.extraRules }}
{{ toYaml . }}
{{- end }}
{{- end }}

{{/* impersonate on the listed users and groups only. */}}
{{- define "drover.impersonationRules" -}}
{{- if .Values.impersonation.enabled }}
{{- $_ := required "impersonation.users must list the users Drover may impersonate (the `user` of each identity under clusters.impersonation)" (.Values.impersonation.users | default list | compact | join ",") }}
{{- if or (has "*" .Values.impersonation.users) (has "*" (.Values.impersonation.groups | default list)) }}
{{- fail "impersonation.users and impersonation.groups must name identities, not \"*\"" }}
{{- end }}
- apiGroups: [""]
  resources: ["users"]
  verbs: ["impersonate"]
  resourceNames: {{ .Values.impersonation.users | toJson }}
{{- with .Values.impersonation.groups }}
- apiGroups: [""]
  resources: ["groups"]
  verbs: ["impersonate"]
  resourceNames: {{ . | toJson }}
{{- end }}
{{- end }}
{{- end }}

{{/*
The pod template of the server and worker Deployments.
Call with (dict "root" $ "component" "server" "args" (list "serve") "resources" .Values.server.resources "kubeToken" true "grace" 30).
kubeToken: the pod acts on clusters, so it gets the ServiceAccount's token and the kubeconfig.
*/}}
{{- define "drover.podTemplate" -}}
{{- $root := .root }}
{{- with $root -}}
metadata:
  labels:
    {{- include "drover.labels" (dict "root" . "component" $.component) | nindent 4 }}
    {{- with .Values.podLabels }}
    {{- toYaml . | nindent 4 }}
    {{- end }}
  annotations:
    # Roll the pods when their configuration changes.
    checksum/config: {{ include "drover.configFile" . | sha256sum }}
    checksum/policy: {{ include "drover.policyFile" . | sha256sum }}
    {{- if include "drover.createSecret" . }}
    checksum/secret: {{ include (print .Template.BasePath "/secret.yaml") . | sha256sum }}
    {{- end }}
    {{- with .Values.podAnnotations }}
    {{- toYaml . | nindent 4 }}
    {{- end }}
spec:
  serviceAccountName: {{ ternary (include "drover.serviceAccountName" .) (include "drover.serverServiceAccountName" .) $.kubeToken }}
  # Only pods that act on the cluster get a token.
  automountServiceAccountToken: {{ $.kubeToken }}
  {{- with .Values.imagePullSecrets }}
  imagePullSecrets:
    {{- toYaml . | nindent 4 }}
  {{- end }}
  {{- with .Values.priorityClassName }}
  priorityClassName: {{ . }}
  {{- end }}
  securityContext:
    {{- toYaml .Values.podSecurityContext | nindent 4 }}
  # Matched to what a stopping pod waits for (worker.terminationGracePeriodSeconds explains).
  terminationGracePeriodSeconds: {{ $.grace }}
  {{- include "drover.packsInitContainers" . | nindent 2 }}
  containers:
    - name: drover
      image: {{ include "drover.image" . | quote }}
      imagePullPolicy: {{ .Values.image.pullPolicy }}
      args: {{ $.args | toJson }}
      ports:
        - name: http
          containerPort: 3000
          protocol: TCP
      env:
        {{- include "drover.env" (dict "root" . "kube" $.kubeToken) | nindent 8 }}
      livenessProbe:
        httpGet: { path: /healthz, port: http }
        {{- toYaml .Values.livenessProbe | nindent 8 }}
      readinessProbe:
        httpGet: { path: /readyz, port: http }
        {{- toYaml .Values.readinessProbe | nindent 8 }}
      startupProbe:
        httpGet: { path: /healthz, port: http }
        {{- toYaml .Values.startupProbe | nindent 8 }}
      resources:
        {{- toYaml $.resources | nindent 8 }}
      securityContext:
        {{- toYaml .Values.securityContext | nindent 8 }}
      volumeMounts:
        - name: config
          mountPath: {{ include "drover.configDir" . }}
          readOnly: true
        - name: policy
          mountPath: {{ include "drover.policyDir" . }}
          readOnly: true
        # Runbooks are compiled (esbuild) into a cache under /tmp/drover-<uid>/runbooks: the root filesystem is read-only.
        - name: tmp
          mountPath: /tmp
        {{- if and $.kubeToken .Values.kubeconfig.existingSecret }}
        - name: kubeconfig
          mountPath: {{ include "drover.kubeconfigDir" . }}
          readOnly: true
        {{- end }}
        {{- if .Values.runbooks.existingConfigMap }}
        - name: runbooks
          mountPath: /app/runbooks
          readOnly: true
        {{- end }}
        {{- include "drover.packsVolumeMounts" . | nindent 8 }}
        {{- if $.kubeToken }}
        {{- include "drover.gitopsVolumeMounts" . | nindent 8 }}
        {{- end }}
        {{- with .Values.extraVolumeMounts }}
        {{- toYaml . | nindent 8 }}
        {{- end }}
  volumes:
    - name: config
      configMap:
        name: {{ include "drover.fullname" . }}-config
    - name: policy
      configMap:
        name: {{ include "drover.fullname" . }}-policy
    - name: tmp
      emptyDir:
        sizeLimit: 256Mi
    {{- if $.kubeToken }}
    {{- with .Values.kubeconfig.existingSecret }}
    - name: kubeconfig
      secret:
        secretName: {{ . }}
        defaultMode: 0440
    {{- end }}
    {{- end }}
    {{- with .Values.runbooks.existingConfigMap }}
    - name: runbooks
      configMap:
        name: {{ . }}
    {{- end }}
    {{- include "drover.packsVolumes" . | nindent 4 }}
    {{- if $.kubeToken }}
    {{- include "drover.gitopsVolumes" . | nindent 4 }}
    {{- end }}
    {{- with .Values.extraVolumes }}
    {{- toYaml . | nindent 4 }}
    {{- end }}
  {{- with .Values.nodeSelector }}
  nodeSelector:
    {{- toYaml . | nindent 4 }}
  {{- end }}
  {{- with .Values.affinity }}
  affinity:
    {{- toYaml . | nindent 4 }}
  {{- end }}
  {{- with .Values.tolerations }}
  tolerations:
    {{- toYaml . | nindent 4 }}
  {{- end }}
  {{- include "drover.topologySpread" (dict "root" . "component" $.component) | nindent 2 }}
{{- end }}
{{- end }}

{{/* topologySpreadConstraints of one component's pods: the user's, or a soft spread across zones and nodes. */}}
{{- define "drover.topologySpread" -}}
{{- with .root.Values.topologySpreadConstraints }}
topologySpreadConstraints:
  {{- toYaml . | nindent 2 }}
{{- else }}
{{- if .root.Values.topologySpread.enabled }}
topologySpreadConstraints:
  {{- range list "topology.kubernetes.io/zone" "kubernetes.io/hostname" }}
  - topologyKey: {{ . }}
    maxSkew: {{ $.root.Values.topologySpread.maxSkew }}
    whenUnsatisfiable: ScheduleAnyway
    labelSelector:
      matchLabels:
        {{- include "drover.selectorLabels" (dict "root" $.root "component" $.component) | nindent 8 }}
  {{- end }}
{{- end }}
{{- end }}
{{- end }}

{{/* The environment: file locations, and every credential through a secretKeyRef. Call with (dict "root" $ "kube" true). */}}
{{- define "drover.env" -}}
{{- $kube := .kube }}
{{- with .root }}
- name: DROVER_CONFIG
  value: {{ include "drover.configDir" . }}/config.yaml
- name: DROVER_POLICY
  value: {{ include "drover.policyDir" . }}/policy.yaml
{{- if and $kube .Values.kubeconfig.existingSecret }}
{{- $dir := include "drover.kubeconfigDir" . }}
{{- $files := list }}
{{- range (required "kubeconfig.keys must name at least one key of kubeconfig.existingSecret" (.Values.kubeconfig.keys | default list | join ":") | splitList ":") }}
{{- $files = append $files (printf "%s/%s" $dir .) }}
{{- end }}
- name: KUBECONFIG
  value: {{ join ":" $files | quote }}
{{- end }}
{{- $redis := include "drover.redisSecretRef" . | fromJson }}
{{- if include "drover.bundledRedis" . }}
- name: REDIS_PASSWORD
  valueFrom:
    secretKeyRef:
      name: {{ $redis.name }}
      key: {{ $redis.key }}
# Kubernetes substitutes $(REDIS_PASSWORD): the password itself never appears in the pod spec.
- name: REDIS_URL
  value: "redis://:$(REDIS_PASSWORD)@{{ include "drover.redisName" . }}:6379"
{{- else }}
- name: REDIS_URL
  valueFrom:
    secretKeyRef:
      name: {{ $redis.name }}
      key: {{ $redis.key }}
{{- end }}
{{- $secret := include "drover.secretName" . }}
{{- range include "drover.secretKeys" . | fromJsonArray }}
- name: {{ . }}
  valueFrom:
    secretKeyRef:
      name: {{ $secret }}
      key: {{ . }}
{{- end }}
{{- if .Values.audit.existingSecret }}
- name: DROVER_AUDIT_KEY
  valueFrom:
    secretKeyRef:
      name: {{ .Values.audit.existingSecret }}
      key: {{ .Values.audit.existingSecretKey }}
{{- else if .Values.audit.key }}
{{- if .Values.existingSecret }}
{{- fail "audit.key cannot go into existingSecret, which the chart does not write: put the key in a Secret of yours and set audit.existingSecret" }}
{{- end }}
- name: DROVER_AUDIT_KEY
  valueFrom:
    secretKeyRef:
      name: {{ $secret }}
      key: DROVER_AUDIT_KEY
{{- end }}
{{- with .Values.extraEnv }}
{{ toYaml . }}
{{- end }}
{{- end }}
{{- end }}
