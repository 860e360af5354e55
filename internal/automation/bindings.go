package automation

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/parleychat/parley/internal/auth"
	"github.com/parleychat/parley/internal/auth/policy"
	"github.com/parleychat/parley/internal/errs"
	"github.com/parleychat/parley/internal/process"
	"github.com/parleychat/parley/internal/store"
)

// Binding is one row of the Business Processes tab: the process that starts on an event of a
// live chat and how Live Chats properties fill its variables.
type Binding struct {
	LiveChatID   string `json:"livechat_id"`
	Event        string `json:"event"`
	Process      string `json:"process"`
	ProcessName  string `json:"process_name"`
	ProcessScope string `json:"process_scope"`
	// Inputs maps a process variable to a Live Chats property path.
	Inputs map[string]string `json:"inputs"`
	// Condition, when not empty, must be true for an event to start the process.
	Condition string `json:"condition"`
	Enabled   bool   `json:"enabled"`
	// Broken says why the binding cannot start its process now (unpublished, or the newest
	// version no longer fits the mapping); empty when it can.
	Broken    string    `json:"broken"`
	UpdatedAt time.Time `json:"updated_at"`
	UpdatedBy string    `json:"updated_by"`
}

// Tab is the whole Business Processes tab of a live chat.
type Tab struct {
	Items      []TabRow `json:"items"`
	VerboseLog bool     `json:"verbose_log"`
}

// TabRow is one event with its binding, nil when none is set. In JSON the binding's fields
// stand in the row itself, as API.md has it: {"event","process","inputs","enabled",…}, or
// only {"event"} when the event is unset.
type TabRow struct {
	Event string `json:"event"`
	*Binding
}

// BindingInput is what an administrator saves for an event.
type BindingInput struct {
	Process string            `json:"process"`
	Inputs  map[string]string `json:"inputs"`
	// Condition is an optional true/false expression over the Live Chats properties, such as
	// channel.type == "email"; the event starts the process only when it is true.
	Condition string `json:"condition,omitempty"`
	Enabled   *bool  `json:"enabled,omitempty"`
}

func checkEvent(event string) error {
	if !slices.Contains(Events, event) {
		return errs.Field("event", "must be session_created, message_received or session_closed, not %q", event)
	}
	return nil
}

// liveChatName checks that the live chat exists and returns its name.
func (s *Service) liveChatName(ctx context.Context, admin *auth.User, id string) (string, error) {
	lc, err := s.chat.LiveChat(ctx, admin, id)
	if err != nil {
		return "", err
	}
	return lc.Name, nil
}

// Tab returns the Business Processes tab of a live chat. Administrators only. Whether a
// binding is broken is worked out as the tab is read, see bindingProblem.
func (s *Service) Tab(ctx context.Context, liveChatID string) (*Tab, error) {
	admin, err := policy.UserCan(ctx, policy.AutomationConfigure)
	if err != nil {
		return nil, err
	}
	if _, err := s.liveChatName(ctx, admin, liveChatID); err != nil {
		return nil, err
	}
	tab := &Tab{Items: []TabRow{}}
	err = s.db.Read(ctx, func(tx *store.Tx) error {
		for _, ev := range Events {
			b, err := bindingTx(ctx, tx, liveChatID, ev)
			if err != nil && !errs.Is(err, errs.NotFound) {
				return err
			}
			if b != nil {
				v, problem, err := s.bindingProblem(ctx, tx, b)
				if err != nil {
					return err
				}
				describe(b, v)
				b.Broken = problem
			}
			tab.Items = append(tab.Items, TabRow{Event: ev, Binding: b})
		}
		tab.VerboseLog, err = verboseTx(ctx, tx, liveChatID)
		return err
	})
	return tab, err
}

const bindingColumns = `live_chat_id, event, process_code, inputs, enabled, broken, updated_at, updated_by, condition_expr`

func scanBinding(row interface{ Scan(...any) error }) (*Binding, error) {
	var b Binding
	var inputs string
	var at store.Timestamp
	if err := row.Scan(&b.LiveChatID, &b.Event, &b.Process, &inputs, &b.Enabled, &b.Broken, &at, &b.UpdatedBy, &b.Condition); err != nil {
		return nil, err
	}
	b.UpdatedAt = at.Time
	return &b, json.Unmarshal([]byte(inputs), &b.Inputs)
}

