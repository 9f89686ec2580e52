package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"path"
	"regexp"
	"sort"
	"strings"
	"text/template"

	sprig "github.com/Masterminds/sprig/v3"
	"gopkg.in/yaml.v2"
)

// Helm marks the messages of required and fail so that cleanupExecError can
// show them alone: "execution error at (file:line:col): message".
const (
	warnStart       = "HELM_ERR_START"
	warnEnd         = "HELM_ERR_END"
	maxIncludeDepth = 1000
)

var warnRegex = regexp.MustCompile(warnStart + `((?s).*)` + warnEnd)

func warnWrap(msg string) string { return warnStart + msg + warnEnd }

// engine is one template set holding every file of the chart, as Helm's engine builds it.
type engine struct {
	set      *template.Template
	includes map[string]int
}

// renderAll parses every template and renders the non-partials with `top`
// (plus .Template), like Helm's Engine.Render for a chart without subcharts.
func renderAll(templates map[string]string, top map[string]interface{}, basePath string) (rendered map[string]string, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("rendering template failed: %v", r)
		}
	}()
	e := &engine{includes: map[string]int{}}
	// missingkey=zero, then "<no value>" removed from the output: Helm's non-strict mode.
	e.set = template.New("gotpl").Option("missingkey=zero").Funcs(e.funcs())
	names := make([]string, 0, len(templates))
	for name := range templates {
		names = append(names, name)
	}
	// Helm's parse order: deeper paths first, then names in reverse. A later `define` of a
	// name replaces an earlier one, so the shallowest file's wins.
	sort.Slice(names, func(i, j int) bool {
		di, dj := strings.Count(names[i], "/"), strings.Count(names[j], "/")
		if di != dj {
			return di > dj
		}
		return names[i] > names[j]
	})
	for _, name := range names {
		if _, err := e.set.New(name).Parse(templates[name]); err != nil {
			return nil, cleanupParseError(name, err)
		}
	}
	rendered = map[string]string{}
	for _, name := range names {
		if strings.HasPrefix(path.Base(name), "_") {
			continue
		}
		vals := map[string]interface{}{"Template": map[string]interface{}{"Name": name, "BasePath": basePath}}
		for k, v := range top {
			vals[k] = v
		}
		var buf strings.Builder
		if err := e.set.ExecuteTemplate(&buf, name, vals); err != nil {
			return nil, cleanupExecError(name, err)
		}
		rendered[name] = strings.ReplaceAll(buf.String(), "<no value>", "")
	}
	return rendered, nil
}

// funcs is Helm's function map: sprig without env/expandenv, and Helm's own functions.
func (e *engine) funcs() template.FuncMap {
	f := sprig.TxtFuncMap()
	delete(f, "env")
	delete(f, "expandenv")
	f["toYaml"] = toYAML
	f["fromYaml"] = func(s string) map[string]interface{} {
		m, err := parseValues([]byte(s))
		if err != nil {
			return map[string]interface{}{"Error": err.Error()}
		}
		return m
	}
	f["fromYamlArray"] = func(s string) []interface{} {
		var a []interface{}
		if err := fromYAMLInto(s, &a); err != nil {
			return []interface{}{err.Error()}
		}
		return a
	}
	f["fromJsonArray"] = func(s string) []interface{} {
		var a []interface{}
		if err := json.Unmarshal([]byte(s), &a); err != nil {
			return []interface{}{err.Error()}
		}
		return a
	}
	f["toJson"] = func(v interface{}) string {
		data, err := json.Marshal(v)
		if err != nil {
			return ""
		}
		return string(data)
	}
	f["fromJson"] = func(s string) map[string]interface{} {
		m := map[string]interface{}{}
		if err := json.Unmarshal([]byte(s), &m); err != nil {
			m["Error"] = err.Error()
		}
		return m
	}
	// `helm template` has no cluster to look in: lookup answers an empty map.
	f["lookup"] = func(apiVersion, kind, namespace, name string) (map[string]interface{}, error) {
		return map[string]interface{}{}, nil
	}
	f["required"] = func(msg string, val interface{}) (interface{}, error) {
		if s, isString := val.(string); val == nil || (isString && s == "") {
			return val, errors.New(warnWrap(msg))
		}
		return val, nil
	}
	f["fail"] = func(msg string) (string, error) { return "", errors.New(warnWrap(msg)) }
	f["include"] = e.include
	f["tpl"] = e.tpl
	return f
}

// include renders a named template to a string; a template that does not exist fails.
func (e *engine) include(name string, data interface{}) (string, error) {
	if e.includes[name] > maxIncludeDepth {
		return "", fmt.Errorf("rendering template has a nested reference name: %s: unable to execute template", name)
	}
	e.includes[name]++
	defer func() { e.includes[name]-- }()
	var buf strings.Builder
	err := e.set.ExecuteTemplate(&buf, name, data)
	return buf.String(), err
}

// tpl renders a string as a template of the current file, with every `define` of the chart in reach.
func (e *engine) tpl(text string, vals interface{}) (string, error) {
	top, _ := vals.(map[string]interface{})
	meta, _ := top["Template"].(map[string]interface{})
	name, _ := meta["Name"].(string)
	if name == "" {
		return "", fmt.Errorf("cannot retrieve Template.Name from values inside tpl function: %s", text)
	}
	set, err := e.set.Clone()
	if err != nil {
		return "", err
	}
	if _, err := set.New(name).Parse(text); err != nil {
		return "", fmt.Errorf("error during tpl function execution for %q: %v", text, cleanupParseError(name, err))
	}
	var buf strings.Builder
	if err := set.ExecuteTemplate(&buf, name, vals); err != nil {
		return "", fmt.Errorf("error during tpl function execution for %q: %w", text, err)
	}
	return strings.ReplaceAll(buf.String(), "<no value>", ""), nil
}

// toYAML is Helm's: through JSON (so struct tags and key order are JSON's), then YAML, keys sorted.
func toYAML(v interface{}) string {
	j, err := json.Marshal(v)
	if err != nil {
		return ""
	}
	var obj interface{}
	if err := yaml.Unmarshal(j, &obj); err != nil {
		return ""
	}
	out, err := yaml.Marshal(obj)
	if err != nil {
		return ""
	}
	return strings.TrimSuffix(string(out), "\n")
}

func fromYAMLInto(s string, target interface{}) error {
	var raw interface{}
	if err := yaml.Unmarshal([]byte(s), &raw); err != nil {
		return err
	}
	j, err := json.Marshal(stringKeys(raw))
	if err != nil {
		return err
	}
	return json.Unmarshal(j, target)
}

// cleanupParseError and cleanupExecError shorten Go's template errors as Helm's engine does.
func cleanupParseError(name string, err error) error {
	tokens := strings.Split(err.Error(), ": ")
	if len(tokens) == 1 {
		return fmt.Errorf("parse error in (%s): %s", name, err)
	}
	return fmt.Errorf("parse error at (%s): %s", tokens[1], tokens[len(tokens)-1])
}

func cleanupExecError(name string, err error) error {
	var execErr template.ExecError
	if !errors.As(err, &execErr) {
		return err
	}
	tokens := strings.SplitN(err.Error(), ": ", 3)
	if len(tokens) != 3 {
		return fmt.Errorf("execution error in (%s): %s", name, err)
	}
	if parts := warnRegex.FindStringSubmatch(tokens[2]); len(parts) >= 2 {
		return fmt.Errorf("execution error at (%s): %s", tokens[1], parts[1])
	}
	return err
}
