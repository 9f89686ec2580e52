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
Configuration files.
*/}}
{{- define "drover.configDir" -}}/etc/drover/config{{- end }}
{{- define "drover.policyDir" -}}/etc/drover/policy{{- end }}
{{- define "drover.kubeconfigDir" -}}/etc/drover/kubeconfig{{- end }}

{{/* Drover's configuration file: the `config` values, with the settings the chart depends on laid over them. */}}
{{- define "drover.configFile" -}}
{{- $chart := dict
  "http" (dict "host" "0.0.0.0" "port" 3000)
  "clusters" (dict "sandbox" "off")
  "worker" (dict "concurrency" .Values.worker.concurrency) }}
{{- if .Values.slack.enabled }}
{{- $_ := set $chart "slack" (dict "mode" .Values.slack.mode) }}
{{- end }}
{{- toYaml (mergeOverwrite (deepCopy (.Values.config | default dict)) $chart) }}
{{- end }}

{{- define "drover.policyFile" -}}
{{- toYaml .Values.policy }}
{{- end }}

{{/*
RBAC: exactly what the shipped runbooks call (src/k8s/*-ops.ts), one rule per resource.
*/}}

{{/* Namespaced resources. */}}
{{- define "drover.runbookRules" -}}
# restart-deployment, diagnose-restart-deployment: read, then patch the pod template.
- apiGroups: ["apps"]
  resources: ["deployments"]
  verbs: ["get", "patch"]
# scale-deployment: the scale subresource.
- apiGroups: ["apps"]
  resources: ["deployments/scale"]
  verbs: ["get", "patch"]
# delete-pod (get, delete bound to the uid); diagnose and job-failure-report list pods by label.
- apiGroups: [""]
  resources: ["pods"]
  verbs: ["get", "list", "delete"]
# job-failure-report: the failed pods' last log lines.
- apiGroups: [""]
  resources: ["pods/log"]
  verbs: ["get"]
# diagnose-restart-deployment, job-failure-report: warning events.
- apiGroups: [""]
  resources: ["events"]
  verbs: ["list"]
# raise-hpa-max.
- apiGroups: ["autoscaling"]
  resources: ["horizontalpodautoscalers"]
  verbs: ["get", "patch"]
# expand-pvc.
- apiGroups: [""]
  resources: ["persistentvolumeclaims"]
  verbs: ["get", "patch"]
# job-failure-report.
- apiGroups: ["batch"]
  resources: ["jobs"]
  verbs: ["get"]
{{- end }}

{{/* Cluster-scoped resources. */}}
{{- define "drover.clusterRunbookRules" -}}
# cordon-node.
- apiGroups: [""]
  resources: ["nodes"]
  verbs: ["get", "patch"]
# expand-pvc: whether the claim's class allows expansion.
- apiGroups: ["storage.k8s.io"]
  resources: ["storageclasses"]
  verbs: ["get"]
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
Call with (dict "root" $ "component" "server" "args" (list "serve") "resources" .Values.server.resources "kubeToken" true).
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
  serviceAccountName: {{ include "drover.serviceAccountName" . }}
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
  terminationGracePeriodSeconds: {{ .Values.terminationGracePeriodSeconds }}
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
        {{- include "drover.env" . | nindent 8 }}
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
        {{- if .Values.kubeconfig.existingSecret }}
        - name: kubeconfig
          mountPath: {{ include "drover.kubeconfigDir" . }}
          readOnly: true
        {{- end }}
        {{- if .Values.runbooks.existingConfigMap }}
        - name: runbooks
          mountPath: /app/runbooks
          readOnly: true
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
    {{- with .Values.kubeconfig.existingSecret }}
    - name: kubeconfig
      secret:
        secretName: {{ . }}
        defaultMode: 0440
    {{- end }}
    {{- with .Values.runbooks.existingConfigMap }}
    - name: runbooks
      configMap:
        name: {{ . }}
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
{{- end }}
{{- end }}

{{/* The environment: file locations, and every credential through a secretKeyRef. */}}
{{- define "drover.env" -}}
- name: DROVER_CONFIG
  value: {{ include "drover.configDir" . }}/config.yaml
- name: DROVER_POLICY
  value: {{ include "drover.policyDir" . }}/policy.yaml
{{- if .Values.kubeconfig.existingSecret }}
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
