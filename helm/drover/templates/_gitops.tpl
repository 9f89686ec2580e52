{{/*
GitOps (config.gitops, src/gitops/settings.ts): the forge tokens a worker reads
from files (gitops.tokens, each Secret mounted read-only under
drover.gitopsTokenDir), the writable directory it clones into (an emptyDir at
drover.gitopsWorkDir, laid over config.gitops.workDir), and the RBAC on the
Flux and Argo CD kinds (src/gitops/owner/*.ts).
*/}}

{{- define "drover.gitopsTokenDir" -}}/var/run/secrets/drover/gitops{{- end }}
{{- define "drover.gitopsWorkDir" -}}/var/lib/drover/gitops{{- end }}

{{/* gitops.tokens, checked: each name a DNS label (a directory and a volume name), once. JSON list of {name, secretName, key, file}. */}}
{{- define "drover.gitopsTokens" -}}
{{- $out := list }}
{{- $seen := dict }}
{{- range $i, $t := (.Values.gitops.tokens | default list) }}
{{- $name := toString (required (printf "gitops.tokens[%d].name is required: the directory its token is mounted in" $i) $t.name) }}
{{- if not (regexMatch "^[a-z0-9]([-a-z0-9]{0,48}[a-z0-9])?$" $name) }}
{{- fail (printf "gitops.tokens[%d].name %q is not a token name: lower-case letters, digits and dashes, at most 50 characters" $i $name) }}
{{- end }}
{{- if hasKey $seen $name }}
{{- fail (printf "gitops.tokens: the name %q is listed twice" $name) }}
{{- end }}
{{- $_ := set $seen $name true }}
{{- $secret := toString (required (printf "gitops.tokens[%d].secretName is required: the Secret holding the %s token" $i $name) $t.secretName) }}
{{- $key := toString ($t.key | default "token") }}
{{- $out = append $out (dict "name" $name "secretName" $secret "key" $key "file" (printf "%s/%s/token" (include "drover.gitopsTokenDir" $) $name)) }}
{{- end }}
{{- toJson $out }}
{{- end }}

{{/* "true" when config.gitops lists repositories: the worker clones, so it gets the writable work directory. */}}
{{- define "drover.gitopsUsed" -}}
{{- if dig "gitops" "repositories" list (.Values.config | default dict) }}true{{ end }}
{{- end }}

{{/*
config.gitops refused as written: a repository's tokenFile must be a token the
chart mounts (anything else would be missing in the pod: the first pull
request would fail, hours after the install), and no URL may carry
credentials (the file is a ConfigMap). The messages never repeat a URL.
*/}}
{{- define "drover.gitopsRefused" -}}
{{- $gitops := dig "gitops" dict (.Values.config | default dict) }}
{{- $files := dict }}
{{- range include "drover.gitopsTokens" . | fromJsonArray }}{{ $_ := set $files .file .name }}{{ end }}
{{- $credentials := "^[A-Za-z][A-Za-z0-9+.-]*://[^/?#]*@" }}
{{- range $i, $repo := ($gitops.repositories | default list) }}
{{- $where := printf "config.gitops.repositories[%d]" $i }}
{{- range $field := list "url" "cloneUrl" }}
{{- if regexMatch $credentials (toString (get $repo $field | default "")) }}
{{- fail (printf "%s.%s carries a user name or password (user:secret@ or token@ before the host), which would be stored in a ConfigMap: remove it, put the token in a Secret, list it in gitops.tokens and set tokenFile" $where $field) }}
{{- end }}
{{- end }}
{{- if regexMatch $credentials (toString (dig "forge" "apiUrl" "" $repo)) }}
{{- fail (printf "%s.forge.apiUrl carries credentials (user:secret@ before the host), which would be stored in a ConfigMap: remove them, put the token in a Secret, list it in gitops.tokens and set tokenFile" $where) }}
{{- end }}
{{- with $repo.tokenFile }}
{{- if not (hasKey $files (toString .)) }}
{{- fail (printf "%s.tokenFile %q is not a token the chart mounts: add { name: NAME, secretName: SECRET, key: token } to gitops.tokens and set tokenFile: %s/NAME/token%s" $where (toString .) (include "drover.gitopsTokenDir" $) (ternary "" (printf " (mounted now: %s)" (keys $files | sortAlpha | join ", ")) (empty $files))) }}
{{- end }}
{{- end }}
{{- end }}
{{- end }}

{{/* What the chart lays over config.gitops: the work directory, when repositories are listed. */}}
{{- define "drover.gitopsConfig" -}}
{{- if include "drover.gitopsUsed" . }}
{{- dict "workDir" (include "drover.gitopsWorkDir" .) | toJson }}
{{- else }}{}{{ end }}
{{- end }}

{{/* The mounts of a pod that runs a worker: each token read-only, the work directory writable. */}}
{{- define "drover.gitopsVolumeMounts" -}}
{{- range include "drover.gitopsTokens" . | fromJsonArray }}
- name: gitops-token-{{ .name }}
  mountPath: {{ printf "%s/%s" (include "drover.gitopsTokenDir" $) .name }}
  readOnly: true
{{- end }}
{{- if include "drover.gitopsUsed" . }}
# The repositories are cloned here (config.gitops.workDir): the root filesystem is read-only.
- name: gitops-work
  mountPath: {{ include "drover.gitopsWorkDir" . }}
{{- end }}
{{- end }}

