package catalog

import (
	"context"
	"encoding/json"
	"maps"
	"slices"
	"strconv"
	"time"

	"github.com/parleychat/parley/internal/errs"
	"github.com/parleychat/parley/internal/process/bpmn"
	"github.com/parleychat/parley/internal/process/program"
	"github.com/parleychat/parley/internal/store"
	"github.com/parleychat/parley/internal/value"
)

// Version is one published, immutable version of a process. The parsed model and the
// compiled expressions are kept in memory per (code, number): since a version never changes,
// the cache never needs invalidating.
type Version struct {
	Code        string     `json:"code"`
	Number      int        `json:"number"`
	Name        string     `json:"name"`
	Scope       string     `json:"scope"`
	Variables   []Variable `json:"variables"`
	BPMN        string     `json:"bpmn"`
	PublishedAt time.Time  `json:"published_at"`
	PublishedBy string     `json:"published_by"`

	// Model is the parsed diagram and Process its executable process.
	Model   *bpmn.Definitions `json:"-"`
	Process *bpmn.Process     `json:"-"`
	program *program.Program
	vars    map[string]Variable
}

// Program returns the version's compiled expressions.
func (v *Version) Program() *program.Program { return v.program }

// Variable returns the declared variable called name.
func (v *Version) Variable(name string) (Variable, bool) {
	x, ok := v.vars[name]
	return x, ok
}

// build parses and compiles the version's diagram against its variables; every problem comes
// back at once, naming its element.
func (v *Version) build() error {
	d, err := bpmn.Parse([]byte(v.BPMN))
	if err != nil {
		return value.InField("bpmn", err)
	}
	v.Model, v.Process = d, d.Main()
	v.vars = make(map[string]Variable, len(v.Variables))
	types := make(map[string]value.Type, len(v.Variables))
	for _, x := range v.Variables {
		v.vars[x.Name], types[x.Name] = x, x.Type
	}
	v.program, err = program.Compile(v.Process, types)
	return err
}

func versionKey(code string, n int) string { return code + "\x00" + strconv.Itoa(n) }

// LatestVersionTx returns the newest published version of a process: not_found when there is
// no such process, conflict when it was never published or has been unpublished.
func (c *Catalog) LatestVersionTx(ctx context.Context, tx *store.Tx, code string) (*Version, error) {
	var n int
	var unpublished bool
	err := tx.QueryRow(ctx, "SELECT published_version, unpublished FROM process_definitions WHERE code = ?", code).Scan(&n, &unpublished)
	if err != nil {
		return nil, store.NotFound(err, "process %q not found", code)
	}
	if n == 0 || unpublished {
		return nil, errs.New(errs.Conflict, "process %s has no published version", code).With("process", code)
	}
	return c.VersionTx(ctx, tx, code, n)
}

// VersionTx returns one published version, from the cache when it is there.
func (c *Catalog) VersionTx(ctx context.Context, tx *store.Tx, code string, n int) (*Version, error) {
	if v, ok := c.versions.Load(versionKey(code, n)); ok {
		return v.(*Version), nil
	}
	v, err := loadVersion(ctx, tx, code, n)
	if err != nil {
		return nil, err
	}
	if err := v.build(); err != nil {
		// It compiled when it was published; failing now means this binary reads it
		// differently, which an administrator must hear about rather than have guessed.
		return nil, errs.New(errs.Conflict, "version %d of process %s no longer compiles: %v", n, code, err)
	}
	actual, _ := c.versions.LoadOrStore(versionKey(code, n), v)
	return actual.(*Version), nil
}

// Version returns one published version.
func (c *Catalog) Version(ctx context.Context, code string, n int) (*Version, error) {
	var v *Version
	err := c.db.Read(ctx, func(tx *store.Tx) (err error) {
		v, err = c.VersionTx(ctx, tx, code, n)
		return err
	})
	return v, err
}

// LatestVersion is LatestVersionTx in its own read transaction.
func (c *Catalog) LatestVersion(ctx context.Context, code string) (*Version, error) {
	var v *Version
	err := c.db.Read(ctx, func(tx *store.Tx) (err error) {
		v, err = c.LatestVersionTx(ctx, tx, code)
		return err
	})
	return v, err
}

