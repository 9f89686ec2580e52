#!/usr/bin/env bash
# Builds the chart renderer (a stand-in for `helm template`, see main.go) offline,
# in GOPATH mode, against Debian's Go packages:
#   apt-get install golang-go golang-github-masterminds-sprig-dev golang-gopkg-yaml.v2-dev
# The sources are copied into a throwaway GOPATH entry, because Go resolves the
# /v3 import paths of module-aware code (go.mod) only inside a GOPATH.
# Usage: test/chart/render/build.sh OUTPUT_BINARY
set -euo pipefail
out=${1:?usage: build.sh OUTPUT_BINARY}
src=$(cd "$(dirname "$0")" && pwd)
debian_gopath=${DEBIAN_GOPATH:-/usr/share/gocode}
for pkg in github.com/Masterminds/sprig github.com/Masterminds/semver gopkg.in/yaml.v2; do
  if [ ! -d "$debian_gopath/src/$pkg" ]; then
    echo "build.sh: $pkg is not in $debian_gopath; install it with:" >&2
    echo "  apt-get install golang-go golang-github-masterminds-sprig-dev golang-gopkg-yaml.v2-dev" >&2
    exit 1
  fi
done
gopath=$(mktemp -d)
trap 'rm -rf "$gopath"' EXIT
mkdir -p "$gopath/src/drover.dev/chartrender"
cp "$src"/*.go "$src/go.mod" "$gopath/src/drover.dev/chartrender/"
# Go needs a build cache; without HOME (some CI shells) it has no default one.
if [ -z "${GOCACHE:-}" ] && [ -z "${HOME:-}" ] && [ -z "${XDG_CACHE_HOME:-}" ]; then export GOCACHE=${TMPDIR:-/tmp}/drover-go-build; fi
GO111MODULE=off GOFLAGS= GOPATH="$gopath:$debian_gopath" go build -trimpath -o "$out" drover.dev/chartrender
