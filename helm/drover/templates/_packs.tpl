{{/*
Runbook packs (docs/packs.md): git packs are cloned at their pinned commit by
an init container into the `packs` emptyDir, npm packs installed there at their
pinned version; the Drover container reads it read-only as its pack cache
(runbooks.packCacheDir=/packs), so nothing is limited by a ConfigMap's 1 MiB.
*/}}

{{/* The packs of runbooks.packs as Drover's config lists them (runbooks.packs in config.yaml). */}}
{{- define "drover.packsConfig" -}}
{{- $out := list }}
{{- range $i, $p := .Values.runbooks.packs }}
{{- if $p.git }}
{{- $entry := dict "name" $p.name "git" $p.git "commit" $p.commit }}
{{- with $p.dir }}{{ $_ := set $entry "dir" . }}{{ end }}
{{- $out = append $out $entry }}
{{- else if $p.npm }}
{{- $out = append $out (dict "name" $p.name "npm" $p.npm "version" $p.version) }}
{{- else }}
{{- $out = append $out (dict "name" $p.name "path" $p.path) }}
{{- end }}
{{- end }}
{{- toJson $out }}
{{- end }}

{{- define "drover.packsGitImage" -}}
{{- $img := .Values.runbooks.install.gitImage }}
{{- if $img.digest }}{{ printf "%s@%s" $img.repository $img.digest }}{{ else }}{{ printf "%s:%s" $img.repository $img.tag }}{{ end }}
{{- end }}

