package catalog

import (
	"context"
	"strings"

	"github.com/parleychat/parley/internal/errs"
	"github.com/parleychat/parley/internal/process/bpmn"
	"github.com/parleychat/parley/internal/process/program"
	"github.com/parleychat/parley/internal/store"
	"github.com/parleychat/parley/internal/value"
)

// checkReferences checks at publish what the diagram names outside itself: users and groups of
// user tasks, and the apps and fields of app tasks, so that a typo is refused at publish and
// not discovered when the first customer writes.
func (c *Catalog) checkReferences(ctx context.Context, tx *store.Tx, v *Version) error {
	var list errs.List
	if err := c.checkItemVariables(ctx, tx, &list, v.Variables); err != nil {
		return err
	}
	for _, e := range v.Process.ElementOrder {
		var err error
		switch {
		case e.User != nil:
			err = checkAssignee(ctx, tx, &list, e)
		case e.Service != nil && (e.Service.Type == bpmn.TypeCreateItem || e.Service.Type == bpmn.TypeUpdateItem):
			err = c.checkAppTask(ctx, tx, &list, v, e)
		}
		if err != nil {
			return err
		}
	}
	return list.Err()
}

// checkItemVariables makes sure that the app of every item:<ws>/<app> variable exists, as an
// app's item fields must: otherwise no value could ever be given to the variable, and the
// process would fail on its first start instead of at publish.
func (c *Catalog) checkItemVariables(ctx context.Context, tx *store.Tx, list *errs.List, vars []Variable) error {
	for i, x := range vars {
		if x.Type.Kind != value.KindItem {
			continue
		}
		field := "variables[" + itoa(i) + "].type"
		if c.apps() == nil {
			list.Add(field, "variable %q has type %s, but workspaces are not available", x.Name, x.Type)
			continue
		}
		err := c.apps().ScopeExists(ctx, tx, x.Type.Workspace+"/"+x.Type.App)
		if errs.Is(err, errs.Invalid) || errs.Is(err, errs.NotFound) {
			list.Add(field, "variable %q has type %s, whose app %s/%s does not exist", x.Name, x.Type, x.Type.Workspace, x.Type.App)
		} else if err != nil {
			return err
		}
	}
	return nil
}

func checkAssignee(ctx context.Context, tx *store.Tx, list *errs.List, e *bpmn.Element) error {
	a := e.User.Assignee
	if a.User != "" {
		if _, err := UserIDByLogin(ctx, tx, a.User); errs.Is(err, errs.NotFound) {
			list.Add(e.ID, "userTask %s is assigned to the user %q, who does not exist", e.ID, a.User)
		} else if err != nil {
			return err
		}
	}
	for _, g := range a.Groups {
		if _, err := GroupIDByName(ctx, tx, g); errs.Is(err, errs.NotFound) {
			list.Add(e.ID, "userTask %s is offered to the group %q, which does not exist", e.ID, g)
		} else if err != nil {
			return err
		}
	}
	return nil
}

// UserIDByLogin finds a user by login. Diagrams name people by login because ids are not
// something a modeller knows.
func UserIDByLogin(ctx context.Context, tx *store.Tx, login string) (string, error) {
	var id string
	err := tx.QueryRow(ctx, "SELECT id FROM users WHERE login = ?", login).Scan(&id)
	return id, store.NotFound(err, "user %q does not exist", login)
}

// GroupIDByName finds a group by name, as diagrams name groups.
func GroupIDByName(ctx context.Context, tx *store.Tx, name string) (string, error) {
	var id string
	err := tx.QueryRow(ctx, "SELECT id FROM groups WHERE name = ?", name).Scan(&id)
	return id, store.NotFound(err, "group %q does not exist", name)
}

// AppOf returns the workspace and app an app task works on: the fixed input "app" of
// app.createItem, or the type of the item variable of app.updateItem.
func (v *Version) AppOf(e *bpmn.Element) (ws, app string, err error) {
	for _, in := range e.Service.Inputs {
		switch {
		case e.Service.Type == bpmn.TypeCreateItem && in.Name == "app":
			ws, app, ok := strings.Cut(in.Value, "/")
			if in.Expression != "" || !ok || !value.ValidCode(ws) || !value.ValidCode(app) || strings.Contains(in.Value, "{{") {
				return "", "", errs.New(errs.Invalid, "the input app of %s must be a fixed <workspace>/<app>, such as crm/leads", e.ID)
			}
			return ws, app, nil
		case e.Service.Type == bpmn.TypeUpdateItem && in.Name == "item":
			t, ok := v.program.StaticType(in)
			if !ok || t.Kind != value.KindItem {
				return "", "", errs.New(errs.Invalid, "the input item of %s must be a variable of type item:<workspace>/<app>", e.ID)
			}
			return t.Workspace, t.App, nil
		}
	}
	return "", "", errs.New(errs.Invalid, "%s does not say which app it works on", e.ID)
}

