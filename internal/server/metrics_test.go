package server_test

import (
	"io"
	"net"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/parleychat/parley/internal/server"
	"github.com/parleychat/parley/internal/server/servertest"
	"github.com/parleychat/parley/internal/store"
)

const metricsToken = "metrics-token-0123456789"

// waitBPMN holds each instance at a user task.
const waitBPMN = `<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:parley="https://parley.dev/schema/bpmn/1" id="d_wait">
<bpmn:process id="wait" isExecutable="true"><bpmn:startEvent id="start"/>
<bpmn:userTask id="look" name="Look"><bpmn:extensionElements><parley:assignee group="Administrators"/></bpmn:extensionElements></bpmn:userTask>
<bpmn:endEvent id="end"/><bpmn:sequenceFlow id="f0" sourceRef="start" targetRef="look"/><bpmn:sequenceFlow id="f1" sourceRef="look" targetRef="end"/>
</bpmn:process></bpmn:definitions>`

// customerActivity makes a live chat whose message_received starts the wait process, and has
// one widget customer write three messages; it returns when the three instances started.
func customerActivity(t *testing.T, env *servertest.Env) {
	var groups struct{ Items []struct{ ID, Name string } }
	env.MustDo("GET", "/api/v1/groups", env.Admin, nil, 200, &groups)
	var lc struct{ ID string }
	env.MustDo("POST", "/api/v1/livechats", env.Admin, map[string]any{"name": "Metered",
		"operator_groups": []string{groups.Items[0].ID}, "supervisor_groups": []string{groups.Items[0].ID}}, 201, &lc)
	env.MustDo("POST", "/api/v1/processes", env.Admin, map[string]any{"code": "wait", "name": "Wait", "scope": "global", "bpmn": waitBPMN}, 201, nil)
	env.MustDo("POST", "/api/v1/processes/wait/publish", env.Admin, nil, 201, nil)
	env.MustDo("PUT", "/api/v1/livechats/"+lc.ID+"/automation/message_received", env.Admin, map[string]any{"process": "wait", "enabled": true}, 200, nil)
	var s struct {
		SessionID    string `json:"session_id"`
		VisitorToken string `json:"visitor_token"`
	}
	env.MustDo("POST", "/api/v1/widget/"+lc.ID+"/sessions", "", map[string]any{"customer": map[string]any{"name": "Ann"}, "text": "one"}, 201, &s)
	env.MustDo("POST", "/api/v1/widget/sessions/"+s.SessionID+"/messages", s.VisitorToken, map[string]any{"text": "two"}, 201, nil)
	env.MustDo("POST", "/api/v1/widget/sessions/"+s.SessionID+"/messages", s.VisitorToken, map[string]any{"text": "three"}, 201, nil)
	deadline := time.Now().Add(10 * time.Second)
	for {
		var log struct{ Items []struct{ Outcome string } }
		env.MustDo("GET", "/api/v1/livechats/"+lc.ID+"/automation/log?outcome=started", env.Admin, nil, 200, &log)
		if len(log.Items) == 3 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d instances started after 10s, want 3", len(log.Items))
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func scrape(t *testing.T, url, token string) (int, string) {
	t.Helper()
	req, _ := http.NewRequest("GET", url, nil)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(body)
}

// sample returns the value of the series whose line starts with prefix, failing when absent.
func sample(t *testing.T, text, prefix string) float64 {
	t.Helper()
	m := regexp.MustCompile(`(?m)^` + regexp.QuoteMeta(prefix) + ` (\S+)$`).FindStringSubmatch(text)
	if m == nil {
		t.Fatalf("no series %s in:\n%s", prefix, text)
	}
	v, err := strconv.ParseFloat(m[1], 64)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// TestMetricsBehindToken serves /metrics on the main address behind the token, and after a
// customer's messages started their processes the named series report them.
func TestMetricsBehindToken(t *testing.T) {
	servertest.Each(t, servertest.Options{Configure: func(c *server.Config) { c.MetricsToken = metricsToken }}, func(t *testing.T, env *servertest.Env) {
		if status, _ := scrape(t, env.URL+"/metrics", ""); status != http.StatusUnauthorized {
			t.Fatalf("/metrics without the token: status %d, want 401", status)
		}
		if status, _ := scrape(t, env.URL+"/metrics", "wrong-token-0123456789"); status != http.StatusUnauthorized {
			t.Fatalf("/metrics with a wrong token: status %d, want 401", status)
		}
		customerActivity(t, env)
		status, text := scrape(t, env.URL+"/metrics", metricsToken)
		if status != http.StatusOK {
			t.Fatalf("/metrics: status %d: %s", status, text)
		}
		want := map[string]float64{
			`parley_messages_received_total{channel="widget"}`:     3,
			`parley_automation_instances_total{outcome="started"}`: 3,
			`parley_automation_instances_total{outcome="failed"}`:  0,
			`parley_automation_backlog_events`:                     0,
			`parley_automation_dispatch_lag_seconds`:               0,
			`parley_http_request_duration_seconds_count{code="2xx",method="POST",route="POST /api/v1/widget/sessions/{id}/messages"}`: 2,
			`parley_http_request_duration_seconds_count{code="2xx",method="POST",route="POST /api/v1/widget/{livechatId}/sessions"}`:  1,
			`parley_process_jobs{state="incident"}`:         0,
			`parley_process_incidents_open`:                 0,
			`parley_channel_deliveries_pending{when="due"}`: 0,
			`parley_websocket_connections`:                  0,
		}
		for series, v := range want {
			if got := sample(t, text, series); got != v {
				t.Errorf("%s = %v, want %v", series, got, v)
			}
		}
		if n := sample(t, text, `parley_http_request_duration_seconds_count{code="4xx",method="GET",route="GET /metrics"}`); n != 2 {
			t.Errorf("refused scrapes: %v, want 2", n)
		}
		if strings.Contains(text, `route="unmatched"`) {
			t.Errorf("requests counted as unmatched:\n%s", text)
		}
		for _, positive := range []string{"process_resident_memory_bytes", "go_goroutines"} {
			if v := sample(t, text, positive); v <= 0 {
				t.Errorf("%s = %v, want > 0", positive, v)
			}
		}
		if env.Server.DB.Dialect() == store.SQLite {
			// Three customer messages, each committed by the writer in some group.
			for _, phase := range []string{"wait", "run", "commit"} {
				if n := sample(t, text, `parley_sqlite_group_seconds_count{phase="`+phase+`"}`); n < 1 {
					t.Errorf("SQLite groups timed in phase %s: %v, want at least one", phase, n)
				}
			}
		}
		if !strings.Contains(text, "go_sql_max_open_connections{db_name=") {
			t.Errorf("no database pool statistics in:\n%s", text)
		}
		if status, body := scrape(t, env.URL+"/debug/pprof/", ""); status == http.StatusOK && strings.Contains(body, "goroutine") {
			t.Errorf("pprof is served on the main address")
		}
	})
}

// TestMetricsAndDebugOnTheirOwnAddresses serves /metrics and pprof on their own listeners and
// neither on the main address.
func TestMetricsAndDebugOnTheirOwnAddresses(t *testing.T) {
	metricsAddr, debugAddr := freeAddr(t), freeAddr(t)
	env := servertest.Start(t, "sqlite", servertest.Options{Configure: func(c *server.Config) { c.MetricsAddr, c.DebugAddr = metricsAddr, debugAddr }})
	env.MustDo("GET", "/healthz", "", nil, 200, nil)
	status, text := scrape(t, "http://"+metricsAddr+"/metrics", "")
	if status != http.StatusOK {
		t.Fatalf("metrics address: status %d: %s", status, text)
	}
	if n := sample(t, text, `parley_http_request_duration_seconds_count{code="2xx",method="GET",route="GET /healthz"}`); n != 1 {
		t.Errorf("healthz requests: %v, want 1", n)
	}
	if status, body := scrape(t, "http://"+debugAddr+"/debug/pprof/", ""); status != http.StatusOK || !strings.Contains(body, "goroutine") {
		t.Errorf("debug address: status %d, body %.200s", status, body)
	}
	if status, _ := scrape(t, "http://"+debugAddr+"/metrics", ""); status != http.StatusNotFound {
		t.Errorf("metrics on the debug address: status %d, want 404", status)
	}
	for _, path := range []string{"/metrics", "/debug/pprof/"} {
		if status, body := scrape(t, env.URL+path, ""); status == http.StatusOK && (strings.Contains(body, "goroutine") || strings.Contains(body, "parley_")) {
			t.Errorf("%s is served on the main address", path)
		}
	}
}

func freeAddr(t *testing.T) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}
