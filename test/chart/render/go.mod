// The chart renderer: a stand-in for `helm template` (see main.go). CI builds it
// offline in GOPATH mode against Debian's packages (build.sh), where this file
// only marks the code as module-aware so that the /v3 import path resolves
// (Go's minimal module compatibility). The versions are the Debian bookworm ones.
module drover.dev/chartrender

go 1.19

require (
	github.com/Masterminds/semver/v3 v3.2.0
	github.com/Masterminds/sprig/v3 v3.2.3
	gopkg.in/yaml.v2 v2.4.0
)
