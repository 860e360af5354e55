package automation

import (
	"fmt"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/expr-lang/expr"
	"github.com/expr-lang/expr/vm"
	"github.com/parleychat/parley/internal/chat"
	"github.com/parleychat/parley/internal/errs"
	"github.com/parleychat/parley/internal/value"
)

// A binding's condition is an expr-lang expression over the Live Chats properties, such as
// `channel.type == "email" && lastMessage.text contains "refund"`. It is type-checked against
// condEnv when the binding is saved, so a misspelt property or a comparison of a string with a
// number is refused then, and never met by the dispatcher. Properties that may be unknown
// (phone, email, operator, times) are nil then, so `customer.phone != null` says "the customer
// gave a phone"; unknown strings are "".

// Bounds of one condition: expr-lang has no loops and a memory budget per evaluation, and the
// size of the expression is bounded here, so every evaluation is bounded.
const (
	maxConditionLen   = 2000
	maxConditionNodes = 500
	// maxCompiled bounds the cache of compiled conditions; it is emptied when full, which
	// only costs compiling again.
	maxCompiled = 1024
)

type condEnv struct {
	LiveChat    condLiveChat `expr:"liveChat"`
	Session     condSession  `expr:"session"`
	Channel     condChannel  `expr:"channel"`
	Customer    condCustomer `expr:"customer"`
	LastMessage condMessage  `expr:"lastMessage"`
	// Null lets conditions say null as well as expr-lang's nil.
	Null any `expr:"null"`
}

type condLiveChat struct {
	ID   string `expr:"id"`
	Name string `expr:"name"`
}

type condSession struct {
	ID           string     `expr:"id"`
	Name         string     `expr:"name"`
	Subject      string     `expr:"subject"`
	Channel      string     `expr:"channel"`
	Priority     string     `expr:"priority"`
	CreatedAt    *time.Time `expr:"createdAt"`
	ClosedAt     *time.Time `expr:"closedAt"`
	Operator     *string    `expr:"operator"`
	MessageCount int64      `expr:"messageCount"`
}

type condChannel struct {
	Type string `expr:"type"`
}

type condCustomer struct {
	Name  string  `expr:"name"`
	Phone *string `expr:"phone"`
	Email *string `expr:"email"`
}

type condMessage struct {
	Text        string       `expr:"text"`
	SentAt      *time.Time   `expr:"sentAt"`
	Attachments []value.File `expr:"attachments"`
	Attachment  *value.File  `expr:"attachment"`
}

// envOf is the condition environment of a snapshot, read through Snapshot.Property so that a
// condition sees exactly the values a mapping would.
func envOf(snap chat.Snapshot) condEnv {
	str := func(path string) string { v, _ := snap.Property(path); s, _ := v.(string); return s }
	opt := func(path string) *string {
		if v, _ := snap.Property(path); v != nil {
			s, _ := v.(string)
			return &s
		}
		return nil
	}
	at := func(path string) *time.Time {
		if v, _ := snap.Property(path); v != nil {
			t, _ := v.(time.Time)
			return &t
		}
		return nil
	}
	files, _ := snap.Property("lastMessage.attachments")
	var first *value.File
	if f, ok := snap.Property("lastMessage.attachment"); ok && f != nil {
		file := f.(value.File)
		first = &file
	}
	count, _ := snap.Property("session.messageCount")
	n, _ := count.(int64)
	return condEnv{
		LiveChat: condLiveChat{ID: str("liveChat.id"), Name: str("liveChat.name")},
		Session: condSession{ID: str("session.id"), Name: str("session.name"), Subject: str("session.subject"),
			Channel: str("session.channel"), Priority: str("session.priority"), CreatedAt: at("session.createdAt"),
			ClosedAt: at("session.closedAt"), Operator: opt("session.operator"), MessageCount: n},
		Channel:     condChannel{Type: str("channel.type")},
		Customer:    condCustomer{Name: str("customer.name"), Phone: opt("customer.phone"), Email: opt("customer.email")},
		LastMessage: condMessage{Text: str("lastMessage.text"), SentAt: at("lastMessage.sentAt"), Attachments: files.([]value.File), Attachment: first},
	}
}

// conditions caches compiled conditions by their text: a binding is read from the database
// for every event, and its condition is compiled once, not per event.
type conditions struct {
	mu    sync.Mutex
	progs map[string]*vm.Program
}

// compile returns the program of a condition, or an invalid error naming "condition".
func (c *conditions) compile(src string) (*vm.Program, error) {
	c.mu.Lock()
	prog, ok := c.progs[src]
	c.mu.Unlock()
	if ok {
		return prog, nil
	}
	prog, err := compileCondition(src)
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	if c.progs == nil || len(c.progs) >= maxCompiled {
		c.progs = map[string]*vm.Program{}
	}
	c.progs[src] = prog
	c.mu.Unlock()
	return prog, nil
}

func compileCondition(src string) (*vm.Program, error) {
	if utf8.RuneCountInString(src) > maxConditionLen {
		return nil, errs.Field("condition", "is longer than %d characters", maxConditionLen)
	}
	prog, err := expr.Compile(src, expr.Env(condEnv{}), expr.AsBool(), expr.MaxNodes(maxConditionNodes))
	if err != nil {
		return nil, errs.Field("condition", "is not a true/false expression over the Live Chats properties: %s", firstLine(err))
	}
	return prog, nil
}

// holds evaluates a condition against an event's snapshot; an empty condition always holds.
// An evaluation error (such as a comparison of an unknown time) is a refusal naming the
// condition, so the event is logged failed rather than the batch stopping.
func (c *conditions) holds(src string, snap chat.Snapshot) (bool, error) {
	if strings.TrimSpace(src) == "" {
		return true, nil
	}
	prog, err := c.compile(src)
	if err != nil {
		return false, err
	}
	out, err := expr.Run(prog, envOf(snap))
	if err != nil {
		return false, errs.New(errs.Invalid, "condition %q could not be evaluated: %s", src, firstLine(err))
	}
	ok, _ := out.(bool)
	return ok, nil
}

// checkCondition type-checks a condition as it is saved.
func checkCondition(src string) error {
	if strings.TrimSpace(src) == "" {
		return nil
	}
	_, err := compileCondition(src)
	return err
}

// conditionFalse is the reason of a line skipped because its condition was false.
func conditionFalse(src string) string {
	return fmt.Sprintf("condition false: %s", src)
}

func firstLine(err error) string {
	msg, _, _ := strings.Cut(err.Error(), "\n")
	return strings.TrimSpace(msg)
}

// conditionAllows reports whether the binding's condition lets the event start its process.
// When it does not, the line is filled: skipped when the condition is false, failed when it
// cannot be evaluated.
func (s *Service) conditionAllows(b *Binding, line *logLine) bool {
	ok, err := s.conds.holds(b.Condition, line.ev.Snapshot)
	switch {
	case err != nil:
		line.outcome, line.reason = Failed, errMessage(err)
	case !ok:
		line.outcome, line.reason = Skipped, conditionFalse(b.Condition)
	}
	return err == nil && ok
}
