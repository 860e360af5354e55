package process

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/expr-lang/expr"
	"github.com/parleychat/parley/internal/errs"
	"github.com/parleychat/parley/internal/process/bpmn"
	"github.com/parleychat/parley/internal/process/catalog"
	"github.com/parleychat/parley/internal/process/program"
	"github.com/parleychat/parley/internal/value"
)

// builtin runs a chat or app task inside the transaction and returns its result for the
// outputs. It runs in a savepoint with the outputs: on error, its writes are undone and the
// step is retried or becomes an incident.
func (r *runner) builtin(el *bpmn.Element) (map[string]any, error) {
	in, err := r.inputs(el)
	if err != nil {
		return nil, err
	}
	switch el.Service.Type {
	case bpmn.TypeReply:
		files, err := replyFiles(in["files"])
		if err != nil {
			return nil, err
		}
		return nil, r.withSession(func(chat Chat, session string) error {
			return chat.Reply(r.ctx, r.tx, session, fmt.Sprint(in["text"]), files)
		})
	case bpmn.TypeClose:
		return nil, r.withSession(func(chat Chat, session string) error { return chat.Close(r.ctx, r.tx, session) })
	case bpmn.TypeAssign:
		return nil, r.assign(el, in)
	case bpmn.TypeCreateItem:
		return r.createItem(el, in)
	case bpmn.TypeUpdateItem:
		return r.updateItem(el, in)
	}
	return nil, fmt.Errorf("service task type %q has no built-in implementation", el.Service.Type)
}

// inputs evaluates a task's inputs: expressions give their value, templates their text.
func (r *runner) inputs(el *bpmn.Element) (map[string]any, error) {
	progs := r.st.v.Program().Inputs(el.ID)
	out := make(map[string]any, len(progs))
	for _, ip := range progs {
		v, err := r.input(ip, formatText)
		if err != nil {
			return nil, err
		}
		out[ip.Name] = v
	}
	return out, nil
}

func (r *runner) input(ip program.Input, format func(any) string) (any, error) {
	switch {
	case ip.Prog != nil:
		v, err := expr.Run(ip.Prog, r.env())
		if err != nil {
			return nil, errs.New(errs.Invalid, "the input %s: %v", ip.Name, r.exprFailed(ip.Prog, "", err))
		}
		return v, nil
	case ip.Template != nil:
		return r.render(ip.Name, ip.Template, format)
	}
	return ip.Plain, nil
}

// render fills a template's placeholders, each formatted by format (plain text, URL-escaped,
// or JSON, depending on where the text goes).
func (r *runner) render(name string, t *program.Template, format func(any) string) (string, error) {
	var b strings.Builder
	for i, p := range t.Progs {
		b.WriteString(t.Parts[i])
		v, err := expr.Run(p, r.env())
		if err != nil {
			return "", errs.New(errs.Invalid, "a placeholder of the input %s: %v", name, r.exprFailed(p, "", err))
		}
		b.WriteString(format(v))
	}
	b.WriteString(t.Parts[len(t.Parts)-1])
	return b.String(), nil
}

// formatText writes a placeholder's value for people: money as "12.50 EUR", times in RFC 3339,
// nothing for an unset variable.
func formatText(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case time.Time:
		return x.UTC().Format(time.RFC3339)
	case value.Money:
		return x.String()
	}
	return fmt.Sprint(v)
}

var errNoSession = errs.New(errs.Invalid, "the instance has no linked session")

func (r *runner) withSession(fn func(Chat, string) error) error {
	switch {
	case r.st.sessionID == "":
		return errNoSession
	case r.s.deps.Chat == nil:
		return errors.New("live chats are not available")
	}
	return fn(r.s.deps.Chat, r.st.sessionID)
}

// assign makes a user the session's operator: the input operator is a user id given by an
// expression (a user variable), or a login written as text.
func (r *runner) assign(el *bpmn.Element, in map[string]any) error {
	op, _ := in["operator"].(string)
	if op == "" {
		return errs.New(errs.Invalid, "the input operator of %s has no value", el.ID)
	}
	for _, ip := range r.st.v.Program().Inputs(el.ID) {
		if ip.Name == "operator" && ip.Prog == nil {
			id, err := catalog.UserIDByLogin(r.ctx, r.tx, op)
			if err != nil {
				return err
			}
			op = id
		}
	}
	return r.withSession(func(chat Chat, session string) error { return chat.Assign(r.ctx, r.tx, session, op) })
}

// itemValues turns an app task's field inputs into values of the fields' types.
func (r *runner) itemValues(el *bpmn.Element, ws, app string, in map[string]any) (map[string]value.Value, error) {
	if r.s.deps.Workspace == nil {
		return nil, errors.New("workspaces are not available")
	}
	fields, err := r.s.deps.Workspace.Fields(r.ctx, r.tx, ws, app)
	if err != nil {
		return nil, err
	}
	out := make(map[string]value.Value, len(in))
	for name, v := range in {
		if name == "app" || name == "item" {
			continue
		}
		t, ok := fields[name]
		if !ok {
			return nil, errs.New(errs.Invalid, "the app %s/%s has no field %q", ws, app, name)
		}
		val, err := value.Options{AllowNull: true}.FromNative(t, v)
		if err != nil {
			return nil, value.InField(name, err)
		}
		out[name] = val
	}
	return out, nil
}

// createItem creates an app item in the step's transaction: if the step commits, the item
// exists exactly once; if it rolls back or is retried, no stray item is left.
func (r *runner) createItem(el *bpmn.Element, in map[string]any) (map[string]any, error) {
	ws, app, err := r.st.v.AppOf(el)
	if err != nil {
		return nil, err
	}
	vals, err := r.itemValues(el, ws, app, in)
	if err != nil {
		return nil, err
	}
	id, err := r.s.deps.Workspace.CreateItem(r.ctx, r.tx, ws, app, vals, "process:"+r.st.id)
	if err != nil {
		return nil, err
	}
	return map[string]any{"item": id}, nil
}

func (r *runner) updateItem(el *bpmn.Element, in map[string]any) (map[string]any, error) {
	ws, app, err := r.st.v.AppOf(el)
	if err != nil {
		return nil, err
	}
	id, _ := in["item"].(string)
	if id == "" {
		return nil, errs.New(errs.Invalid, "the input item of %s has no value", el.ID)
	}
	vals, err := r.itemValues(el, ws, app, in)
	if err != nil {
		return nil, err
	}
	if err := r.s.deps.Workspace.UpdateItem(r.ctx, r.tx, ws, app, id, vals, "process:"+r.st.id); err != nil {
		return nil, err
	}
	return map[string]any{"item": id}, nil
}

// replyFiles reads the optional files input of livechat.reply: a file, a list of files, or
// nothing.
func replyFiles(v any) ([]value.File, error) {
	if v == nil {
		return nil, nil
	}
	if f, ok := v.(value.File); ok {
		return []value.File{f}, nil
	}
	list, err := value.FromNative(value.Type{Kind: value.KindFiles}, v)
	if err != nil {
		return nil, value.InField("files", err)
	}
	return list.Native().([]value.File), nil
}
