{{/*
mode: agent (docs/agents.md): the chart installs `drover agent --cluster
<agent.cluster>` instead of the central Drover. The agent connects out to the
central Redis with credentials from a Secret you manage, executes its
cluster's runs with its in-cluster ServiceAccount, and serves /metrics,
/healthz and /readyz only: no Slack, no Alertmanager, no ingress, no Redis of
its own. The central templates render nothing in this mode (they test
drover.agentMode); rbac.yaml and serviceaccount.yaml serve both.
*/}}

{{/* "true" in agent mode; fails on a mode the chart does not know. */}}
{{- define "drover.agentMode" -}}
{{- $mode := .Values.mode | default "central" }}
{{- if not (has $mode (list "central" "agent")) }}
{{- fail (printf "mode must be central or agent, not %q" $mode) }}
{{- end }}
{{- if eq $mode "agent" }}true{{ end }}
{{- end }}

{{/* agent.cluster, checked as src/fleet/names.ts checks it: it names the agent's queue and Redis keys. */}}
{{- define "drover.agentCluster" -}}
{{- $cluster := required "agent.cluster is required with mode: agent: the name this cluster has in Drover (`drover agent token create NAME` printed it)" .Values.agent.cluster }}
{{- if not (regexMatch "^[a-z0-9]([-a-z0-9]{0,48}[a-z0-9])?$" $cluster) }}
{{- fail (printf "agent.cluster %q is not an agent cluster name: lower-case letters, digits and dashes (a DNS label), at most 50 characters" $cluster) }}
{{- end }}
{{- $cluster }}
{{- end }}

{{/* The Secret and key of the central Redis's URL (rediss://user:password@host:port), never the URL itself. */}}
{{- define "drover.agentRedisRef" -}}
{{- $name := required "agent.redis.existingSecret is required with mode: agent: a Secret holding the central Redis's URL with the agent's credentials, under the key agent.redis.urlKey (`drover agent token create NAME` prints the kubectl line that makes it)" .Values.agent.redis.existingSecret }}
{{- dict "name" $name "key" (required "agent.redis.urlKey must name the key of agent.redis.existingSecret holding the URL" .Values.agent.redis.urlKey) | toJson }}
{{- end }}

{{- define "drover.agentRedisCaDir" -}}/etc/drover/redis-ca{{- end }}

{{/*
The agent's configuration file: `config` without what belongs to the central
Drover alone (Slack and alerts: an agent takes no Slack or Alertmanager
traffic), with the settings the chart depends on laid over it. The cluster it
runs in is named agent.cluster.
*/}}
{{- define "drover.agentConfigFile" -}}
{{- include "drover.configSecretsRefused" . }}
{{- /* Left out rather than refused: the central release's values file serves an agent's install too. */}}
{{- $config := omit (.Values.config | default dict) "slack" "alerts" }}
{{- /*
One cluster, the one it runs in, under its fleet name; no kubeconfig, no
sandbox. Of clusters.impersonation only this cluster's entry: Drover refuses
to start with an entry for a cluster it does not have (the central ones).
*/}}
{{- $cluster := include "drover.agentCluster" . }}
{{- $impersonation := pick (dig "clusters" "impersonation" dict $config) $cluster }}
{{- $clusters := mergeOverwrite (deepCopy (get $config "clusters" | default dict)) (dict "sandbox" "off" "inClusterName" $cluster "default" $cluster "kubeconfig" list "allow" list) }}
{{- $_ := set $clusters "impersonation" $impersonation }}
{{- $chart := dict
  "http" (dict "host" "0.0.0.0" "port" 3000)
  "clusters" $clusters
  "worker" (dict "concurrency" .Values.agent.concurrency) }}
{{- if .Values.runbooks.packs }}
{{- $_ := set $chart "runbooks" (dict "packs" (include "drover.packsConfig" . | fromJsonArray) "packCacheDir" "/packs") }}
{{- end }}
{{- if include "drover.gitopsUsed" . }}
{{- $_ := set $chart "gitops" (include "drover.gitopsConfig" . | fromJson) }}
{{- end }}
{{- $file := mergeOverwrite (deepCopy $config) $chart }}
{{- /* Replaced, not merged: a deep merge would keep the other clusters' impersonation. */}}
{{- $_ := set $file "clusters" $clusters }}
{{- toYaml $file }}
{{- end }}

{{/*
The agent's environment: its configuration and policy files (it checks each
run against the policy again before planning and executing it, so the same
`policy` as the central Drover's), and the central Redis through a secretKeyRef.
*/}}
{{- define "drover.agentEnv" -}}
{{- $redis := include "drover.agentRedisRef" . | fromJson -}}
- name: DROVER_CONFIG
  value: {{ include "drover.configDir" . }}/config.yaml