// bindingTx reads one binding; not_found when the event has none.
func bindingTx(ctx context.Context, tx *store.Tx, liveChatID, event string) (*Binding, error) {
	b, err := scanBinding(tx.QueryRow(ctx, "SELECT "+bindingColumns+
		" FROM automation_bindings WHERE live_chat_id = ? AND event = ?", liveChatID, event))
	if errs.Is(err, errs.NotFound) {
		return nil, unbound(event)
	}
	if err != nil {
		return nil, err
	}
	return b, nil
}

// unbound is the error of an event that has no binding.
func unbound(event string) error {
	return errs.New(errs.NotFound, "no process is bound to %s of this live chat", event)
}

// eventAdmin checks what every method on one event of a live chat needs: an administrator,
// an automation event, and a live chat that exists. It returns the administrator.
func (s *Service) eventAdmin(ctx context.Context, liveChatID, event string) (*auth.User, error) {
	admin, err := policy.UserCan(ctx, policy.AutomationConfigure)
	if err != nil {
		return nil, err
	}
	if err := checkEvent(event); err != nil {
		return nil, err
	}
	if _, err := s.liveChatName(ctx, admin, liveChatID); err != nil {
		return nil, err
	}
	return admin, nil
}

// SaveBinding validates and stores the binding of an event, replacing any earlier one. It is
// refused whole, with every problem named, when the process is unknown or unpublished, a
// variable or property is unknown, types differ, or a required variable is left unmapped.
func (s *Service) SaveBinding(ctx context.Context, liveChatID, event string, in BindingInput) (*Binding, error) {
	admin, err := s.eventAdmin(ctx, liveChatID, event)
	if err != nil {
		return nil, err
	}
	enabled := in.Enabled == nil || *in.Enabled
	var out *Binding
	err = s.db.Tx(ctx, func(tx *store.Tx) error {
		v, err := s.versionForBinding(ctx, tx, in.Process)
		if err != nil {
			return err
		}
		if err := checkBinding(v, in); err != nil {
			return err
		}
		if err := upsertBinding(ctx, tx, liveChatID, event, in, enabled, admin.ID); err != nil {
			return err
		}
		if err := auth.Audit(ctx, tx, "binding.save", "livechat", liveChatID, map[string]any{"event": event, "binding": in}); err != nil {
			return err
		}
		out, err = bindingTx(ctx, tx, liveChatID, event)
		describe(out, v)
		return err
	})
	return out, err
}

// versionForBinding finds the newest published version, reporting problems on "process".
func (s *Service) versionForBinding(ctx context.Context, tx *store.Tx, code string) (*process.Version, error) {
	if code == "" {
		return nil, errs.Field("process", "is required")
	}
	v, err := s.process.LatestVersionTx(ctx, tx, code)
	switch {
	case errs.Is(err, errs.NotFound):
		return nil, errs.Field("process", "there is no process with code %q", code)
	case errs.Is(err, errs.Conflict):
		return nil, errs.Field("process", "process %q has no published version; publish it first", code)
	}
	return v, err
}

func upsertBinding(ctx context.Context, tx *store.Tx, liveChatID, event string, in BindingInput, enabled bool, by string) error {
	inputs, err := json.Marshal(in.Inputs)
	if err != nil {
		return err
	}
	if in.Inputs == nil {
		inputs = []byte("{}")
	}
	_, err = tx.Exec(ctx, `INSERT INTO automation_bindings (`+bindingColumns+`) VALUES (?, ?, ?, ?, ?, '', ?, ?, ?)
		ON CONFLICT (live_chat_id, event) DO UPDATE SET process_code = excluded.process_code, inputs = excluded.inputs,
		enabled = excluded.enabled, broken = '', updated_at = excluded.updated_at, updated_by = excluded.updated_by,
		condition_expr = excluded.condition_expr`,
		liveChatID, event, in.Process, string(inputs), enabled, store.TS(tx.Now()), by, strings.TrimSpace(in.Condition))
	return err
}