{{/* Init containers filling the packs emptyDir; nothing without git or npm packs. */}}
{{- define "drover.packsInitContainers" -}}
{{- $git := list }}{{ $npm := list }}
{{- range .Values.runbooks.packs }}{{ if .git }}{{ $git = append $git . }}{{ else if .npm }}{{ $npm = append $npm . }}{{ end }}{{ end }}
{{- if or $git $npm }}
initContainers:
{{- if $git }}
  # Each git pack at exactly its commit: /packs/<name>/<commit>. Values reach the script as arguments, never as its text.
  - name: packs-git
    image: {{ include "drover.packsGitImage" . | quote }}
    imagePullPolicy: {{ .Values.runbooks.install.gitImage.pullPolicy }}
    command:
      - sh
      - -c
      - |
        set -u
        # The token goes in the environment of this pack's fetches only: never in argv, .git/config or another host's requests.
        fetch() { if [ -n "$header" ]; then GIT_CONFIG_COUNT=1 GIT_CONFIG_KEY_0=http.extraHeader GIT_CONFIG_VALUE_0="$header" git -C "$dest" fetch -q "$@"; else git -C "$dest" fetch -q "$@"; fi; }
        # Links checked out as plain files: nothing in the pack points outside its commit (as Drover's own fetch does).
        checkout() {
          rm -rf "$dest" && mkdir -p "$dest" && git init -q "$dest" && git -C "$dest" config core.symlinks false &&
            { fetch --no-tags --depth 1 -- "$url" "$commit" || fetch -- "$url" '+refs/heads/*:refs/remotes/origin/*' '+refs/tags/*:refs/tags/*'; } &&
            git -C "$dest" -c advice.detachedHead=false checkout -q --detach "$commit" &&
            test "$(git -C "$dest" rev-parse HEAD)" = "$commit"
        }
        while [ "$#" -ge 4 ]; do
          name=$1 url=$2 commit=$3 secret=$4
          shift 4
          dest=$PACKS/$name/$commit
          if [ -f "$dest/.git/HEAD" ] && [ "$(cat "$dest/.git/HEAD")" = "$commit" ]; then continue; fi
          header=
          if [ -n "$secret" ]; then
            eval "user=\${PACK_USER_$secret:-x-access-token} token=\${PACK_TOKEN_$secret:-}"
            header="Authorization: Basic $(printf '%s:%s' "$user" "$token" | base64 | tr -d '\n')"
          fi
          # A pack that cannot be fetched (its host down) does not keep Drover from starting: Drover reports it and
          # serves the other packs; restarting the pod tries again.
          if checkout; then echo "pack $name: $commit"; else rm -rf "$dest"; echo "pack $name: cannot fetch $commit; Drover starts without it" >&2; fi
        done
      - packs-git
    args:
      {{- range $i, $p := $git }}
      - {{ $p.name | quote }}
      - {{ $p.git | quote }}
      - {{ $p.commit | quote }}
      - {{ ternary (toString $i) "" (not (empty $p.existingSecret)) | quote }}
      {{- end }}
    env:
      - { name: PACKS, value: /packs }
      - { name: HOME, value: /tmp/home }
      - { name: GIT_TERMINAL_PROMPT, value: "0" }
      # The transports a pack may use, whatever the image allows (ext:: would run a command).
      - { name: GIT_ALLOW_PROTOCOL, value: "https:http:ssh:git:file" }
      # A host that stops sending gives up after a minute under 1 KB/s rather than holding the pod's start.
      - { name: GIT_HTTP_LOW_SPEED_LIMIT, value: "1000" }
      - { name: GIT_HTTP_LOW_SPEED_TIME, value: "60" }
      {{- range $i, $p := $git }}
      {{- with $p.existingSecret }}
      - name: PACK_TOKEN_{{ $i }}
        valueFrom: { secretKeyRef: { name: {{ . }}, key: token } }
      - name: PACK_USER_{{ $i }}
        valueFrom: { secretKeyRef: { name: {{ . }}, key: username, optional: true } }
      {{- end }}
      {{- end }}
    resources:
      {{- toYaml .Values.runbooks.install.resources | nindent 6 }}
    securityContext:
      {{- toYaml .Values.securityContext | nindent 6 }}
    volumeMounts:
      - { name: packs, mountPath: /packs }
      - { name: tmp, mountPath: /tmp }
{{- end }}
{{- if $npm }}
  # npm packs at their exact version, with Drover's own image (it has npm): /packs/npm/node_modules. No install scripts run.
  - name: packs-npm
    image: {{ include "drover.image" . | quote }}
    imagePullPolicy: {{ .Values.image.pullPolicy }}
    command:
      - sh
      - -c
      - |
        set -eu
        mkdir -p /packs/npm
        [ -f /packs/npm/package.json ] || echo '{"private":true}' > /packs/npm/package.json
        # One at a time: a pack the registry cannot give does not keep Drover (or the other packs) from starting.
        for spec in "$@"; do
          npm install --prefix /packs/npm --ignore-scripts --omit=dev --legacy-peer-deps --no-audit --no-fund --no-package-lock "$spec" ||
            echo "npm pack $spec: cannot install; Drover starts without it" >&2
        done
      - packs-npm
    args:
      {{- range $npm }}
      - {{ printf "%s@%s" .npm .version | quote }}
      {{- end }}
    env:
      - { name: HOME, value: /tmp/home }
      - { name: npm_config_cache, value: /tmp/npm-cache }
      - { name: npm_config_update_notifier, value: "false" }
      {{- if .Values.runbooks.install.npmrcSecret }}
      - { name: NPM_CONFIG_USERCONFIG, value: /etc/drover/npmrc/.npmrc }
      {{- end }}
    resources:
      {{- toYaml .Values.runbooks.install.resources | nindent 6 }}
    securityContext:
      {{- toYaml .Values.securityContext | nindent 6 }}
    volumeMounts:
      - { name: packs, mountPath: /packs }
      - { name: tmp, mountPath: /tmp }
      {{- if .Values.runbooks.install.npmrcSecret }}
      - { name: npmrc, mountPath: /etc/drover/npmrc, readOnly: true }
      {{- end }}
{{- end }}
{{- end }}
{{- end }}

{{/* The Drover container's view of the packs: read-only. */}}
{{- define "drover.packsVolumeMounts" -}}
{{- if include "drover.packsInstalled" . }}
- name: packs
  mountPath: /packs
  readOnly: true
{{- end }}
{{- end }}

{{- define "drover.packsVolumes" -}}
{{- if include "drover.packsInstalled" . }}
- name: packs
  emptyDir:
    sizeLimit: {{ .Values.runbooks.install.sizeLimit }}
{{- if .Values.runbooks.install.npmrcSecret }}
- name: npmrc
  secret:
    secretName: {{ .Values.runbooks.install.npmrcSecret }}
    items: [{ key: .npmrc, path: .npmrc }]
    defaultMode: 0440
{{- end }}
{{- end }}
{{- end }}

{{/* "true" when some pack is installed by an init container (git or npm). */}}
{{- define "drover.packsInstalled" -}}
{{- range .Values.runbooks.packs }}{{ if or .git .npm }}true{{ end }}{{ end }}
{{- end }}
