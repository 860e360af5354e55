package catalog

import (
	"context"
	"encoding/json"
	"fmt"
	"github.com/parleychat/parley/internal/auth"
	"github.com/parleychat/parley/internal/auth/policy"
	"strconv"

	"github.com/parleychat/parley/internal/errs"
	"github.com/parleychat/parley/internal/process/bpmn"
	"github.com/parleychat/parley/internal/store"
)

// Warning is something a publish did not refuse but an administrator should know, such as an
// automation binding that no longer fits the new version.
type Warning struct {
	Source  string `json:"source"`
	Message string `json:"message"`
}

// PublishHook runs inside the publish transaction with the new version. An error refuses the
// publish; warnings are returned with the version.
type PublishHook func(ctx context.Context, tx *store.Tx, v *Version) ([]Warning, error)

// OnPublish registers a hook; other packages (automation) use it to re-check what depends on
// a process.
func (c *Catalog) OnPublish(h PublishHook) {
	c.hooksMu.Lock()
	defer c.hooksMu.Unlock()
	c.hooks = append(c.hooks, h)
}

// Published is the answer to a publish: the new version and the warnings of the hooks.
type Published struct {
	*Version
	Warnings []Warning `json:"warnings"`
}

// Publish validates the draft and freezes it as the next version. Validation reports every
// problem at once, each naming the element: unsupported elements, structure, expressions that
// do not compile or are not boolean, unknown variables, type mismatches, unknown users,
// groups and app fields.
func (c *Catalog) Publish(ctx context.Context, code string) (*Published, error) {
	return c.PublishOnce(ctx, code, store.Idempotency{})
}

// PublishOnce is Publish made safe to retry: a repeat with the same Idempotency-Key by the same
// administrator returns the version the first one made, and publishes nothing. The repeat's
// warnings are empty: they were the first answer's news, reported then.
func (c *Catalog) PublishOnce(ctx context.Context, code string, idem store.Idempotency) (*Published, error) {
	admin, err := policy.UserCan(ctx, policy.ProcessManage)
	if err != nil {
		return nil, err
	}
	// A key is the administrator's across all publishes, as its unique index has it; a key
	// that matches carries this request's fingerprint, path included, so the earlier version
	// is one of this process.
	load := func(tx *store.Tx, number string) (*Published, error) {
		n, err := strconv.Atoi(number)
		if err != nil {
			return nil, err
		}
		v, err := loadVersion(ctx, tx, code, n)
		return &Published{Version: v, Warnings: []Warning{}}, err
	}
	out, err := store.CreateOnce(ctx, c.db, idem, store.Target{Table: "process_versions", IDColumn: "number"},
		load, func(tx *store.Tx) (*Published, error) { return c.publishTx(ctx, tx, code, admin.ID, idem) })
	if err != nil {
		return nil, err
	}
	c.versions.Store(versionKey(out.Code, out.Number), out.Version)
	return out, nil
}