// describe adds the process's name and scope to a binding for display.
func describe(b *Binding, v *process.Version) {
	if b != nil && v != nil {
		b.ProcessName, b.ProcessScope = v.Name, v.Scope
	}
}

// checkBinding checks a binding as it is saved: its mapping against the version and its
// condition against the Live Chats properties, every problem named at once.
func checkBinding(v *process.Version, in BindingInput) error {
	list := checkMapping(v, in.Inputs)
	var e *errs.Error
	if err := checkCondition(in.Condition); errors.As(err, &e) {
		list.Add("condition", "%s", strings.TrimPrefix(e.Message, "condition: "))
	}
	return list.Err()
}

// checkMapping lists every problem of a mapping against a version's variables.
func checkMapping(v *process.Version, inputs map[string]string) errs.List {
	var list errs.List
	names := make([]string, 0, len(inputs))
	for name := range inputs {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		checkInput(&list, v, name, inputs[name])
	}
	for _, variable := range v.Variables {
		if _, mapped := inputs[variable.Name]; variable.Required && !mapped {
			list.Add("inputs."+variable.Name, "required variable %q (%s) of process %s is not mapped", variable.Name, variable.Type, v.Code)
		}
	}
	return list
}

func checkInput(list *errs.List, v *process.Version, name, path string) {
	field := "inputs." + name
	variable, ok := v.Variable(name)
	prop, known := propertyByPath[path]
	switch {
	case !ok:
		list.Add(field, "process %s has no variable %q", v.Code, name)
	case !known:
		list.Add(field, "unknown Live Chats property %q", path)
	case !variable.Type.Equal(prop.Type):
		list.Add(field, "variable %q is %s but property %s is %s; only the same type maps", name, variable.Type, path, prop.Type)
	}
}

// DeleteBinding unsets the binding of an event.
func (s *Service) DeleteBinding(ctx context.Context, liveChatID, event string) error {
	if err := policy.Check(ctx, policy.AutomationConfigure); err != nil {
		return err
	}
	if err := checkEvent(event); err != nil {
		return err
	}
	return s.db.Tx(ctx, func(tx *store.Tx) error {
		res, err := tx.Exec(ctx, "DELETE FROM automation_bindings WHERE live_chat_id = ? AND event = ?", liveChatID, event)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return errs.New(errs.NotFound, "no process is bound to %s of live chat %q", event, liveChatID)
		}
		return auth.Audit(ctx, tx, "binding.delete", "livechat", liveChatID, map[string]string{"event": event})
	})
}

// SetVerbose turns on or off logging of events that have no binding.
func (s *Service) SetVerbose(ctx context.Context, liveChatID string, verbose bool) error {
	admin, err := policy.UserCan(ctx, policy.AutomationConfigure)
	if err != nil {
		return err
	}
	if _, err := s.liveChatName(ctx, admin, liveChatID); err != nil {
		return err
	}
	return s.db.Tx(ctx, func(tx *store.Tx) error {
		_, err := tx.Exec(ctx, `INSERT INTO automation_settings (live_chat_id, verbose_log) VALUES (?, ?)
			ON CONFLICT (live_chat_id) DO UPDATE SET verbose_log = excluded.verbose_log`, liveChatID, verbose)
		if err != nil {
			return err
		}
		return auth.Audit(ctx, tx, "automation.settings", "livechat", liveChatID, map[string]bool{"verbose_log": verbose})
	})
}

func verboseTx(ctx context.Context, tx *store.Tx, liveChatID string) (bool, error) {
	var v bool
	err := tx.QueryRow(ctx, "SELECT verbose_log FROM automation_settings WHERE live_chat_id = ?", liveChatID).Scan(&v)
	if errs.Is(err, errs.NotFound) {
		return false, nil
	}
	return v, err
}

// recheckBindings runs inside a publish: every binding of the process is checked against the
// new version, marked broken (or healed) accordingly, and each broken one is reported.
func (s *Service) recheckBindings(ctx context.Context, tx *store.Tx, v *process.Version) ([]process.Warning, error) {
	bindings, err := processBindingsTx(ctx, tx, v.Code)
	if err != nil {
		return nil, err
	}
	for _, b := range bindings {
		if _, err := tx.Exec(ctx, "UPDATE automation_bindings SET broken = ? WHERE live_chat_id = ? AND event = ?", mappingProblem(v, b.Inputs), b.LiveChatID, b.Event); err != nil {
			return nil, err
		}
	}
	return unfitWarnings(v, bindings), nil
}

