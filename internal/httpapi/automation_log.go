package httpapi

import (
	"bytes"
	"encoding/csv"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/parleychat/parley/internal/automation"
	"github.com/parleychat/parley/internal/errs"
	"github.com/parleychat/parley/internal/store"
)

// logQuery is the query of the automation log routes: every filter is optional, times are
// RFC 3339 (from inclusive, to exclusive).
var logQuery = []string{"outcome", "event", "session", "from", "to", "limit", "cursor"}

// logQueryTypes documents the log's query parameters in the OpenAPI document.
var logQueryTypes = map[string]map[string]any{
	"outcome": {"type": "string", "enum": []string{automation.Started, automation.Skipped, automation.Failed}},
	"event":   {"type": "string", "enum": automation.Events},
	"from":    {"type": "string", "format": "date-time"},
	"to":      {"type": "string", "format": "date-time"},
	"limit":   {"type": "integer", "minimum": 1, "maximum": store.MaxLimit},
}

// maxLogCSV bounds the lines of one CSV export; narrow it by time for more.
const maxLogCSV = 100000

// logFilter reads the log's query parameters, naming a bad one.
func logFilter(r *http.Request) (automation.LogFilter, error) {
	q := r.URL.Query()
	f := automation.LogFilter{LiveChatID: r.PathValue("id"), Outcome: q.Get("outcome"), Event: q.Get("event"), SessionID: q.Get("session")}
	var err error
	if f.Page, err = page(r); err != nil {
		return f, err
	}
	for _, t := range []struct {
		name string
		into *time.Time
	}{{"from", &f.From}, {"to", &f.To}} {
		if raw := q.Get(t.name); raw != "" {
			if *t.into, err = time.Parse(time.RFC3339, raw); err != nil {
				return f, errs.Field(t.name, "must be an RFC 3339 time such as 2026-01-31T09:00:00Z, not %q", raw)
			}
		}
	}
	return f, nil
}

// handleAutomationLog handles GET /api/v1/livechats/{id}/automation/log.
func (s *Server) handleAutomationLog(w http.ResponseWriter, r *http.Request) error {
	f, err := logFilter(r)
	if err != nil {
		return err
	}
	list, err := s.Automation.Log(r.Context(), f)
	if err != nil {
		return err
	}
	return ok(w, list)
}

// handleAutomationLogCSV handles GET /api/v1/livechats/{id}/automation/log.csv: the lines the
// same filters select, newest first, as CSV. The first page is read before anything is
// written, so a bad filter is still answered with a JSON error.
func (s *Server) handleAutomationLogCSV(w http.ResponseWriter, r *http.Request) error {
	f, err := logFilter(r)
	if err != nil {
		return err
	}
	f.Page = store.Page{Limit: store.MaxLimit}
	list, err := s.Automation.Log(r.Context(), f)
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="automation-log.csv"`)
	out := csv.NewWriter(w)
	_ = out.Write([]string{"at", "event", "outcome", "reason", "session_id", "session_name", "customer_name", "process",
		"instance_id", "event_id", "line_id", "retries"})
	for n := 0; ; {
		for _, e := range list.Items {
			_ = out.Write([]string{e.At.UTC().Format(time.RFC3339), e.Event, e.Outcome, csvText(e.Reason), e.SessionID,
				csvText(e.SessionName), csvText(e.CustomerName), e.Process, e.InstanceID, e.EventID, e.ID, strconv.Itoa(e.Retries)})
		}
		n += len(list.Items)
		if list.NextCursor == "" || n >= maxLogCSV {
			break
		}
		f.Page.Cursor = list.NextCursor
		if list, err = s.Automation.Log(r.Context(), f); err != nil {
			s.log.Error("automation log export stopped", "err", err)
			break
		}
	}
	out.Flush()
	return nil
}

// csvText makes text that customers wrote (their names, the subjects and reasons built from
// them) safe to open in a spreadsheet: a cell that starts like a formula gets a leading
// apostrophe, so that it is shown as text and never run.
func csvText(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}

// handleAutomationDryRun handles POST /api/v1/livechats/{id}/automation/{event}/dry-run.
func (s *Server) handleAutomationDryRun(w http.ResponseWriter, r *http.Request) error {
	var in automation.DryRunInput
	if err := decodeOptional(r, &in); err != nil {
		return err
	}
	out, err := s.Automation.DryRun(r.Context(), r.PathValue("id"), r.PathValue("event"), in)
	if err != nil {
		return err
	}
	return ok(w, out)
}

// handleAutomationRetryLine handles POST /api/v1/livechats/{id}/automation/log/{line}/retry.
func (s *Server) handleAutomationRetryLine(w http.ResponseWriter, r *http.Request) error {
	e, err := s.Automation.RetryLine(r.Context(), r.PathValue("id"), r.PathValue("line"))
	if err != nil {
		return err
	}
	return ok(w, e)
}

// handleAutomationRetryAll handles POST /api/v1/livechats/{id}/automation/{event}/retry.
func (s *Server) handleAutomationRetryAll(w http.ResponseWriter, r *http.Request) error {
	out, err := s.Automation.RetryFailed(r.Context(), r.PathValue("id"), r.PathValue("event"))
	if err != nil {
		return err
	}
	return ok(w, out)
}

// decodeOptional is decode for a body that may be left out: an empty body leaves v as it is.
func decodeOptional(r *http.Request, v any) error {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		return decodeError(err)
	}
	if len(bytes.TrimSpace(body)) == 0 {
		return nil
	}
	r.Body = io.NopCloser(bytes.NewReader(body))
	return decode(r, v)
}
