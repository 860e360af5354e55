package process

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/parleychat/parley/internal/errs"
	"github.com/parleychat/parley/internal/store"
	"github.com/parleychat/parley/internal/store/storetest"
	"github.com/parleychat/parley/internal/value"
)

// TestDrawnModelRunsToEnd runs a model drawn in bpmn.io, with parallel branches and a timer,
// to its end and checks the history.
func TestDrawnModelRunsToEnd(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		data, err := os.ReadFile("testdata/review-with-reminder.bpmn")
		if err != nil {
			t.Fatal(err)
		}
		reviewer := e.user("reviewer")
		e.deploy("review", string(data), variable("approved", "boolean"),
			Variable{Name: "reminders", Type: typ("integer"), Required: true})
		inst := e.start("review", map[string]value.Value{"reminders": v(typ("integer"), "0")}, "")
		if got := active(inst); got != "Activity_Review:task Event_Wait:timer" {
			t.Fatalf("first waits %q", got)
		}
		e.clock.Advance(time.Hour)
		if n := e.runJobs(); n != 1 {
			t.Fatalf("ran %d jobs", n)
		}
		if got := active(e.instance(inst.ID)); got != "Activity_Review:task Gateway_Join:join" {
			t.Fatalf("after the timer %q", got)
		}
		if _, err := e.svc.CompleteTask(reviewer, e.instance(inst.ID).Tasks[0].ID, nil); !errs.Is(err, errs.Invalid) {
			t.Fatalf("completing without the required field: %v", err)
		}
		e.completeTaskAt(reviewer, inst.ID, "Activity_Review", map[string]string{"approved": "true"})
		e.wantEnded(inst.ID, "StartEvent_1 started", "Gateway_Fork completed", "Activity_Review waiting", "Event_Wait waiting",
			"Event_Wait fired", "Activity_Note completed", "Gateway_Join waiting", "Activity_Review completed",
			"Gateway_Join joined", "Gateway_Approved completed", "Event_Approved completed", "ended")
		if got := e.instance(inst.ID).Variables["reminders"].String(); got != "1" {
			t.Fatalf("reminders = %s", got)
		}
	})
}

// reopen opens the same database again, as a restarted node does.
func reopen(t *testing.T, dsn string, clock *storetest.Clock) *store.DB {
	return storetest.Open(t, dsn, storetest.Options{Clock: clock})
}

func dsnFor(t *testing.T, dialect string) string {
	if dialect == "postgres" {
		return storetest.NewSchema(t, storetest.PostgresURL(t))
	}
	return filepath.Join(t.TempDir(), "parley.db")
}

func dialects(t *testing.T) []string {
	if storetest.PostgresURL(t) != "" {
		return []string{"sqlite", "postgres"}
	}
	return []string{"sqlite"}
}

// TestRestartResumesTimer stops a node in the middle of a timer wait, starts another on the
// same database after the due time, and checks that its worker fires the timer exactly once.
func TestRestartResumesTimer(t *testing.T) {
	for _, dialect := range dialects(t) {
		t.Run(dialect, func(t *testing.T) {
			dsn, clock := dsnFor(t, dialect), &storetest.Clock{}
			first := reopen(t, dsn, clock)
			e := newEnvOn(t, first, clock, Options{})
			e.deploy("wait", diagram(`<bpmn:intermediateCatchEvent id="wait"><bpmn:timerEventDefinition><bpmn:timeDuration>PT10M</bpmn:timeDuration></bpmn:timerEventDefinition></bpmn:intermediateCatchEvent>`+end+chain("start", "wait", "end")))
			inst := e.start("wait", nil, "")
			first.Close()

			clock.Advance(time.Hour)
			second := reopen(t, dsn, clock)
			svc := New(second, Deps{}, Options{PollInterval: 20 * time.Millisecond})
			ctx, cancel := context.WithCancel(context.Background())
			done := make(chan struct{})
			go func() { svc.Run(ctx); close(done) }()
			e2 := newEnvOn(t, second, clock, Options{})
			waitFor(t, func() bool { return e2.instance(inst.ID).State == StateCompleted })
			time.Sleep(100 * time.Millisecond) // let the worker poll again: it must find nothing
			cancel()
			<-done
			if got := strings.Count(trail(e2.instance(inst.ID)), "wait fired"); got != 1 {
				t.Fatalf("the timer fired %d times", got)
			}
		})
	}
}

