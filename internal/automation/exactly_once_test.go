package automation

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"

	"github.com/parleychat/parley/internal/auth"
	"github.com/parleychat/parley/internal/chat"
	"github.com/parleychat/parley/internal/errs"
	"github.com/parleychat/parley/internal/process"
	"github.com/parleychat/parley/internal/store"
	"github.com/parleychat/parley/internal/store/storetest"
	"golang.org/x/crypto/bcrypt"
)

// stack is the services a dispatcher needs, without background workers, so a test decides
// when and how dispatching runs.
type stack struct {
	db      *store.DB
	ctx     context.Context
	chat    *chat.Service
	process *process.Service
	channel string
	chatID  string
}

const echoBPMN = `<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:parley="https://parley.dev/schema/bpmn/1" id="d">
<bpmn:process id="echo" isExecutable="true"><bpmn:startEvent id="start"/>
<bpmn:userTask id="look"><bpmn:extensionElements><parley:assignee group="Administrators"/></bpmn:extensionElements></bpmn:userTask>
<bpmn:endEvent id="end"/>
<bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="look"/><bpmn:sequenceFlow id="f2" sourceRef="look" targetRef="end"/>
</bpmn:process></bpmn:definitions>`

func newStack(t *testing.T, db *store.DB) *stack {
	ctx := context.Background()
	au := auth.New(db, nil)
	au.BcryptCost = bcrypt.MinCost
	u, err := au.CreateUser(ctx, auth.NewUser{Login: "root", DisplayName: "Root", Password: "password-1"})
	must(t, err)
	must(t, au.AddMember(ctx, auth.AdministratorsID, u.ID))
	u, err = au.User(ctx, u.ID)
	must(t, err)
	s := &stack{db: db, ctx: auth.WithPrincipal(ctx, &auth.Principal{User: u}), chat: chat.New(db, nil)}
	lc, err := s.chat.CreateLiveChat(s.ctx, chat.NewLiveChat{Name: "Web", By: u.ID,
		OperatorGroups: []string{auth.AdministratorsID}, SupervisorGroups: []string{auth.AdministratorsID}})
	must(t, err)
	s.chatID, s.channel = lc.ID, lc.Channels[0].ID
	s.process = process.New(db, process.Deps{Chat: process.LiveChat{S: s.chat}}, process.Options{})
	_, err = s.process.CreateDraft(s.ctx, process.Draft{Code: "echo", Name: "Echo", Scope: "global", BPMN: echoBPMN,
		Variables: []process.Variable{{Name: "text", Type: mustType("string")}}})
	must(t, err)
	_, err = s.process.Publish(s.ctx, "echo")
	must(t, err)
	return s
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func (s *stack) automation(t *testing.T) *Service {
	a := New(s.db, s.chat, s.process, nil, Options{Batch: 16})
	if _, err := a.SaveBinding(s.ctx, s.chatID, chat.EventMessageReceived, BindingInput{Process: "echo",
		Inputs: map[string]string{"text": "lastMessage.text"}}); err != nil {
		t.Fatal(err)
	}
	return a
}

// write sends n messages from each of several customers.
func (s *stack) write(t *testing.T, customers, n int) { s.writeFrom(t, customers, 0, n) }

// writeFrom sends each customer's messages from to n-1 (the texts number them).
func (s *stack) writeFrom(t *testing.T, customers, from, n int) {
	for c := range customers {
		for i := from; i < n; i++ {
			_, err := s.chat.Receive(s.ctx, chat.Inbound{ChannelID: s.channel, Identity: fmt.Sprintf("visitor-%d", c),
				Customer: chat.CustomerInfo{Name: fmt.Sprintf("C%d", c)}, Text: fmt.Sprintf("c%d-m%d", c, i)})
			must(t, err)
		}
	}
	// A writer on PostgreSQL returns before its events are numbered; a dispatcher reads them
	// once they are, as this does.
	must(t, chat.SequencePending(s.ctx, s.db))
}

// startedTexts returns, per session, the message text each started instance got, in the
// order the instances were started.
func (s *stack) startedTexts(t *testing.T) map[string][]string {
	out := map[string][]string{}
	err := s.db.Read(s.ctx, func(tx *store.Tx) error {
		rows, err := tx.Query(s.ctx, `SELECT session_id, instance_id FROM automation_log WHERE outcome = 'started' ORDER BY event_seq`)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var session, instance string
			if err := rows.Scan(&session, &instance); err != nil {
				return err
			}
			out[session] = append(out[session], instance)
		}
		return rows.Err()
	})
	must(t, err)
	for session, ids := range out {
		for i, id := range ids {
			inst, err := s.process.Instance(s.ctx, id)
			must(t, err)
			out[session][i] = inst.Variables["text"].String()
		}
	}
	return out
}

