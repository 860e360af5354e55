package bpmn

import (
	"fmt"
	"time"
)

// Namespace is the XML namespace of Parley's own extension elements. Files declare it as
// xmlns:parley="https://parley.dev/schema/bpmn/1"; the prefix itself does not matter.
const Namespace = "https://parley.dev/schema/bpmn/1"

// The service task types that Parley runs itself. Any other type is an "external job": the
// engine waits until an outside worker completes it through the API.
const (
	TypeReply      = "livechat.reply"  // sends a message into the linked session
	TypeClose      = "livechat.close"  // closes the linked session
	TypeAssign     = "livechat.assign" // assigns an operator to the linked session
	TypeHTTP       = "http"            // calls an HTTP endpoint
	TypeCreateItem = "app.createItem"  // creates an item in a workspace app
	TypeUpdateItem = "app.updateItem"  // changes some values of an app item
)

// requiredInputs names, for each built-in type, the inputs without which it cannot run, so that
// a missing one is reported at import rather than when the first customer writes.
var requiredInputs = map[string][]string{
	TypeReply:      {"text"},
	TypeClose:      nil,
	TypeAssign:     nil,
	TypeHTTP:       {"url"},
	TypeCreateItem: {"app"},
	TypeUpdateItem: {"item"},
}

// KnownTaskType reports whether Parley runs tasks of this type itself.
func KnownTaskType(t string) bool {
	_, ok := requiredInputs[t]
	return ok
}

// ServiceTask is the configuration of a service task.
type ServiceTask struct {
	// Type says what runs the task: one of the Type constants, or any other string naming the
	// kind of job an outside worker fetches.
	Type string
	// Retries is how many times a failing job is tried; 0 means the engine's default.
	Retries int
	// Inputs are the task's named arguments in document order.
	Inputs []Input
	// Outputs copy parts of the task's result into process variables.
	Outputs []Output
	// Headers are static key/value settings for outside workers (zeebe:taskHeaders).
	Headers map[string]string
}

// External reports whether an outside worker, not Parley, completes the task.
func (s *ServiceTask) External() bool { return !KnownTaskType(s.Type) }

// Input is one named argument of a service task. Exactly one of Value and Expression is set:
// Value is a template whose {{ ... }} placeholders hold expr-lang expressions, Expression is one
// expr-lang expression whose value is passed as it is (for example a number or a list).
type Input struct {
	Name       string
	Value      string
	Expression string
}

// Output stores the value of Expression, evaluated against the task's result, in Variable.
type Output struct {
	Variable   string
	Expression string
}

// UserTask is the configuration of a user task.
type UserTask struct {
	Assignee Assignee
	// Form lists the variables the person fills in, in display order. Their types come from
	// the process's declared variables.
	Form []FormField
	// Due is the ISO 8601 duration, as written, after which the task is overdue; empty when none.
	Due string
	due Duration
}

// DueAt returns when a task created at created is overdue, and false when it has no due time.
func (u *UserTask) DueAt(created time.Time) (time.Time, bool) {
	if u.Due == "" {
		return time.Time{}, false
	}
	return u.due.AddTo(created), true
}

// Assignee says who may work on a user task. At most one of User, UserVariable and
// SessionOperator is set; Groups may be combined with any of them, or stand alone so that any
// member can claim the task.
type Assignee struct {
	// User is a user's login.
	User string
	// UserVariable names a process variable of type user whose value is the assignee.
	UserVariable string
	// Expression is an expr-lang expression, evaluated when the task is created, that gives the
	// assignee's login, such as a Camunda 7 template kermit_${loopCounter} or a Zeebe FEEL
	// expression ="kermit_" + string(loopCounter). ExpressionRaw is the text as written.
	Expression    string
	ExpressionRaw string
	// Groups are the names of groups whose members may claim the task.
	Groups []string
	// SessionOperator assigns the task to the operator of the linked session.
	SessionOperator bool
}

// FormField is one variable a person fills in to complete a user task.
type FormField struct {
	Variable string
	Label    string
	Required bool
}

// Script is the configuration of a script task: assignments evaluated in order.
type Script struct {
	Assignments []Assignment
}

// Assignment sets Variable to the value of Expression (expr-lang). ExpressionRaw is the text as
// written, which differs when it was translated from FEEL.
type Assignment struct {
	Variable      string
	Expression    string
	ExpressionRaw string
}

// MessageWait is the configuration of a message catch event. With no CorrelationKey it is
// Parley's session wait: it completes with the customer's next message in the linked session.
// With a CorrelationKey it waits for a message named Name that is published with that key.
type MessageWait struct {
	// Name is the name of the referenced bpmn:message; empty when there is none.
	Name string
	// Variable receives the message text (or, for a correlated message, its payload).
	Variable string
	// CorrelationKey is an expr-lang expression the engine evaluates when the token arrives;
	// CorrelationKeyRaw is the text as written (zeebe:subscription correlationKey).
	CorrelationKey    string
	CorrelationKeyRaw string
}

// Key turns the evaluated correlation key into the string to wait on. An undefined variable
// (nil) or an empty string is an error, because waiting on an empty key would catch a message
// meant for another instance or wait forever.
func (m *MessageWait) Key(v any) (string, error) {
	var key string
	switch k := v.(type) {
	case nil:
		return "", fmt.Errorf("correlation key %q has no value (is the variable defined?)", m.CorrelationKeyRaw)
	case string:
		key = k
	case int, int64, float64:
		key = fmt.Sprint(k)
	default:
		return "", fmt.Errorf("correlation key %q is a %T, not a string or number", m.CorrelationKeyRaw, v)
	}
	if key == "" {
		return "", fmt.Errorf("correlation key %q is empty", m.CorrelationKeyRaw)
	}
	return key, nil
}
