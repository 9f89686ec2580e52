package main

import (
	"encoding/json"
	"fmt"
	"os"

	"github.com/Masterminds/semver/v3"
	"gopkg.in/yaml.v2"
)

// loadValues builds .Values as `helm template -f a.yaml -f b.yaml` does: the
// -f files merged in order (maps merge key by key, later files win), then
// coalesced over the chart's values.yaml (a null from a file deletes the
// chart's default, as in Helm).
func loadValues(chartValues string, files []string) (map[string]interface{}, error) {
	defaults := map[string]interface{}{}
	if data, err := os.ReadFile(chartValues); err == nil {
		if defaults, err = parseValues(data); err != nil {
			return nil, fmt.Errorf("cannot load values.yaml: %v", err)
		}
	} else if !os.IsNotExist(err) {
		return nil, err
	}
	user := map[string]interface{}{}
	for _, file := range files {
		data, err := os.ReadFile(file)
		if err != nil {
			return nil, err
		}
		vals, err := parseValues(data)
		if err != nil {
			return nil, fmt.Errorf("failed to parse %s: %v", file, err)
		}
		user = mergeMaps(user, vals)
	}
	return coalesce(user, defaults), nil
}

// parseValues reads YAML the way Helm does (sigs.k8s.io/yaml: YAML, then
// JSON, then Go), so maps are map[string]interface{} and every number is a
// float64: `{{ .Values.x }}` prints 1000000 as 1e+06 here as in Helm.
func parseValues(data []byte) (map[string]interface{}, error) {
	var raw interface{}
	if err := yaml.Unmarshal(data, &raw); err != nil {
		return nil, err
	}
	if raw == nil {
		return map[string]interface{}{}, nil
	}
	j, err := json.Marshal(stringKeys(raw))
	if err != nil {
		return nil, err
	}
	out := map[string]interface{}{}
	if err := json.Unmarshal(j, &out); err != nil {
		return nil, fmt.Errorf("the document must be a mapping: %v", err)
	}
	return out, nil
}

// stringKeys turns yaml.v2's map[interface{}]interface{} into JSON-able maps.
func stringKeys(v interface{}) interface{} {
	switch t := v.(type) {
	case map[interface{}]interface{}:
		m := make(map[string]interface{}, len(t))
		for k, val := range t {
			m[fmt.Sprint(k)] = stringKeys(val)
		}
		return m
	case []interface{}:
		for i := range t {
			t[i] = stringKeys(t[i])
		}
	}
	return v
}

// mergeMaps is Helm's cli/values mergeMaps: b over a, recursing into maps.
func mergeMaps(a, b map[string]interface{}) map[string]interface{} {
	out := make(map[string]interface{}, len(a))
	for k, v := range a {
		out[k] = v
	}
	for k, v := range b {
		if vm, ok := v.(map[string]interface{}); ok {
			if am, ok := out[k].(map[string]interface{}); ok {
				out[k] = mergeMaps(am, vm)
				continue
			}
		}
		out[k] = v
	}
	return out
}

// coalesce is Helm's coalesceTables: the user's values win, maps merge
// recursively, a user null removes the default, and a map never replaces a
// scalar (or the reverse): the user's value is kept.
func coalesce(user, defaults map[string]interface{}) map[string]interface{} {
	for k, dv := range defaults {
		uv, ok := user[k]
		switch {
		case !ok:
			user[k] = dv
		case uv == nil:
			delete(user, k)
		default:
			um, uIsMap := uv.(map[string]interface{})
			dm, dIsMap := dv.(map[string]interface{})
			if uIsMap && dIsMap {
				coalesce(um, dm)
			}
		}
	}
	return user
}

// Capabilities is the minimal .Capabilities: a Kubernetes version and the API versions it serves.
type Capabilities struct {
	KubeVersion KubeVersion
	APIVersions VersionSet
	HelmVersion map[string]string
}

type KubeVersion struct{ Version, Major, Minor, GitVersion string }

func (k KubeVersion) String() string { return k.Version }

// VersionSet offers .Capabilities.APIVersions.Has "policy/v1".
type VersionSet []string

func (v VersionSet) Has(apiVersion string) bool {
	for _, x := range v {
		if x == apiVersion {
			return true
		}
	}
	return false
}

// The built-in group versions of a current Kubernetes; CRDs' come from --api-versions, as in Helm.
var builtinAPIVersions = []string{
	"v1", "apps/v1", "batch/v1", "autoscaling/v1", "autoscaling/v2", "policy/v1", "rbac.authorization.k8s.io/v1",
	"networking.k8s.io/v1", "storage.k8s.io/v1", "apiextensions.k8s.io/v1", "admissionregistration.k8s.io/v1",
	"coordination.k8s.io/v1", "discovery.k8s.io/v1", "scheduling.k8s.io/v1", "events.k8s.io/v1", "node.k8s.io/v1",
	"authentication.k8s.io/v1", "authorization.k8s.io/v1", "certificates.k8s.io/v1",
}

func newCapabilities(kubeVersion string, extra []string) (*Capabilities, error) {
	v, err := semver.NewVersion(kubeVersion)
	if err != nil {
		return nil, fmt.Errorf("invalid --kube-version %q: %v", kubeVersion, err)
	}
	version := "v" + v.String()
	return &Capabilities{
		KubeVersion: KubeVersion{Version: version, GitVersion: version, Major: fmt.Sprint(v.Major()), Minor: fmt.Sprint(v.Minor())},
		APIVersions: append(append(VersionSet{}, builtinAPIVersions...), extra...),
		HelmVersion: map[string]string{"Version": "v3-compatible (test renderer)"},
	}, nil
}