// checkOnce asserts one instance per message, each with its own text, in message order.
func checkOnce(t *testing.T, s *stack, customers, n int) {
	got := s.startedTexts(t)
	if len(got) != customers {
		t.Fatalf("instances in %d sessions, want %d", len(got), customers)
	}
	for _, texts := range got {
		if len(texts) != n {
			t.Fatalf("%d instances for a session, want %d: %v", len(texts), n, texts)
		}
		prefix := texts[0][:len(texts[0])-len("-m0")]
		for i, text := range texts {
			if want := fmt.Sprintf("%s-m%d", prefix, i); text != want {
				t.Fatalf("instance %d got %q, want %q (order or snapshot broken): %v", i, text, want, texts)
			}
		}
	}
	var instances int
	must(t, s.db.Read(s.ctx, func(tx *store.Tx) error {
		return tx.QueryRow(s.ctx, "SELECT COUNT(*) FROM automation_log").Scan(&instances)
	}))
	if instances != customers*n {
		t.Fatalf("%d log lines, want %d", instances, customers*n)
	}
}

func drainAll(t *testing.T, a *Service) {
	for {
		// What was written so far, by the test or by the instances just started, numbered.
		must(t, chat.SequencePending(context.Background(), a.db))
		n, err := a.DispatchOnce(context.Background())
		must(t, err)
		if n == 0 {
			return
		}
	}
}

func TestCrashBetweenStartAndCommitStartsOnce(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s := newStack(t, db)
		a := s.automation(t)
		s.write(t, 3, 4)
		crash := errors.New("killed before commit")
		a.beforeCommit = func() error { return crash }
		if _, err := a.DispatchOnce(context.Background()); !errors.Is(err, crash) {
			t.Fatalf("got %v, want the crash", err)
		}
		if got := s.startedTexts(t); len(got) != 0 {
			t.Fatalf("a crashed batch left instances: %v", got)
		}
		a.beforeCommit = nil
		restarted := New(db, s.chat, s.process, nil, Options{Batch: 16})
		drainAll(t, restarted)
		drainAll(t, a)
		checkOnce(t, s, 3, 4)
	})
}

func TestRacingDispatchersStartOnce(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s := newStack(t, db)
		a := s.automation(t)
		b := New(db, s.chat, s.process, nil, Options{Batch: 5})
		var wg sync.WaitGroup
		stop := make(chan struct{})
		for _, d := range []*Service{a, b} {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for {
					select {
					case <-stop:
						return
					default:
					}
					if _, err := d.DispatchOnce(context.Background()); err != nil {
						t.Error(err)
						return
					}
				}
			}()
		}
		s.write(t, 4, 10)
		close(stop)
		wg.Wait()
		drainAll(t, a)
		checkOnce(t, s, 4, 10)
	})
}

func TestQueuedEventOfSessionMarkedSpamStartsNothing(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s := newStack(t, db)
		a := s.automation(t)
		s.write(t, 1, 1)
		var session string
		must(t, db.Read(s.ctx, func(tx *store.Tx) error {
			return tx.QueryRow(s.ctx, "SELECT id FROM sessions").Scan(&session)
		}))
		_, err := s.chat.MarkSpam(s.ctx, session, chat.SystemActor())
		must(t, err)
		drainAll(t, a)
		if got := s.startedTexts(t); len(got) != 0 {
			t.Fatalf("an event queued before the spam mark started %v", got)
		}
	})
}

// TestRacingRetriesStartOnce has many administrators retry the same failed line at once,
// through two services as two nodes would: exactly one retry starts the instance, every other
// is told the line is no longer failed, and the event has one instance.
func TestRacingRetriesStartOnce(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s := newStack(t, db)
		a := New(db, s.chat, s.process, nil, Options{})
		b := New(db, s.chat, s.process, nil, Options{})
		line := failedLine(t, s, a)
		_, err := s.process.Publish(s.ctx, "echo")
		must(t, err)
		const racers = 16
		results := make(chan error, racers)
		start := make(chan struct{})
		for i := range racers {
			node := []*Service{a, b}[i%2]
			go func() {
				<-start
				e, err := node.RetryLine(s.ctx, s.chatID, line.ID)
				if err == nil && e.Outcome != Started {
					err = fmt.Errorf("retry ended %s: %s", e.Outcome, e.Reason)
				}
				results <- err
			}()
		}
		close(start)
		won := 0
		for range racers {
			switch err := <-results; {
			case err == nil:
				won++
			case !errs.Is(err, errs.Conflict):
				t.Fatalf("a racing retry: %v", err)
			}
		}
		if won != 1 {
			t.Fatalf("%d retries started the event, want exactly 1", won)
		}
		if got := s.startedTexts(t); len(got) != 1 || len(got[line.SessionID]) != 1 {
			t.Fatalf("instances %v, want one for the session", got)
		}
		procs, err := a.SessionProcesses(s.ctx, line.SessionID)
		must(t, err)
		if len(procs) != 1 {
			t.Fatalf("the session has %d instances, want 1", len(procs))
		}
	})
}