// checkBindings is recheckBindings without the writes, for a check of a draft: the warnings a
// publish of it would give.
func (s *Service) checkBindings(ctx context.Context, tx *store.Tx, v *process.Version) ([]process.Warning, error) {
	if v.Code == "" {
		return nil, nil
	}
	bindings, err := processBindingsTx(ctx, tx, v.Code)
	return unfitWarnings(v, bindings), err
}

// unfitWarnings names each binding whose mapping the version no longer fits.
func unfitWarnings(v *process.Version, bindings []*Binding) []process.Warning {
	var warnings []process.Warning
	for _, b := range bindings {
		if broken := mappingProblem(v, b.Inputs); broken != "" {
			warnings = append(warnings, process.Warning{Source: "livechat " + b.LiveChatID + " " + b.Event, Message: broken})
		}
	}
	return warnings
}

// processBindingsTx lists the bindings that start a process, in live chat and event order.
func processBindingsTx(ctx context.Context, tx *store.Tx, code string) ([]*Binding, error) {
	rows, err := tx.Query(ctx, "SELECT "+bindingColumns+" FROM automation_bindings WHERE process_code = ? ORDER BY live_chat_id, event", code)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var bindings []*Binding
	for rows.Next() {
		b, err := scanBinding(rows)
		if err != nil {
			return nil, err
		}
		bindings = append(bindings, b)
	}
	return bindings, rows.Err()
}

// bindingProblem says why a binding cannot start its process now, "" when it can, with the
// newest published version when there is one. It is worked out when the tab is read rather
// than only kept from the last publish, because a process can stop fitting in more ways than
// a publish: an unpublish, or a version this binary no longer compiles. The dispatcher meets
// the same problems and logs the binding's events failed.
func (s *Service) bindingProblem(ctx context.Context, tx *store.Tx, b *Binding) (*process.Version, string, error) {
	v, err := s.process.LatestVersionTx(ctx, tx, b.Process)
	var e *errs.Error
	switch {
	case err == nil:
		return v, mappingProblem(v, b.Inputs), nil
	case errs.Is(err, errs.NotFound):
		return nil, fmt.Sprintf("process %s does not exist: its events are logged failed", b.Process), nil
	case errors.As(err, &e) && e.Code == errs.Conflict && e.Details["process"] != nil:
		// LatestVersionTx names the process in the details exactly when it has no published
		// version, which after a binding was saved means it was unpublished.
		return nil, fmt.Sprintf("process %s is not published: its events are logged failed until it is published again", b.Process), nil
	case errs.Is(err, errs.Conflict):
		return nil, fmt.Sprintf("process %s cannot start: %s", b.Process, errMessage(err)), nil
	}
	return nil, "", err
}

// mappingProblem says how a version breaks a binding's mapping, "" when it fits.
func mappingProblem(v *process.Version, inputs map[string]string) string {
	if err := checkMapping(v, inputs).Err(); err != nil {
		return fmt.Sprintf("version %d of %s breaks the mapping: %s", v.Number, v.Code, err.Error())
	}
	return ""
}

// ProcessBindings lists the live-chat bindings that start a process, each saying whether it
// can start the newest published version now, so that the process page shows what a publish
// would touch. Administrators only, as the bindings are read on a live chat's tab.
func (s *Service) ProcessBindings(ctx context.Context, code string) ([]*Binding, error) {
	if err := policy.Check(ctx, policy.AutomationConfigure); err != nil {
		return nil, err
	}
	out := []*Binding{}
	err := s.db.Read(ctx, func(tx *store.Tx) error {
		bindings, err := processBindingsTx(ctx, tx, code)
		if err != nil {
			return err
		}
		for _, b := range bindings {
			v, problem, err := s.bindingProblem(ctx, tx, b)
			if err != nil {
				return err
			}
			describe(b, v)
			b.Broken = problem
			out = append(out, b)
		}
		return nil
	})
	return out, err
}
