package catalog

import (
	"context"
	"errors"
	"regexp"
	"strings"

	"github.com/parleychat/parley/internal/auth/policy"
	"github.com/parleychat/parley/internal/errs"
	"github.com/parleychat/parley/internal/process/bpmn"
	"github.com/parleychat/parley/internal/store"
)

// Checked is the answer to a check: what publishing the draft would refuse, and what it would
// warn about. Nothing is written to find out.
type Checked struct {
	Problems []CheckProblem `json:"problems"`
	Warnings []Warning      `json:"warnings"`
}

// CheckProblem is one thing publish would refuse. Element is the id of the diagram element at
// fault when the problem is about one, so that a modeler can mark it; Field is where the
// problem was found as publish names it (an element id, "bpmn", "variables[0].name", "scope").
type CheckProblem struct {
	Element string `json:"element,omitempty"`
	Field   string `json:"field"`
	Message string `json:"message"`
}

// OnCheck registers a read-only twin of a publish hook: what the hook would warn about, found
// inside a read-only transaction, so that a check reports the same warnings as a publish.
func (c *Catalog) OnCheck(h PublishHook) {
	c.hooksMu.Lock()
	defer c.hooksMu.Unlock()
	c.checks = append(c.checks, h)
}

// Check runs publish's validation over a draft that need not be saved — the name, scope,
// variables and diagram in the body — and returns every problem and warning publish would
// report, without writing anything. When the draft names an existing process (code), the
// warnings include that process's bindings which the new version would no longer fit.
func (c *Catalog) Check(ctx context.Context, d Draft) (*Checked, error) {
	if err := policy.Check(ctx, policy.ProcessCheck); err != nil {
		return nil, err
	}
	if d.Scope == "" {
		d.Scope = "global"
	}
	if len(d.BPMN) > bpmn.MaxSize {
		return nil, errs.New(errs.TooLarge, "bpmn: the diagram is larger than %d bytes", bpmn.MaxSize)
	}
	out := &Checked{Problems: []CheckProblem{}, Warnings: []Warning{}}
	v := &Version{Code: d.Code, Name: d.Name, Scope: d.Scope, Variables: nonNilVars(d.Variables), BPMN: d.BPMN}
	// A read-write transaction that writes nothing: publish's checks of app tasks take a share
	// lock on the app (workspace.AppTx), which PostgreSQL refuses in a read-only one.
	err := c.db.Tx(ctx, func(tx *store.Tx) error {
		// The version a publish would make, so that warnings name it as publish's would.
		if d.Code != "" {
			err := tx.QueryRow(ctx, "SELECT published_version + 1 FROM process_definitions WHERE code = ?", d.Code).Scan(&v.Number)
			if err != nil && !errs.Is(err, errs.NotFound) {
				return err
			}
		}
		err := c.validate(ctx, tx, v)
		if errs.Is(err, errs.Invalid) || errs.Is(err, errs.NotFound) {
			out.Problems = checkProblems(err, d.BPMN)
			return nil
		}
		if err != nil {
			return err
		}
		out.Warnings = append(out.Warnings, modelWarnings(v)...)
		w, err := c.runHooks(ctx, tx, v, &c.checks)
		out.Warnings = append(out.Warnings, w...)
		return err
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// idAttr finds the ids a diagram declares. A problem's field is an element id exactly when
// the diagram declares it; matching the text rather than the parsed model works for the
// diagrams that do not parse too, which are those with problems.
var idAttr = regexp.MustCompile(`\sid="([^"]+)"`)

// checkProblems flattens publish's refusal into one line per problem, naming the element
// when there is one.
func checkProblems(err error, diagram string) []CheckProblem {
	var e *errs.Error
	if !errors.As(err, &e) {
		return []CheckProblem{{Message: err.Error()}}
	}
	list, _ := e.Details["problems"].([]errs.Problem)
	if len(list) == 0 {
		field, _ := e.Details["field"].(string)
		list = []errs.Problem{{Field: field, Message: strings.TrimPrefix(e.Message, field+": ")}}
	}
	ids := map[string]bool{}
	for _, m := range idAttr.FindAllStringSubmatch(diagram, -1) {
		ids[m[1]] = true
	}
	out := make([]CheckProblem, len(list))
	for i, p := range list {
		out[i] = CheckProblem{Field: p.Field, Message: p.Message}
		if ids[p.Field] {
			out[i].Element = p.Field
		}
	}
	return out
}
