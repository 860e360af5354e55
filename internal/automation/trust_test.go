package automation

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/parleychat/parley/internal/chat"
	"github.com/parleychat/parley/internal/errs"
	"github.com/parleychat/parley/internal/store"
	"github.com/parleychat/parley/internal/store/storetest"
)

// say sends one message from a customer of the widget channel.
func (s *stack) say(t *testing.T, who, phone, text string) {
	t.Helper()
	_, err := s.chat.Receive(s.ctx, chat.Inbound{ChannelID: s.channel, Identity: who,
		Customer: chat.CustomerInfo{Name: who, Phone: phone}, Text: text})
	must(t, err)
}

// logLines returns the live chat's whole log, newest first.
func logLines(t *testing.T, a *Service, s *stack, f LogFilter) []*LogEntry {
	t.Helper()
	f.LiveChatID, f.Page = s.chatID, store.Page{Limit: store.MaxLimit}
	list, err := a.Log(s.ctx, f)
	must(t, err)
	return list.Items
}

func (s *stack) count(t *testing.T, q string) int {
	var n int
	must(t, s.db.Read(s.ctx, func(tx *store.Tx) error { return tx.QueryRow(s.ctx, q).Scan(&n) }))
	return n
}

func wantField(t *testing.T, err error, field, says string) {
	t.Helper()
	if !errs.Is(err, errs.Invalid) || fieldOf(err) != field || !strings.Contains(err.Error(), says) {
		t.Fatalf("got %v, want invalid %s saying %q", err, field, says)
	}
}

func TestConditionIsTypeCheckedWhenSaved(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s := newStack(t, db)
		a := New(db, s.chat, s.process, nil, Options{})
		save := func(cond string) (*Binding, error) {
			return a.SaveBinding(s.ctx, s.chatID, chat.EventMessageReceived, BindingInput{Process: "echo",
				Inputs: map[string]string{"text": "lastMessage.text"}, Condition: cond})
		}
		_, err := save(`customer.nme == "Ann"`)
		wantField(t, err, "condition", "has no field nme")
		_, err = save(`session.messageCount == "three"`)
		wantField(t, err, "condition", "mismatched types")
		_, err = save(`lastMessage.text`)
		wantField(t, err, "condition", "expected bool")
		_, err = save(strings.Repeat("x", maxConditionLen+1))
		wantField(t, err, "condition", "longer than")
		b, err := save(` channel.type == "widget" && lastMessage.text contains "refund" `)
		must(t, err)
		if b.Condition != `channel.type == "widget" && lastMessage.text contains "refund"` {
			t.Fatalf("saved condition %q", b.Condition)
		}
		tab, err := a.Tab(s.ctx, s.chatID)
		must(t, err)
		if got := tab.Items[1].Binding.Condition; got != b.Condition {
			t.Fatalf("the tab shows condition %q", got)
		}
	})
}

// TestEveryPropertyCanBeInACondition keeps the condition environment in step with the
// Live Chats properties: each (but session itself, an object there) can be named.
func TestEveryPropertyCanBeInACondition(t *testing.T) {
	for _, p := range Properties() {
		if p.Path == "session" {
			continue
		}
		if err := checkCondition(p.Path + " == " + p.Path); err != nil {
			t.Errorf("property %s: %v", p.Path, err)
		}
	}
}