func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("timed out")
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// TestTwoWorkersNeverRunAJobTwice lets two nodes' workers race for the same due timers.
func TestTwoWorkersNeverRunAJobTwice(t *testing.T) {
	for _, dialect := range dialects(t) {
		t.Run(dialect, func(t *testing.T) {
			dsn, clock := dsnFor(t, dialect), &storetest.Clock{}
			e := newEnvOn(t, reopen(t, dsn, clock), clock, Options{})
			other := New(reopen(t, dsn, clock), Deps{}, Options{BatchSize: 7})
			e.deploy("race", diagram(`<bpmn:intermediateCatchEvent id="wait"><bpmn:timerEventDefinition><bpmn:timeDuration>PT1M</bpmn:timeDuration></bpmn:timerEventDefinition></bpmn:intermediateCatchEvent>`+end+chain("start", "wait", "end")))
			const n = 300
			for i := 0; i < n; i++ {
				e.start("race", nil, "")
			}
			clock.Advance(2 * time.Minute)
			var ran [2]int
			var wg sync.WaitGroup
			for i, svc := range []*Service{e.svc, other} {
				wg.Add(1)
				go func() {
					defer wg.Done()
					var err error
					ran[i], err = svc.RunDueJobs(context.Background())
					if err != nil {
						t.Error(err)
					}
				}()
			}
			wg.Wait()
			checkFiredOnce(t, e, n)
			t.Logf("worker 1 claimed %d, worker 2 claimed %d", ran[0], ran[1])
		})
	}
}

func checkFiredOnce(t *testing.T, e *env, n int) {
	var fired, completed int
	err := e.db.Read(context.Background(), func(tx *store.Tx) error {
		if err := tx.QueryRow(context.Background(), "SELECT COUNT(*) FROM process_history WHERE event = ?", evFired).Scan(&fired); err != nil {
			return err
		}
		return tx.QueryRow(context.Background(), "SELECT COUNT(*) FROM process_instances WHERE state = ?", StateCompleted).Scan(&completed)
	})
	if err != nil || fired != n || completed != n {
		t.Fatalf("fired %d, completed %d, want %d each (%v)", fired, completed, n, err)
	}
}

const httpTask = `<bpmn:serviceTask id="call"><bpmn:extensionElements><parley:task type="http" retries="3">
	<parley:input name="method" value="POST"/><parley:input name="url" value="%s/leads?name={{ name }}"/>
	<parley:input name="body" value="{&quot;name&quot;: {{ name }}}"/>
	<parley:output variable="remote" expression="body.id"/>
	</parley:task></bpmn:extensionElements></bpmn:serviceTask>`

