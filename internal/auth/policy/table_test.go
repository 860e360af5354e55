package policy_test

import (
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/parleychat/parley/internal/auth/policy"
)

// TestSecurityDocHasThePolicy keeps docs/security.md's table in step with the policy: one
// row per action, naming exactly who may do it.
func TestSecurityDocHasThePolicy(t *testing.T) {
	data, err := os.ReadFile("../../../docs/security.md")
	if err != nil {
		t.Fatal(err)
	}
	rows := map[string]string{}
	for _, line := range strings.Split(string(data), "\n") {
		cells := strings.Split(line, "|")
		if len(cells) < 4 || !strings.HasPrefix(strings.TrimSpace(cells[1]), "`") {
			continue
		}
		rows[strings.Trim(strings.TrimSpace(cells[1]), "`")] = strings.TrimSpace(cells[2])
	}
	actions := policy.Actions()
	slices.Sort(actions)
	for _, a := range actions {
		if got, want := rows[string(a)], policy.Who(a).String(); got != want {
			t.Errorf("docs/security.md: action %s says %q, the policy %q", a, got, want)
		}
		delete(rows, string(a))
	}
	for a := range rows {
		t.Errorf("docs/security.md names action %s, which the policy does not have", a)
	}
}