func (c *Catalog) publishTx(ctx context.Context, tx *store.Tx, code, by string, idem store.Idempotency) (*Published, error) {
	d, err := scanDefinition(tx.QueryRow(ctx, "SELECT "+definitionColumns+" FROM process_definitions WHERE code = ?"+tx.ForUpdate(), code))
	if err != nil {
		return nil, store.NotFound(err, "process %q not found", code)
	}
	v := &Version{Code: code, Number: d.PublishedVersion + 1, Name: d.Name, Scope: d.Scope,
		Variables: nonNilVars(d.Variables), BPMN: d.BPMN, PublishedAt: tx.Now(), PublishedBy: by}
	if err := c.validate(ctx, tx, v); err != nil {
		return nil, err
	}
	vars, _ := json.Marshal(v.Variables)
	if _, err := tx.Exec(ctx, `INSERT INTO process_versions (code, number, name, scope, variables, bpmn, published_at, published_by,
		created_by, idempotency_key, idempotency_hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		code, v.Number, v.Name, v.Scope, string(vars), v.BPMN, store.TS(v.PublishedAt), by, by, idem.KeyArg(), idem.HashArg()); err != nil {
		return nil, err
	}
	if _, err := tx.Exec(ctx, "UPDATE process_definitions SET published_version = ?, unpublished = ? WHERE code = ?", v.Number, false, code); err != nil {
		return nil, err
	}
	hooked, err := c.runHooks(ctx, tx, v, &c.hooks)
	if err != nil {
		return nil, err
	}
	warnings := append(modelWarnings(v), hooked...)
	if err := auth.Audit(ctx, tx, "process.publish", "process", code, map[string]int{"version": v.Number}); err != nil {
		return nil, err
	}
	return &Published{Version: v, Warnings: warnings}, nil
}

// validate is everything publish checks: the diagram and its expressions, then what needs the
// database (scope, users, groups, apps).
func (c *Catalog) validate(ctx context.Context, tx *store.Tx, v *Version) error {
	var list errs.List
	checkVariables(&list, v.Variables)
	if err := list.Err(); err != nil {
		return err
	}
	if v.BPMN == "" {
		return errs.Field("bpmn", "the process has no diagram; draw one before publishing")
	}
	if err := v.build(); err != nil {
		return err
	}
	if err := c.checkScope(ctx, tx, v.Scope); err != nil {
		return err
	}
	return c.checkReferences(ctx, tx, v)
}

// modelWarnings are what a published diagram holds that Parley will not run: an executable
// process after the first. Refusing would break files drawn with a second pool on purpose; not
// saying it would leave the author wondering why that pool never starts.
func modelWarnings(v *Version) []Warning {
	main := v.Model.Main()
	out := []Warning{}
	for _, p := range v.Model.Processes {
		if p.Executable && p != main {
			out = append(out, Warning{Source: "bpmn", Message: fmt.Sprintf(
				"process %s is executable but will never run: Parley starts only the first executable process of a file, %s; "+
					"mark the other isExecutable=\"false\" or publish it as a process of its own", processLabel(p), processLabel(main))})
		}
	}
	return out
}

// processLabel names a process as its author sees it: 'Name' (id), or the id alone.
func processLabel(p *bpmn.Process) string {
	if p.Name == "" {
		return p.ID
	}
	return fmt.Sprintf("'%s' (%s)", p.Name, p.ID)
}

// runHooks runs the publish hooks, or their read-only twins, in the order they were
// registered, and gathers their warnings.
func (c *Catalog) runHooks(ctx context.Context, tx *store.Tx, v *Version, list *[]PublishHook) ([]Warning, error) {
	c.hooksMu.RLock()
	hooks := append([]PublishHook(nil), *list...)
	c.hooksMu.RUnlock()
	warnings := []Warning{}
	for _, h := range hooks {
		w, err := h(ctx, tx, v)
		if err != nil {
			return nil, err
		}
		warnings = append(warnings, w...)
	}
	return warnings, nil
}

// Unpublish withdraws a process: running instances go on with their version, and nothing new
// starts until it is published again.
func (c *Catalog) Unpublish(ctx context.Context, code string) (*Definition, error) {
	if err := policy.Check(ctx, policy.ProcessManage); err != nil {
		return nil, err
	}
	var d *Definition
	err := c.db.Tx(ctx, func(tx *store.Tx) error {
		res, err := tx.Exec(ctx, "UPDATE process_definitions SET unpublished = ?, updated_at = ? WHERE code = ? AND published_version > 0",
			true, store.TS(tx.Now()), code)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			if _, err := definitionTx(ctx, tx, code); err != nil {
				return err
			}
			return errs.New(errs.Conflict, "process %s has no published version", code)
		}
		c.hooksMu.RLock()
		hooks := append([]UnpublishHook(nil), c.unpublish...)
		c.hooksMu.RUnlock()
		for _, h := range hooks {
			if err := h(ctx, tx, code); err != nil {
				return err
			}
		}
		if err := auth.Audit(ctx, tx, "process.unpublish", "process", code, nil); err != nil {
			return err
		}
		d, err = definitionTx(ctx, tx, code)
		return err
	})
	return d, err
}