func TestConditionValues(t *testing.T) {
	sent := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	email := chat.Snapshot{Session: chat.SnapshotSession{Channel: chat.ChannelType("email"), MessageCount: 3},
		Customer:    chat.SnapshotCustomer{Name: "Ann", Phone: "+14155552671"},
		LastMessage: &chat.SnapshotMessage{Text: "I want a refund", SentAt: sent}}
	bare := chat.Snapshot{Session: chat.SnapshotSession{Channel: chat.ChannelType("widget")}}
	email.LiveChat.WorkingNow = true
	var c conditions
	for _, tc := range []struct {
		cond      string
		snap      chat.Snapshot
		want      bool
		wantError bool
	}{
		{`channel.type == "email"`, email, true, false},
		{`channel.type == "email"`, bare, false, false},
		{`lastMessage.text contains "refund"`, email, true, false},
		{`lastMessage.text contains "refund"`, bare, false, false},
		{`customer.phone != null`, email, true, false},
		{`customer.phone != null`, bare, false, false},
		{`customer.phone == nil`, bare, true, false},
		{`session.messageCount >= 3 && customer.name startsWith "A"`, email, true, false},
		{`lastMessage.sentAt != null && lastMessage.sentAt.Year() == 2026`, email, true, false},
		{``, bare, true, false},
		{`liveChat.workingNow`, email, true, false},
		{`not liveChat.workingNow`, bare, true, false},
		{`lastMessage.sentAt.Year() == 2026`, bare, false, true},
	} {
		got, err := c.holds(tc.cond, tc.snap)
		if (err != nil) != tc.wantError || got != tc.want {
			t.Errorf("%s on %+v: got %v, %v; want %v (error %v)", tc.cond, tc.snap.Customer, got, err, tc.want, tc.wantError)
		}
	}
}

func TestFalseConditionIsLoggedSkipped(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s := newStack(t, db)
		a := New(db, s.chat, s.process, nil, Options{})
		_, err := a.SaveBinding(s.ctx, s.chatID, chat.EventMessageReceived, BindingInput{Process: "echo",
			Inputs: map[string]string{"text": "lastMessage.text"}, Condition: `lastMessage.text contains "refund"`})
		must(t, err)
		s.say(t, "ann", "", "hello there")
		s.say(t, "bob", "", "a refund, please")
		drainAll(t, a)
		lines := logLines(t, a, s, LogFilter{})
		if len(lines) != 2 {
			t.Fatalf("%d lines, want 2", len(lines))
		}
		if l := lines[1]; l.Outcome != Skipped || l.Reason != `condition false: lastMessage.text contains "refund"` || l.CustomerName != "ann" {
			t.Fatalf("ann's line: %+v", l)
		}
		if l := lines[0]; l.Outcome != Started || l.CustomerName != "bob" {
			t.Fatalf("bob's line: %+v", l)
		}
		if got := s.startedTexts(t); len(got) != 1 {
			t.Fatalf("started %v, want bob's message only", got)
		}
	})
}

