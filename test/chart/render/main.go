// Command render renders a Helm 3 chart the way `helm template` does, for the
// chart test (test/integration/chart) on machines where no helm binary can be
// installed. It implements the part of Helm that helm/drover uses, and fails
// where Helm would:
//
//   - Chart.yaml: apiVersion v2, name, a SemVer version, type application,
//     and its kubeVersion constraint checked against --kube-version;
//   - values: values.yaml with the -f files merged over it (values.go);
//   - templates: every file under templates/, parsed into one set, rendered
//     with .Values .Release .Chart .Capabilities .Template, sprig and Helm's own
//     functions (engine.go); partials (_*) are not rendered;
//   - output: each manifest parsed as YAML (a parse error fails, naming the
//     file), sorted in Helm's install order, under "# Source: <file>";
//     NOTES.txt is rendered too (its errors fail) and printed with --notes.
//
// Not implemented, so the chart must not use them: subcharts and
// dependencies, .Files, values.schema.json, --set, hooks, toToml, and lookup
// against a cluster (it answers an empty map, as `helm template` does).
//
// Usage: render [-f values.yaml]... [--namespace NS] [--kube-version v1.30.0]
//
//	[--api-versions group/version]... [--notes] RELEASE_NAME CHART_DIR
package main

import (
	"flag"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"sort"
	"strings"

	"github.com/Masterminds/semver/v3"
	"gopkg.in/yaml.v2"
)

// Metadata is Chart.yaml, with the field names templates use (.Chart.AppVersion).
type Metadata struct {
	APIVersion   string            `yaml:"apiVersion"`
	Name         string            `yaml:"name"`
	Version      string            `yaml:"version"`
	AppVersion   string            `yaml:"appVersion"`
	KubeVersion  string            `yaml:"kubeVersion"`
	Description  string            `yaml:"description"`
	Type         string            `yaml:"type"`
	Home         string            `yaml:"home"`
	Icon         string            `yaml:"icon"`
	Keywords     []string          `yaml:"keywords"`
	Sources      []string          `yaml:"sources"`
	Annotations  map[string]string `yaml:"annotations"`
	Dependencies []interface{}     `yaml:"dependencies"`
}

type stringList []string

func (s *stringList) String() string     { return strings.Join(*s, ",") }
func (s *stringList) Set(v string) error { *s = append(*s, v); return nil }

func main() {
	var valueFiles, apiVersions stringList
	flags := flag.NewFlagSet("render", flag.ContinueOnError)
	flags.Var(&valueFiles, "f", "values file merged over the chart's values.yaml (repeatable; later files win)")
	flags.Var(&valueFiles, "values", "same as -f")
	namespace := flags.String("namespace", "default", ".Release.Namespace")
	kubeVersion := flags.String("kube-version", "v1.30.0", ".Capabilities.KubeVersion")
	flags.Var(&apiVersions, "api-versions", "extra .Capabilities.APIVersions (repeatable)")
	notes := flags.Bool("notes", false, "print the rendered NOTES.txt after the manifests")
	if err := flags.Parse(os.Args[1:]); err != nil {
		os.Exit(2)
	}
	if flags.NArg() != 2 {
		fmt.Fprintln(os.Stderr, "usage: render [flags] RELEASE_NAME CHART_DIR")
		os.Exit(2)
	}
	out, err := run(flags.Arg(0), flags.Arg(1), *namespace, *kubeVersion, apiVersions, valueFiles, *notes)
	if err != nil {
		fmt.Fprintf(os.Stderr, "Error: %s\n", err)
		os.Exit(1)
	}
	fmt.Print(out)
}

func run(release, chartDir, namespace, kubeVersion string, apiVersions, valueFiles []string, withNotes bool) (string, error) {
	meta, err := loadMetadata(chartDir)
	if err != nil {
		return "", err
	}
	caps, err := newCapabilities(kubeVersion, apiVersions)
	if err != nil {
		return "", err
	}
	if meta.KubeVersion != "" {
		constraint, err := semver.NewConstraint(meta.KubeVersion)
		if err != nil {
			return "", fmt.Errorf("validation: chart.metadata.kubeVersion %q is invalid: %v", meta.KubeVersion, err)
		}
		if v, _ := semver.NewVersion(caps.KubeVersion.Version); !constraint.Check(v) {
			return "", fmt.Errorf("chart requires kubeVersion: %s which is incompatible with Kubernetes %s", meta.KubeVersion, caps.KubeVersion.Version)
		}
	}
	values, err := loadValues(filepath.Join(chartDir, "values.yaml"), valueFiles)
	if err != nil {
		return "", err
	}
	templates, err := loadTemplates(chartDir, meta.Name)
	if err != nil {
		return "", err
	}
	top := map[string]interface{}{
		"Values":       values,
		"Chart":        meta,
		"Capabilities": caps,
		"Release": map[string]interface{}{
			"Name": release, "Namespace": namespace, "Service": "Helm", "IsInstall": true, "IsUpgrade": false, "Revision": 1,
		},
	}
	rendered, err := renderAll(templates, top, meta.Name+"/templates")
	if err != nil {
		return "", err
	}
	return formatOutput(rendered, withNotes)
}