// checkAppTask checks an app task's field mapping: every field exists and gets a value of its
// own type, an item output goes into an item variable of the same app, and a created item gets
// every required field.
func (c *Catalog) checkAppTask(ctx context.Context, tx *store.Tx, list *errs.List, v *Version, e *bpmn.Element) error {
	ws, app, err := v.AppOf(e)
	if err != nil {
		list.Add(e.ID, "%s", err.Error())
		return nil
	}
	if c.apps() == nil {
		list.Add(e.ID, "%s works on the app %s/%s, but workspaces are not available", e.ID, ws, app)
		return nil
	}
	fields, err := c.apps().Fields(ctx, tx, ws, app)
	if errs.Is(err, errs.NotFound) || errs.Is(err, errs.Invalid) {
		list.Add(e.ID, "%s works on the app %s/%s, which does not exist", e.ID, ws, app)
		return nil
	} else if err != nil {
		return err
	}
	for _, in := range e.Service.Inputs {
		if in.Name == "app" || in.Name == "item" {
			continue
		}
		checkFieldInput(list, v, e, in, fields)
	}
	checkItemOutput(list, v, e, ws, app)
	if e.Service.Type == bpmn.TypeCreateItem {
		return c.checkRequiredInputs(ctx, tx, list, e, ws, app)
	}
	return nil
}

// checkRequiredInputs refuses an app.createItem that leaves out a required field of its app:
// the item could never be created, and the step would fail on every instance at run time.
func (c *Catalog) checkRequiredInputs(ctx context.Context, tx *store.Tx, list *errs.List, e *bpmn.Element, ws, app string) error {
	required, err := c.apps().RequiredFields(ctx, tx, ws, app)
	if err != nil {
		return err
	}
	for _, f := range required {
		if !program.HasInput(e, f) {
			list.Add(e.ID, "%s sets no value for the field %q of %s/%s, which is required", e.ID, f, ws, app)
		}
	}
	return nil
}

func checkFieldInput(list *errs.List, v *Version, e *bpmn.Element, in bpmn.Input, fields map[string]value.Type) {
	ft, ok := fields[in.Name]
	if !ok {
		list.Add(e.ID, "%s sets the field %q, which the app does not have", e.ID, in.Name)
		return
	}
	if vt, ok := v.program.StaticType(in); ok {
		if !value.Assignable(vt, ft) {
			list.Add(e.ID, "%s maps the variable %s (%s) to the field %s (%s); only the same type maps", e.ID, strings.TrimSpace(in.Expression), vt, in.Name, ft)
		}
		return
	}
	var err error
	if in.Expression != "" {
		for _, ip := range v.program.Inputs(e.ID) {
			if ip.Name == in.Name && ip.Prog != nil {
				err = program.Fits(ip.Prog.Node().Type(), ft)
			}
		}
	} else if ft.Kind != value.KindString {
		err = errs.New(errs.Invalid, "a text value fills only string fields, and the field is %s", ft)
	}
	if err != nil {
		list.Add(e.ID, "%s cannot set the field %s: %v", e.ID, in.Name, err)
	}
}

func checkItemOutput(list *errs.List, v *Version, e *bpmn.Element, ws, app string) {
	for _, o := range e.Service.Outputs {
		t, ok := v.program.Type(o.Variable)
		if strings.TrimSpace(o.Expression) == "item" && ok && t.Kind == value.KindItem && (t.Workspace != ws || t.App != app) {
			list.Add(e.ID, "%s stores an item of %s/%s in %s, which holds items of %s/%s", e.ID, ws, app, o.Variable, t.Workspace, t.App)
		}
	}
}

// UsesField returns the id of an app task of v that sets the field, or "".
func (v *Version) UsesField(ws, app, field string) string {
	for _, e := range v.Process.ElementOrder {
		if e.Service == nil || (e.Service.Type != bpmn.TypeCreateItem && e.Service.Type != bpmn.TypeUpdateItem) {
			continue
		}
		w, a, err := v.AppOf(e)
		if err != nil || w != ws || a != app {
			continue
		}
		for _, in := range e.Service.Inputs {
			if in.Name == field {
				return e.ID
			}
		}
	}
	return ""
}