func TestDryRunStartsAndWritesNothing(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s := newStack(t, db)
		a := New(db, s.chat, s.process, nil, Options{})
		s.say(t, "ann", "", "hello there")
		s.say(t, "bob", "+14155552671", "a refund, please")
		s.say(t, "eve", "", "buy cheap refund pills")
		spam := s.sessionIDs(t)[2]
		_, err := s.chat.MarkSpam(s.ctx, spam, chat.SystemActor())
		must(t, err)
		drainAll(t, a) // no binding yet: nothing logged
		before := s.count(t, "SELECT COUNT(*) FROM automation_log") + s.count(t, "SELECT COUNT(*) FROM outbox")

		run, err := a.DryRun(s.ctx, s.chatID, chat.EventMessageReceived, DryRunInput{Process: "echo",
			Inputs: map[string]string{"text": "lastMessage.text"}, Condition: `lastMessage.text contains "refund"`})
		must(t, err)
		if len(run.Items) != 3 {
			t.Fatalf("%d items, want 3", len(run.Items))
		}
		byName := map[string]*DryRunItem{}
		for _, it := range run.Items {
			byName[it.CustomerName] = it
		}
		if it := byName["bob"]; it.Outcome != WouldStart || it.Inputs["text"].String() != "a refund, please" {
			t.Fatalf("bob: %+v", it)
		}
		if it := byName["ann"]; it.Outcome != Skipped || !strings.Contains(it.Reason, "condition false") {
			t.Fatalf("ann: %+v", it)
		}
		if it := byName["eve"]; it.Outcome != Skipped || !strings.Contains(it.Reason, "spam") {
			t.Fatalf("eve: %+v", it)
		}

		_, err = a.SaveBinding(s.ctx, s.chatID, chat.EventMessageReceived, BindingInput{Process: "echo",
			Inputs: map[string]string{"text": "customer.phone"}, Enabled: new(bool)})
		if err == nil {
			t.Fatal("a phone mapped to a string variable was saved")
		}
		run, err = a.DryRun(s.ctx, s.chatID, chat.EventMessageReceived, DryRunInput{Process: "echo",
			Inputs: map[string]string{"text": "customer.phone"}, Limit: 2})
		must(t, err)
		if len(run.Items) != 2 || run.Items[1].Outcome != Failed || run.Items[1].Field != "inputs.text" ||
			!strings.Contains(run.Items[1].Reason, "only the same type maps") {
			t.Fatalf("a broken mapping: %+v", run.Items[1])
		}
		_, err = a.DryRun(s.ctx, s.chatID, chat.EventMessageReceived, DryRunInput{Process: "echo", Condition: "customer.age > 3"})
		wantField(t, err, "condition", "has no field age")
		_, err = a.DryRun(s.ctx, s.chatID, chat.EventMessageReceived, DryRunInput{Limit: 1000})
		wantField(t, err, "limit", "from 1 to 100")
		_, err = a.DryRun(s.ctx, s.chatID, chat.EventSessionClosed, DryRunInput{})
		if !errs.Is(err, errs.NotFound) {
			t.Fatalf("a dry run of an unbound event without a binding: %v", err)
		}
		if after := s.count(t, "SELECT COUNT(*) FROM automation_log") + s.count(t, "SELECT COUNT(*) FROM outbox"); after != before {
			t.Fatalf("a dry run wrote: %d rows before, %d after", before, after)
		}
		if got := s.startedTexts(t); len(got) != 0 {
			t.Fatalf("a dry run started %v", got)
		}
	})
}

// failedLine binds echo, unpublishes it, and lets a customer write: the start fails.
func failedLine(t *testing.T, s *stack, a *Service) *LogEntry {
	t.Helper()
	_, err := a.SaveBinding(s.ctx, s.chatID, chat.EventMessageReceived, BindingInput{Process: "echo",
		Inputs: map[string]string{"text": "lastMessage.text"}})
	must(t, err)
	_, err = s.process.Unpublish(s.ctx, "echo")
	must(t, err)
	s.say(t, "ann", "", "where is my order?")
	drainAll(t, a)
	lines := logLines(t, a, s, LogFilter{Outcome: Failed})
	if len(lines) != 1 {
		t.Fatalf("%d failed lines, want 1", len(lines))
	}
	if got := logLines(t, a, s, LogFilter{SessionID: lines[0].SessionID}); len(got) != 1 || got[0].ID != lines[0].ID {
		t.Fatalf("the failed line's session has %+v", got)
	}
	return lines[0]
}