// loadMetadata reads and checks Chart.yaml as Helm's chart.Validate does.
func loadMetadata(chartDir string) (*Metadata, error) {
	data, err := os.ReadFile(filepath.Join(chartDir, "Chart.yaml"))
	if err != nil {
		return nil, fmt.Errorf("%s is not a chart: %v", chartDir, err)
	}
	meta := &Metadata{}
	if err := yaml.Unmarshal(data, meta); err != nil {
		return nil, fmt.Errorf("cannot load Chart.yaml: %v", err)
	}
	switch {
	case meta.APIVersion != "v2":
		return nil, fmt.Errorf("validation: chart.metadata.apiVersion %q: only v2 charts are supported", meta.APIVersion)
	case meta.Name == "":
		return nil, fmt.Errorf("validation: chart.metadata.name is required")
	case meta.Version == "":
		return nil, fmt.Errorf("validation: chart.metadata.version is required")
	case meta.Type != "" && meta.Type != "application":
		return nil, fmt.Errorf("validation: chart.metadata.type %q cannot be rendered (application charts only)", meta.Type)
	case len(meta.Dependencies) > 0:
		return nil, fmt.Errorf("chart %s has dependencies, which this renderer does not implement", meta.Name)
	}
	if _, err := semver.StrictNewVersion(meta.Version); err != nil {
		return nil, fmt.Errorf("validation: chart.metadata.version %q is invalid", meta.Version)
	}
	return meta, nil
}

// loadTemplates reads every file under templates/, named as Helm names them: <chart>/templates/<path>.
func loadTemplates(chartDir, chartName string) (map[string]string, error) {
	root := filepath.Join(chartDir, "templates")
	templates := map[string]string{}
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(root, p)
		data, err := os.ReadFile(p)
		templates[path.Join(chartName, "templates", filepath.ToSlash(rel))] = string(data)
		return err
	})
	return templates, err
}

// Helm's releaseutil.InstallOrder: kinds not listed go last, by kind name.
var installOrder = strings.Fields(`PriorityClass Namespace NetworkPolicy ResourceQuota LimitRange PodSecurityPolicy
	PodDisruptionBudget ServiceAccount Secret SecretList ConfigMap StorageClass PersistentVolume PersistentVolumeClaim
	CustomResourceDefinition ClusterRole ClusterRoleList ClusterRoleBinding ClusterRoleBindingList Role RoleList
	RoleBinding RoleBindingList Service DaemonSet Pod ReplicationController ReplicaSet Deployment
	HorizontalPodAutoscaler StatefulSet Job CronJob IngressClass Ingress APIService`)

// Helm's releaseutil.SplitManifests separator.
var docSeparator = regexp.MustCompile(`(?:^|\s*\n)---\s*`)

type manifest struct {
	source, content, kind string
	order                 int
}

func kindOrder(kind string) int {
	for i, k := range installOrder {
		if k == kind {
			return i
		}
	}
	return len(installOrder)
}

// formatOutput prints the manifests as `helm template` does, checking that each parses as YAML.
func formatOutput(rendered map[string]string, withNotes bool) (string, error) {
	var manifests []manifest
	notes := ""
	for source, text := range rendered {
		if strings.HasSuffix(source, "NOTES.txt") {
			notes = text
			continue
		}
		for _, doc := range docSeparator.Split(text, -1) {
			if strings.TrimSpace(doc) == "" {
				continue
			}
			var head struct {
				Kind string `yaml:"kind"`
			}
			if err := yaml.Unmarshal([]byte(doc), &head); err != nil {
				return "", fmt.Errorf("YAML parse error on %s: %v", source, err)
			}
			manifests = append(manifests, manifest{source: source, content: strings.TrimSpace(doc), kind: head.Kind, order: len(manifests)})
		}
	}
	sort.SliceStable(manifests, func(i, j int) bool {
		a, b := manifests[i], manifests[j]
		if oa, ob := kindOrder(a.kind), kindOrder(b.kind); oa != ob || (oa == len(installOrder) && a.kind != b.kind) {
			if oa == ob {
				return a.kind < b.kind
			}
			return oa < ob
		}
		if a.source != b.source {
			return a.source < b.source
		}
		return a.order < b.order
	})
	var out strings.Builder
	for _, m := range manifests {
		fmt.Fprintf(&out, "---\n# Source: %s\n%s\n", m.source, m.content)
	}
	if withNotes && strings.TrimSpace(notes) != "" {
		fmt.Fprintf(&out, "\nNOTES:\n%s\n", strings.TrimSpace(notes))
	}
	return out.String(), nil
}