// TestHTTPTaskRetriesThenIncident calls a local server that fails: the task is tried three
// times with backoff, then raises an incident; an administrator's retry then succeeds.
func TestHTTPTaskRetriesThenIncident(t *testing.T) {
	each(t, func(t *testing.T, _ *env) {
		var hits, failing atomic.Int32
		failing.Store(1)
		var got atomic.Value
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			hits.Add(1)
			if failing.Load() == 1 {
				http.Error(w, "down", http.StatusInternalServerError)
				return
			}
			got.Store(r.URL.RawQuery)
			fmt.Fprint(w, `{"id":"lead-7"}`)
		}))
		defer srv.Close()
		e := newEnv(t, dialectOf(t), Options{AllowPrivateNetworks: true, RetryBackoff: time.Second})
		e.deploy("call", diagram(fmt.Sprintf(httpTask, srv.URL)+end+chain("start", "call", "end")),
			variable("name", "string"), variable("remote", "string"))
		inst := e.start("call", map[string]value.Value{"name": v(typ("string"), `"Ann & Bob"`)}, "")
		for i, wait := range []time.Duration{0, time.Second, 2 * time.Second} {
			e.clock.Advance(wait)
			if n := e.runJobs(); n != 1 {
				t.Fatalf("attempt %d: ran %d jobs", i+1, n)
			}
		}
		if e.clock.Advance(time.Hour); e.runJobs() != 0 || hits.Load() != 3 {
			t.Fatalf("%d calls; want exactly 3 and then an incident", hits.Load())
		}
		incidents, err := e.svc.Incidents(e.admin, pageAll)
		if err != nil || len(incidents.Items) != 1 || e.instance(inst.ID).State != StateIncident {
			t.Fatalf("incidents %+v, %v", incidents.Items, err)
		}
		failing.Store(0)
		if _, err := e.svc.RetryIncident(e.admin, incidents.Items[0].ID); err != nil {
			t.Fatal(err)
		}
		e.runJobs()
		e.wantEnded(inst.ID, "call retrying", "call retrying", "call failed", "retrying", "call completed")
		if r := e.instance(inst.ID).Variables["remote"].String(); r != "lead-7" || got.Load() != "name=Ann+%26+Bob" {
			t.Fatalf("remote = %q, query %v", r, got.Load())
		}
	})
}

// dialectOf returns the dialect of an each subtest by its name.
func dialectOf(t *testing.T) string {
	if strings.HasSuffix(t.Name(), "/postgres") {
		return "postgres"
	}
	return "sqlite"
}

// TestHTTPTaskRefusesPrivateAddresses checks the SSRF guard: a loopback server is never
// called unless private networks are allowed.
func TestHTTPTaskRefusesPrivateAddresses(t *testing.T) {
	var hits atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { hits.Add(1) }))
	defer srv.Close()
	e := newEnv(t, "sqlite", Options{})
	e.deploy("ssrf", diagram(strings.Replace(fmt.Sprintf(httpTask, srv.URL), `retries="3"`, `retries="1"`, 1)+end+chain("start", "call", "end")),
		variable("name", "string"), variable("remote", "string"))
	inst := e.start("ssrf", map[string]value.Value{"name": v(typ("string"), `"x"`)}, "")
	e.runJobs()
	full := e.instance(inst.ID)
	if hits.Load() != 0 || full.State != StateIncident || !strings.Contains(full.Incidents[0].Error, "private") {
		t.Fatalf("hits %d, state %s, incidents %+v", hits.Load(), full.State, full.Incidents)
	}
}

func TestCancel(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		e.deploy("c", diagram(`<bpmn:intermediateCatchEvent id="wait"><bpmn:timerEventDefinition><bpmn:timeDuration>PT1M</bpmn:timeDuration></bpmn:timerEventDefinition></bpmn:intermediateCatchEvent>`+end+chain("start", "wait", "end")))
		inst := e.start("c", nil, "")
		if _, err := e.svc.Cancel(e.user("eve"), inst.ID); !errs.Is(err, errs.Forbidden) {
			t.Fatalf("non-admin cancel: %v", err)
		}
		if got, err := e.svc.Cancel(e.admin, inst.ID); err != nil || got.State != StateCancelled {
			t.Fatalf("cancel: %+v %v", got, err)
		}
		e.clock.Advance(time.Hour)
		if n := e.runJobs(); n != 0 {
			t.Fatalf("a cancelled instance's timer ran")
		}
		if _, err := e.svc.Cancel(e.admin, inst.ID); !errs.Is(err, errs.Conflict) {
			t.Fatalf("second cancel: %v", err)
		}
	})
}