func TestRetryStartsAFailedLineOnce(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s := newStack(t, db)
		a := New(db, s.chat, s.process, nil, Options{})
		line := failedLine(t, s, a)
		again, err := a.RetryLine(s.ctx, s.chatID, line.ID)
		must(t, err)
		if again.Outcome != Failed || again.Retries != 1 || !strings.Contains(again.Reason, "echo") {
			t.Fatalf("a retry before the cause is fixed: %+v", again)
		}
		_, err = s.process.Publish(s.ctx, "echo")
		must(t, err)
		done, err := a.RetryLine(s.ctx, s.chatID, line.ID)
		must(t, err)
		if done.Outcome != Started || done.InstanceID == "" || done.Retries != 2 || done.CustomerName != "ann" {
			t.Fatalf("a retry after republishing: %+v", done)
		}
		inst, err := s.process.Instance(s.ctx, done.InstanceID)
		must(t, err)
		if inst.Variables["text"].String() != "where is my order?" || inst.SessionID != line.SessionID {
			t.Fatalf("the retried instance has %v on session %s", inst.Variables, inst.SessionID)
		}
		// The line moved from failed to started: the session's log still holds it, once.
		if got := logLines(t, a, s, LogFilter{SessionID: line.SessionID}); len(got) != 1 || got[0].ID != line.ID || got[0].Outcome != Started {
			t.Fatalf("the session's log after the retry: %+v", got)
		}
		if _, err := a.RetryLine(s.ctx, s.chatID, line.ID); !errs.Is(err, errs.Conflict) {
			t.Fatalf("a second retry of a started line: %v", err)
		}
		if _, err := a.RetryLine(s.ctx, s.chatID, "alog_nope"); !errs.Is(err, errs.NotFound) {
			t.Fatalf("a retry of an unknown line: %v", err)
		}
		if got := s.startedTexts(t); len(got) != 1 {
			t.Fatalf("started %v, want one instance", got)
		}
	})
}

func TestRetryAllOfABinding(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s := newStack(t, db)
		a := New(db, s.chat, s.process, nil, Options{})
		failedLine(t, s, a)
		s.say(t, "bob", "", "hello?")
		s.say(t, "eve", "", "spam spam")
		drainAll(t, a)
		_, err := s.chat.MarkSpam(s.ctx, s.sessionIDs(t)[2], chat.SystemActor())
		must(t, err)
		_, err = s.process.Publish(s.ctx, "echo")
		must(t, err)
		out, err := a.RetryFailed(s.ctx, s.chatID, chat.EventMessageReceived)
		must(t, err)
		if out.Started != 2 || out.Skipped != 1 || out.Failed != 0 || len(out.Items) != 3 {
			t.Fatalf("retry all: %+v", out)
		}
		out, err = a.RetryFailed(s.ctx, s.chatID, chat.EventMessageReceived)
		must(t, err)
		if len(out.Items) != 0 {
			t.Fatalf("a second retry all retried %d lines", len(out.Items))
		}
	})
}

