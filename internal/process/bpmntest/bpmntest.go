// Package bpmntest finds the public BPMN conformance corpus for the tests that read it. The
// corpus is not part of the repository: a checkout finds it through PARLEY_BPMN_CORPUS, or
// at ../shared/testdata/bpmn beside the repository when that folder exists. Without it the
// corpus tests skip with a line saying how to run them, so a plain clone passes its tests;
// under CI (CI=true) a missing corpus fails the test instead, as a missing PostgreSQL does.
// The engine's own tests cover every supported element with models the repository holds.
package bpmntest

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"
)

// Variable names the folder of the corpus's .bpmn files.
const Variable = "PARLEY_BPMN_CORPUS"

// Lookup returns the corpus folder, or "" and why it is not there.
func Lookup() (dir, why string) {
	if dir := os.Getenv(Variable); dir != "" {
		if !hasModels(dir) {
			return "", fmt.Sprintf("%s=%s holds no .bpmn files", Variable, dir)
		}
		return dir, ""
	}
	root, err := repoRoot()
	if err != nil {
		return "", err.Error()
	}
	dir = filepath.Join(filepath.Dir(root), "shared", "testdata", "bpmn")
	if !hasModels(dir) {
		return "", fmt.Sprintf("%s is unset and %s does not exist", Variable, dir)
	}
	return dir, ""
}

// Dir returns the corpus folder. Without it, t is skipped with how to run it, or fails
// under CI, which runs every suite.
func Dir(t testing.TB) string {
	t.Helper()
	dir, why := Lookup()
	if dir != "" {
		return dir
	}
	if os.Getenv("CI") == "true" {
		t.Fatalf("the BPMN corpus is required in CI: %s", why)
	}
	t.Skipf("the public BPMN corpus is not here (%s); run with %s=/path/to/shared/testdata/bpmn", why, Variable)
	return ""
}

// File returns one corpus file's text; a missing file fails t.
func File(t testing.TB, name string) string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(Dir(t), name))
	if err != nil {
		t.Fatalf("the BPMN corpus file %s is missing: %v", name, err)
	}
	return string(data)
}

func hasModels(dir string) bool {
	files, err := filepath.Glob(filepath.Join(dir, "*.bpmn"))
	return err == nil && len(files) > 0
}

// repoRoot is the nearest folder above the working directory (a test's package folder)
// that holds go.mod.
func repoRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", fmt.Errorf("no go.mod above the working directory")
		}
		dir = parent
	}
}