{{- define "drover.gitopsVolumes" -}}
{{- range include "drover.gitopsTokens" . | fromJsonArray }}
- name: gitops-token-{{ .name }}
  secret:
    secretName: {{ .secretName | quote }}
    items: [{ key: {{ .key | quote }}, path: token }]
    # 0440 (decimal, so that YAML 1.1 and 1.2 readers agree): the pod's group (fsGroup) reads it.
    defaultMode: 288
{{- end }}
{{- if include "drover.gitopsUsed" . }}
- name: gitops-work
  emptyDir:
    sizeLimit: {{ include "drover.size" .Values.gitops.workDirSizeLimit }}
{{- end }}
{{- end }}

{{/*
RBAC: what src/gitops/owner/*.ts calls. Reads in every namespace (an owner
lives wherever Flux or Argo CD keep it, and the suspension sweeper lists every
namespace); patches on the three suspendable kinds, of spec.suspend (Argo CD:
spec.syncPolicy.automated) and Drover's drover.dev/* annotations only.
*/}}
{{- define "drover.gitopsReadRules" -}}
# GitOps: find the Flux Kustomization or HelmRelease, or the Argo CD Application, owning an object; list Drover's suspensions.
- apiGroups: ["kustomize.toolkit.fluxcd.io"]
  resources: ["kustomizations"]
  verbs: ["get", "list"]
- apiGroups: ["helm.toolkit.fluxcd.io"]
  resources: ["helmreleases"]
  verbs: ["get", "list"]
- apiGroups: ["argoproj.io"]
  resources: ["applications"]
  verbs: ["get", "list"]
# GitOps: a Kustomization's source (its repository URL and branch).
- apiGroups: ["source.toolkit.fluxcd.io"]
  resources: ["gitrepositories", "ocirepositories", "buckets"]
  verbs: ["get"]
{{- end }}

{{/* Patch on the given suspendable resources. Call with (dict "flux" bool "argocd" bool). */}}
{{- define "drover.gitopsPatchRules" -}}
{{- if .flux }}
# GitOps `suspend` mode: spec.suspend and Drover's drover.dev/* annotations, nothing else.
- apiGroups: ["kustomize.toolkit.fluxcd.io"]
  resources: ["kustomizations"]
  verbs: ["patch"]
- apiGroups: ["helm.toolkit.fluxcd.io"]
  resources: ["helmreleases"]
  verbs: ["patch"]
{{- end }}
{{- if .argocd }}
# GitOps `suspend` mode: spec.syncPolicy.automated and Drover's drover.dev/* annotations, nothing else.
- apiGroups: ["argoproj.io"]
  resources: ["applications"]
  verbs: ["patch"]
{{- end }}
{{- end }}

{{/* The shipped runbooks that declare `gitops` (runbooks/*.ts): the only ones whose changes Drover checks for an owner. */}}
{{- define "drover.gitopsRunbooks" -}}
{{- list "expand-pvc" "raise-hpa-max" "scale-deployment" | toJson }}
{{- end }}

{{/*
Where the GitOps grants go, given the runbook plan (drover.rbacPlan). JSON:
  read: the read rules in the ClusterRole; clusterPatch: the patches too (the
  runbooks are granted cluster-wide); namespaces: namespace -> {flux, argocd},
  the patches in Roles: the policy's namespaces where a runbook declaring
  `gitops` is allowed (Flux objects beside the workloads),
  gitops.fluxNamespaces and config.gitops.argocdNamespaces.
None of it without rbac.gitops or rbac.runbooks, or when the policy allows no
runbook declaring `gitops` here (one of yours counts: a glob matching no
shipped runbook is granted every shipped call).
*/}}
{{- define "drover.gitopsPlan" -}}
{{- $plan := include "drover.rbacPlan" . | fromJson }}
{{- $gitopsRunbooks := include "drover.gitopsRunbooks" . | fromJsonArray }}
{{- $namespaces := dict }}
{{- $on := false }}
{{- if and .Values.rbac.gitops .Values.rbac.runbooks }}
{{- if eq $plan.mode "cluster" }}
{{- range $plan.clusterRunbooks }}{{ if has . $gitopsRunbooks }}{{ $on = true }}{{ end }}{{ end }}
{{- else if eq $plan.mode "roles" }}
{{- range $ns, $allowed := $plan.runbooks }}
{{- range $allowed }}{{ if has . $gitopsRunbooks }}{{ $on = true }}{{ $_ := set $namespaces $ns (dict "flux" true "argocd" false) }}{{ end }}{{ end }}
{{- end }}
{{- end }}
{{- end }}
{{- if and $on (eq $plan.mode "roles") }}
{{- range $field, $list := dict "gitops.fluxNamespaces" (.Values.gitops.fluxNamespaces | default list) "config.gitops.argocdNamespaces" (dig "gitops" "argocdNamespaces" (list "argocd") (.Values.config | default dict)) }}
{{- range $list }}
{{- /* It becomes a Role's namespace: anything else could write YAML into the manifest. */}}
{{- if not (regexMatch "^[a-z0-9]([-a-z0-9]*[a-z0-9])?$" (toString .)) }}
{{- fail (printf "%s: %q is not a namespace name (lowercase letters, digits and -)" $field (toString .)) }}
{{- end }}
{{- $entry := get $namespaces . | default (dict "flux" false "argocd" false) }}
{{- $_ := set $entry (ternary "flux" "argocd" (eq $field "gitops.fluxNamespaces")) true }}
{{- $_ := set $namespaces . $entry }}
{{- end }}
{{- end }}
{{- end }}
{{- dict "read" $on "clusterPatch" (and $on (eq $plan.mode "cluster")) "namespaces" $namespaces | toJson }}
{{- end }}