func TestLogFiltersAndRetention(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s := newStack(t, db)
		a := s.automation(t)
		_, err := a.SaveBinding(s.ctx, s.chatID, chat.EventSessionCreated, BindingInput{Process: "echo", Enabled: new(bool)})
		must(t, err)
		s.say(t, "ann", "", "one")
		s.say(t, "bob", "", "two")
		drainAll(t, a)
		if n := len(logLines(t, a, s, LogFilter{})); n != 4 {
			t.Fatalf("%d lines, want 4", n)
		}
		if n := len(logLines(t, a, s, LogFilter{Event: chat.EventSessionCreated, Outcome: Skipped})); n != 2 {
			t.Fatalf("%d skipped session_created lines, want 2", n)
		}
		// A session's started lines and its others are found by different paths (queryLog):
		// both must come, newest first, and page as the unfiltered log does.
		ann := s.sessionIDs(t)[0]
		lines := logLines(t, a, s, LogFilter{SessionID: ann})
		if len(lines) != 2 || lines[0].Event != chat.EventMessageReceived || lines[0].Outcome != Started ||
			lines[1].Event != chat.EventSessionCreated || lines[1].Outcome != Skipped {
			var got []string
			for _, l := range lines {
				got = append(got, l.Event+" "+l.Outcome)
			}
			t.Fatalf("ann's lines: %q, want her message's start and then her session's skip", got)
		}
		for _, l := range lines {
			if l.SessionID != ann || l.CustomerName != "ann" {
				t.Fatalf("a line of another session or unnamed: %+v", l)
			}
		}
		first, err := a.Log(s.ctx, LogFilter{LiveChatID: s.chatID, SessionID: ann, Page: store.Page{Limit: 1}})
		must(t, err)
		if len(first.Items) != 1 || first.Items[0].ID != lines[0].ID || first.NextCursor == "" {
			t.Fatalf("first page of ann's lines: %+v", first)
		}
		second, err := a.Log(s.ctx, LogFilter{LiveChatID: s.chatID, SessionID: ann, Page: store.Page{Limit: 1, Cursor: first.NextCursor}})
		must(t, err)
		if len(second.Items) != 1 || second.Items[0].ID != lines[1].ID || second.NextCursor != "" {
			t.Fatalf("second page of ann's lines: %+v", second)
		}
		if got := logLines(t, a, s, LogFilter{SessionID: ann, Outcome: Skipped}); len(got) != 1 || got[0].ID != lines[1].ID {
			t.Fatalf("ann's skipped lines: %+v", got)
		}
		now := time.Now()
		if n := len(logLines(t, a, s, LogFilter{From: now.Add(time.Hour)})); n != 0 {
			t.Fatalf("%d lines from the future", n)
		}
		if n := len(logLines(t, a, s, LogFilter{From: now.Add(-time.Hour), To: now.Add(time.Hour)})); n != 4 {
			t.Fatalf("%d lines in the last hour, want 4", n)
		}
		_, err = a.Log(s.ctx, LogFilter{LiveChatID: s.chatID, Event: "nope"})
		wantField(t, err, "event", "must be")
		_, err = a.Log(s.ctx, LogFilter{LiveChatID: s.chatID, From: now, To: now.Add(-time.Hour)})
		wantField(t, err, "to", "after from")

		n, err := a.PurgeLog(context.Background(), time.Hour)
		must(t, err)
		if n != 0 {
			t.Fatalf("purged %d fresh lines", n)
		}
		n, err = a.PurgeLog(context.Background(), -time.Hour)
		must(t, err)
		if n != 4 || len(logLines(t, a, s, LogFilter{})) != 0 {
			t.Fatalf("purged %d lines of 4", n)
		}
	})
}

// A session's log is read from the session's own lines and instances, never by going
// through all of its live chat's lines: the page answers as quickly when the chat has
// millions of lines as when it has ten. SQLite's planner has no statistics to go by, so
// the query itself must lead it (sessionLogFrom).
func TestSessionLogIsReadWithoutTheChatsLines(t *testing.T) {
	s := newStack(t, storetest.SQLite(t))
	hour := time.Now().Add(-time.Hour)
	for _, f := range []LogFilter{
		{SessionID: "ses_x"},
		{SessionID: "ses_x", Outcome: Started},
		{SessionID: "ses_x", Outcome: Failed, Event: chat.EventMessageReceived, From: hour, To: time.Now()},
	} {
		f.LiveChatID = s.chatID
		query, args := logQuery(f, 1<<62)
		var plan []string
		must(t, s.db.Read(s.ctx, func(tx *store.Tx) error {
			rows, err := tx.Query(s.ctx, "EXPLAIN QUERY PLAN "+query, args...)
			if err != nil {
				return err
			}
			defer rows.Close()
			for rows.Next() {
				var id, parent, unused int
				var detail string
				if err := rows.Scan(&id, &parent, &unused, &detail); err != nil {
					return err
				}
				plan = append(plan, detail)
			}
			return rows.Err()
		}))
		all := strings.Join(plan, "\n")
		for _, bad := range []string{"automation_log_chat", "SCAN automation_log", "SCAN a\n", "SCAN i\n"} {
			if strings.Contains(all+"\n", bad) {
				t.Fatalf("filter %+v: the plan goes through %q:\n%s", f, strings.TrimSpace(bad), all)
			}
		}
		for _, want := range []string{"automation_log_session_unstarted", "process_instances_session", "automation_log_instance"} {
			if !strings.Contains(all, want) {
				t.Fatalf("filter %+v: the plan does not use %s:\n%s", f, want, all)
			}
		}
	}
}