- name: DROVER_POLICY
  value: {{ include "drover.policyDir" . }}/policy.yaml
- name: REDIS_URL
  valueFrom:
    secretKeyRef:
      name: {{ $redis.name }}
      key: {{ $redis.key }}
{{- if .Values.agent.redis.caSecret }}
- name: REDIS_CA_FILE
  value: {{ printf "%s/%s" (include "drover.agentRedisCaDir" .) (required "agent.redis.caKey must name the key of agent.redis.caSecret holding the CA bundle" .Values.agent.redis.caKey) | quote }}
{{- end }}
# The central Drover's key prefix: the agent's ACL user may touch only keys under it.
- name: DROVER_REDIS_PREFIX
  value: {{ dig "redis" "prefix" "drover" (.Values.config | default dict) | quote }}
{{- with .Values.extraEnv }}
{{ toYaml . }}
{{- end }}
{{- end }}

{{/* The agent's pod: the central worker's pod (drover.podTemplate) without Slack, Alertmanager, audit key or kubeconfig. */}}
{{- define "drover.agentPodTemplate" -}}
metadata:
  labels:
    {{- include "drover.labels" (dict "root" . "component" "agent") | nindent 4 }}
    {{- with .Values.agent.labels }}
    {{- toYaml . | nindent 4 }}
    {{- end }}
    {{- with .Values.podLabels }}
    {{- toYaml . | nindent 4 }}
    {{- end }}
  annotations:
    # Roll the pods when their configuration changes.
    checksum/config: {{ include "drover.agentConfigFile" . | sha256sum }}
    checksum/policy: {{ include "drover.policyFile" . | sha256sum }}
    {{- with .Values.podAnnotations }}
    {{- toYaml . | nindent 4 }}
    {{- end }}
spec:
  serviceAccountName: {{ include "drover.serviceAccountName" . }}
  # It acts on this cluster: the ServiceAccount's token, and only the RBAC of rbac.yaml.
  automountServiceAccountToken: true
  {{- with .Values.imagePullSecrets }}
  imagePullSecrets:
    {{- toYaml . | nindent 4 }}
  {{- end }}
  {{- with .Values.priorityClassName }}
  priorityClassName: {{ . }}
  {{- end }}
  securityContext:
    {{- toYaml .Values.podSecurityContext | nindent 4 }}
  # A stopping agent takes no new run and finishes those it holds (worker.terminationGracePeriodSeconds explains).
  terminationGracePeriodSeconds: {{ .Values.agent.terminationGracePeriodSeconds }}
  {{- include "drover.packsInitContainers" . | nindent 2 }}
  containers:
    - name: drover
      image: {{ include "drover.image" . | quote }}
      imagePullPolicy: {{ .Values.image.pullPolicy }}
      args: {{ list "agent" "--cluster" (include "drover.agentCluster" .) | toJson }}
      ports:
        - name: http
          containerPort: 3000
          protocol: TCP
      env:
        {{- include "drover.agentEnv" . | nindent 8 }}
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
        {{- toYaml .Values.agent.resources | nindent 8 }}
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
        {{- if .Values.agent.redis.caSecret }}
        - name: redis-ca
          mountPath: {{ include "drover.agentRedisCaDir" . }}
          readOnly: true
        {{- end }}
        {{- if .Values.runbooks.existingConfigMap }}
        - name: runbooks
          mountPath: /app/runbooks
          readOnly: true
        {{- end }}
        {{- include "drover.packsVolumeMounts" . | nindent 8 }}
        {{- include "drover.gitopsVolumeMounts" . | nindent 8 }}
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
    {{- with .Values.agent.redis.caSecret }}
    - name: redis-ca
      secret:
        secretName: {{ . }}
        items: [{ key: {{ $.Values.agent.redis.caKey | quote }}, path: {{ $.Values.agent.redis.caKey | quote }} }]
        # 0444 (decimal, so that YAML 1.1 and 1.2 readers agree): a CA bundle is public.
        defaultMode: 292
    {{- end }}
    {{- with .Values.runbooks.existingConfigMap }}
    - name: runbooks
      configMap:
        name: {{ . }}
    {{- end }}
    {{- include "drover.packsVolumes" . | nindent 4 }}
    {{- include "drover.gitopsVolumes" . | nindent 4 }}
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
  {{- include "drover.topologySpread" (dict "root" . "component" "agent") | nindent 2 }}
{{- end }}
