#!/usr/bin/env bash
# Builds a real kube-apiserver and kube-controller-manager (Kubernetes 1.20.2) from
# Debian bookworm's source package with Debian's Go, and installs etcd from Debian.
# The binaries are cached outside the checkout, keyed by version, and reused:
#   ${DROVER_KUBE_CACHE:-$XDG_CACHE_HOME/drover/kube}/v1.20.2/bin/
# Prints the bin directory on its last line. Needs root and apt-get for a cold build.
set -euo pipefail

VERSION=1.20.2
SRC_PKG_VERSION=1.20.5+really1.20.2
CACHE_ROOT="${DROVER_KUBE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/drover/kube}"
OUT="$CACHE_ROOT/v$VERSION"
BIN="$OUT/bin"
STAMP="$BIN/.complete"

log() { echo "real-kube: $*" >&2; }

apt_ready=""
apt_install() {
  local missing=()
  for p in "$@"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
  [ ${#missing[@]} -eq 0 ] && return 0
  if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null; then
    log "cannot install ${missing[*]}: needs root and apt-get"; exit 1
  fi
  ensure_apt_sources
  log "apt-get install ${missing[*]}"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
}

ensure_apt_sources() {
  [ -n "$apt_ready" ] && return 0
  # Source packages need a deb-src entry for bookworm main, next to the machine's deb entry.
  if ! grep -rqs "deb-src" /etc/apt/sources.list /etc/apt/sources.list.d/; then
    local uri
    uri=$(grep -rhs '^URIs:' /etc/apt/sources.list.d/*.sources | grep -v security | head -1 | awk '{print $2}')
    cat > /etc/apt/sources.list.d/drover-src.sources <<SRC
Types: deb-src
URIs: ${uri:-http://deb.debian.org/debian}
Suites: bookworm
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SRC
  fi
  apt-get update -qq
  apt_ready=1
}

# etcd is a plain Debian package; install it whether or not the build is cached.
command -v etcd >/dev/null || apt_install etcd-server
command -v openssl >/dev/null || apt_install openssl

if [ -f "$STAMP" ] && [ -x "$BIN/kube-apiserver" ] && [ -x "$BIN/kube-controller-manager" ]; then
  log "reusing $BIN (v$VERSION)"
  echo "$BIN"; exit 0
fi

apt_install golang-go golang-github-modern-go-reflect2-dev rsync jq make
mkdir -p "$OUT"
WORK="$OUT/build"
rm -rf "$WORK"; mkdir -p "$WORK/dl"

log "downloading Debian source package kubernetes $SRC_PKG_VERSION"
ensure_apt_sources
(cd "$WORK/dl" && apt-get source --download-only -qq "kubernetes=$SRC_PKG_VERSION-1.1+deb12u1" >/dev/null 2>&1 \
  || apt-get source --download-only -qq kubernetes >/dev/null)
tarball=$(ls "$WORK"/dl/kubernetes_*.orig.tar.* | head -1)

GOPATH_DIR="$WORK/gopath"
TREE="$GOPATH_DIR/src/k8s.io/kubernetes"
mkdir -p "$TREE"
log "extracting $(basename "$tarball")"
tar -xf "$tarball" -C "$TREE" --strip-components=1

# reflect2 1.0.1 (vendored) crashes under Go >= 1.18 when the server pretty-prints JSON;
# Debian's 1.0.2 is API-compatible.
R2=/usr/share/gocode/src/github.com/modern-go/reflect2
rm -rf "$TREE/vendor/github.com/modern-go/reflect2"
mkdir -p "$TREE/vendor/github.com/modern-go/reflect2"
cp -r "$R2"/. "$TREE/vendor/github.com/modern-go/reflect2/"
rm -f "$TREE/vendor/github.com/modern-go/reflect2/go.mod" "$TREE/vendor/github.com/modern-go/reflect2/go.sum"

export GOPATH="$GOPATH_DIR" GO111MODULE=off GOPROXY=off GOFLAGS= CGO_ENABLED=0
export GOCACHE="$CACHE_ROOT/gocache"
cd "$TREE"
log "generating OpenAPI definitions (make gen_openapi)"
make gen_openapi >"$WORK/gen_openapi.log" 2>&1 || { tail -30 "$WORK/gen_openapi.log" >&2; exit 1; }

V=k8s.io/kubernetes/vendor/k8s.io
LDFLAGS=""
for pkg in "$V/component-base/version" "$V/client-go/pkg/version"; do
  LDFLAGS+=" -X $pkg.gitVersion=v$VERSION -X $pkg.gitMajor=1 -X $pkg.gitMinor=20 -X $pkg.gitTreeState=clean -X $pkg.gitCommit=debian-$SRC_PKG_VERSION"
done
mkdir -p "$BIN"
for cmd in kube-apiserver kube-controller-manager; do
  log "building $cmd (a cold build takes minutes on 2 cores)"
  go build -trimpath -ldflags "-s -w $LDFLAGS" -o "$BIN/$cmd.tmp" "./cmd/$cmd"
  mv "$BIN/$cmd.tmp" "$BIN/$cmd"
done
"$BIN/kube-apiserver" --version >&2
touch "$STAMP"
cd /; rm -rf "$WORK"
log "built into $BIN"
echo "$BIN"
