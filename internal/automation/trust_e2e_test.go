package automation_test

import (
	"encoding/csv"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/parleychat/parley/internal/server"
	"github.com/parleychat/parley/internal/server/servertest"
	"github.com/parleychat/parley/internal/store/storetest"
)

// waitQuery waits until the log has n lines for the query.
func (c *chatEnv) waitQuery(query string, n int) []map[string]any {
	c.T.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		lines := c.log(query)
		if len(lines) >= n || time.Now().After(deadline) {
			if len(lines) != n {
				c.T.Fatalf("log%s has %d lines, want %d: %v", query, len(lines), n, lines)
			}
			return lines
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func TestConditionDryRunAndRetryOverHTTP(t *testing.T) {
	servertest.Each(t, servertest.Options{}, func(t *testing.T, env *servertest.Env) {
		c := newChat(t, env)
		c.publish("p", "global", waitBPMN("p"), map[string]any{"name": "text", "type": "string", "required": true})
		base := "/api/v1/livechats/" + c.chat + "/automation/"
		bad := env.Do("PUT", base+"message_received", env.Admin, map[string]any{"process": "p",
			"inputs": map[string]string{"text": "lastMessage.text"}, "condition": `customer.nam == "x"`})
		wantError(t, bad, 422, "condition", "nam")
		wantError(t, env.Do("PUT", base+"message_received", c.supervisor, map[string]any{"process": "p"}), 403)

		first, _ := c.customer("hello")
		second, _ := c.customer("I want a refund")
		var run struct {
			Condition string
			Items     []struct {
				Outcome, Reason string
				Inputs          map[string]any
			}
		}
		env.MustDo("POST", base+"message_received/dry-run", env.Admin, map[string]any{"process": "p",
			"inputs": map[string]string{"text": "lastMessage.text"}, "condition": `lastMessage.text contains "refund"`}, 200, &run)
		if len(run.Items) != 2 || run.Items[0].Outcome != "would_start" || run.Items[0].Inputs["text"] != "I want a refund" ||
			run.Items[1].Outcome != "skipped" || !strings.Contains(run.Items[1].Reason, "condition false") {
			t.Fatalf("dry run: %+v", run)
		}
		wantError(t, env.Do("POST", base+"message_received/dry-run", env.Admin, map[string]any{"limit": 500}), 422, "limit")
		wantError(t, env.Do("POST", base+"message_received/dry-run", c.operator, nil), 403)
		c.processes(first, 0)
		c.processes(second, 0)

		env.MustDo("PUT", base+"message_received", env.Admin, map[string]any{"process": "p",
			"inputs": map[string]string{"text": "lastMessage.text"}, "condition": `lastMessage.text contains "refund"`}, 200, nil)
		env.MustDo("POST", base+"message_received/dry-run", env.Admin, nil, 200, &run)
		if run.Condition != `lastMessage.text contains "refund"` {
			t.Fatalf("the saved binding's dry run tried condition %q", run.Condition)
		}
		env.MustDo("POST", "/api/v1/processes/p/unpublish", env.Admin, nil, 200, nil)
		third, _ := c.customer("refund me")
		c.waitQuery("?outcome=failed", 1)
		skipped, _ := c.customer("thanks")
		lines := c.waitQuery("?outcome=skipped&event=message_received", 1)
		if lines[0]["reason"] != `condition false: lastMessage.text contains "refund"` || lines[0]["session_id"] != skipped {
			t.Fatalf("skipped line %v", lines[0])
		}
		failed := c.log("?outcome=failed")[0]
		if failed["customer_name"] != "Anna Petrova" || failed["session_id"] != third {
			t.Fatalf("failed line %v", failed)
		}
		retry := base + "log/" + failed["id"].(string) + "/retry"
		wantError(t, env.Do("POST", retry, c.supervisor, nil), 403)
		env.MustDo("POST", "/api/v1/processes/p/publish", env.Admin, nil, 201, nil)
		var line map[string]any
		env.MustDo("POST", retry, env.Admin, nil, 200, &line)
		if line["outcome"] != "started" || line["instance_id"] == "" {
			t.Fatalf("retried line %v", line)
		}
		wantError(t, env.Do("POST", retry, env.Admin, nil), 409, "only a failed line")
		c.processes(third, 1)
		var all struct{ Started, Busy int }
		env.MustDo("POST", base+"message_received/retry", env.Admin, nil, 200, &all)
		if all.Started != 0 {
			t.Fatalf("retry all after the only failed line was retried: %+v", all)
		}

		wantError(t, env.Do("GET", base+"log?from=yesterday", env.Admin, nil), 422, "from")
		wantError(t, env.Do("GET", base+"log?outcome=maybe", env.Admin, nil), 422, "outcome")
		from := url.QueryEscape(time.Now().Add(-time.Hour).UTC().Format(time.RFC3339))
		if n := len(c.log("?from=" + from + "&session=" + third)); n != 1 {
			t.Fatalf("%d lines for the third session in the last hour, want 1", n)
		}
		var doc struct {
			Paths map[string]map[string]struct {
				Parameters []struct {
					Name   string
					Schema map[string]any
				}
			}
		}
		env.MustDo("GET", "/api/v1/openapi.json", "", nil, 200, &doc)
		typed := map[string]any{}
		for _, p := range doc.Paths["/api/v1/livechats/{id}/automation/log"]["get"].Parameters {
			typed[p.Name] = p.Schema["format"]
		}
		if typed["from"] != "date-time" || typed["to"] != "date-time" || len(doc.Paths["/api/v1/livechats/{id}/automation/{event}/dry-run"]) == 0 {
			t.Fatalf("the OpenAPI document does not describe the log's filters and the dry run: %v", typed)
		}
		r := env.MustDo("GET", base+"log.csv?outcome=started", env.Admin, nil, 200, nil)
		rows, err := csv.NewReader(strings.NewReader(string(r.Body))).ReadAll()
		if err != nil || len(rows) != 2 || rows[0][0] != "at" || rows[1][2] != "started" || rows[1][6] != "Anna Petrova" {
			t.Fatalf("CSV %q: %v", r.Body, err)
		}
	})
}

// TestTwoNodesRaceToRetryOneLine has administrators on two nodes sharing one PostgreSQL
// retry the same failed line at once: one instance starts.
func TestTwoNodesRaceToRetryOneLine(t *testing.T) {
	if storetest.PostgresURL(t) == "" {
		t.Skip("PostgreSQL only: set PARLEY_TEST_POSTGRES")
	}
	var dsn string
	a := servertest.Start(t, "postgres", servertest.Options{Configure: func(c *server.Config) { dsn = c.DB }})
	b := servertest.Start(t, "postgres", servertest.Options{Configure: func(c *server.Config) { c.DB = dsn }})
	c := newChat(t, a)
	c.publish("p", "global", waitBPMN("p"), map[string]any{"name": "text", "type": "string"})
	c.bind("session_created", "p", map[string]string{"text": "lastMessage.text"})
	a.MustDo("POST", "/api/v1/processes/p/unpublish", a.Admin, nil, 200, nil)
	session, _ := c.customer("hello")
	line := c.waitQuery("?outcome=failed", 1)[0]
	a.MustDo("POST", "/api/v1/processes/p/publish", a.Admin, nil, 201, nil)
	adminB := b.Login("admin", servertest.AdminPassword)
	path := "/api/v1/livechats/" + c.chat + "/automation/log/" + line["id"].(string) + "/retry"
	var wg sync.WaitGroup
	statuses := make(chan int, 10)
	for i := range 10 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			node, token := a, a.Admin
			if i%2 == 1 {
				node, token = b, adminB
			}
			statuses <- node.Do("POST", path, token, nil).Status
		}()
	}
	wg.Wait()
	close(statuses)
	got := map[int]int{}
	for s := range statuses {
		got[s]++
	}
	if got[200] != 1 || got[409] != 9 {
		t.Fatalf("answers %v, want one 200 and nine 409", got)
	}
	c.processes(session, 1)
	if started := c.log("?outcome=started"); len(started) != 1 {
		t.Fatalf("started lines %v", started)
	}
}

// wantError fails unless the answer has the status and its message names each word.
func wantError(t *testing.T, r *servertest.Response, status int, words ...string) {
	t.Helper()
	if r.Status != status {
		t.Fatalf("status %d %s, want %d", r.Status, r.Body, status)
	}
	for _, w := range words {
		if !strings.Contains(r.ErrorMessage(), w) {
			t.Fatalf("message %q does not name %q", r.ErrorMessage(), w)
		}
	}
}