func loadVersion(ctx context.Context, tx *store.Tx, code string, n int) (*Version, error) {
	v := &Version{Code: code, Number: n}
	var vars string
	var at store.Timestamp
	err := tx.QueryRow(ctx, `SELECT name, scope, variables, bpmn, published_at, published_by FROM process_versions
		WHERE code = ? AND number = ?`, code, n).Scan(&v.Name, &v.Scope, &vars, &v.BPMN, &at, &v.PublishedBy)
	if err != nil {
		return nil, store.NotFound(err, "process %s has no version %d", code, n)
	}
	v.PublishedAt = at.Time
	if err := json.Unmarshal([]byte(vars), &v.Variables); err != nil {
		return nil, err
	}
	return v, nil
}

// PublishedVersionsTx returns the newest published version of every process that has one and
// is not unpublished, for checks that span processes (such as removing an app field).
func (c *Catalog) PublishedVersionsTx(ctx context.Context, tx *store.Tx) ([]*Version, error) {
	return c.VersionsWhere(ctx, tx, "SELECT code, published_version FROM process_definitions WHERE published_version > 0 AND unpublished = ? ORDER BY code", false)
}

// VersionsWhere loads the versions named by a query returning (code, version) rows. The rows
// are read whole before any version is loaded, since loading runs queries of its own.
func (c *Catalog) VersionsWhere(ctx context.Context, tx *store.Tx, query string, args ...any) ([]*Version, error) {
	rows, err := tx.Query(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	type ref struct {
		code string
		n    int
	}
	var refs []ref
	for rows.Next() {
		var r ref
		if err := rows.Scan(&r.code, &r.n); err != nil {
			rows.Close()
			return nil, err
		}
		refs = append(refs, r)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	out := make([]*Version, 0, len(refs))
	for _, r := range refs {
		v, err := c.VersionTx(ctx, tx, r.code, r.n)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, nil
}

// ActsOnChat reports whether the version has a livechat.* task: an instance of it may write
// to its session, and so take the chat's outbox counter, which a caller that starts many
// instances in one transaction must not hold while it goes on (see automation's dispatcher).
func (v *Version) ActsOnChat() bool {
	for _, el := range v.Process.ElementOrder {
		if el.Service == nil {
			continue
		}
		switch el.Service.Type {
		case bpmn.TypeReply, bpmn.TypeClose, bpmn.TypeAssign:
			return true
		}
	}
	return false
}

// CheckInputs checks a start's inputs against the declared variables and reports every
// problem at once.
func (v *Version) CheckInputs(inputs map[string]value.Value) (map[string]value.Value, error) {
	var list errs.List
	vars := make(map[string]value.Value, len(v.Variables))
	for _, name := range slices.Sorted(maps.Keys(inputs)) {
		val := inputs[name]
		x, ok := v.vars[name]
		switch {
		case !ok:
			list.Add(name, "process %s has no variable %q", v.Code, name)
		case val.IsNull():
		case !value.Assignable(val.Type(), x.Type):
			list.Add(name, "variable %s is %s, got a value of type %s", name, x.Type, val.Type())
		default:
			vars[name] = val
		}
	}
	for _, x := range v.Variables {
		if _, ok := vars[x.Name]; x.Required && !ok {
			list.Add(x.Name, "variable %s (%s) is required", x.Name, x.Type)
		}
	}
	return vars, list.Err()
}

// ParseInputs reads JSON inputs into typed values of the version's variables, naming each
// unknown variable and each value of the wrong type.
func (v *Version) ParseInputs(raw map[string]json.RawMessage) (map[string]value.Value, error) {
	var list errs.List
	out := make(map[string]value.Value, len(raw))
	for _, name := range slices.Sorted(maps.Keys(raw)) {
		x, ok := v.vars[name]
		if !ok {
			list.Add(name, "process %s has no variable %q", v.Code, name)
			continue
		}
		if val, ok, err := ParseValue(&list, name, x.Type, raw[name]); err != nil {
			return nil, err
		} else if ok {
			out[name] = val
		}
	}
	return out, list.Err()
}

// ParseValue reads one JSON value of a variable's type (null allowed). A value that does not
// fit is added to list under the variable's name and ok is false; any other failure is err.
func ParseValue(list *errs.List, name string, t value.Type, raw json.RawMessage) (val value.Value, ok bool, err error) {
	val, err = value.Options{AllowNull: true}.Parse(t, raw)
	if e, isUser := err.(*errs.Error); isUser {
		list.Add(name, "%s", e.Message)
		return val, false, nil
	}
	return val, err == nil, err
}
