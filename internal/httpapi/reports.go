package httpapi

import (
	"encoding/csv"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/parleychat/parley/internal/auth"
	"github.com/parleychat/parley/internal/auth/policy"
	"github.com/parleychat/parley/internal/chat"
	"github.com/parleychat/parley/internal/errs"
	"github.com/parleychat/parley/internal/store"
)

// reportSections are the report's parts a CSV download holds, one per chart.
var reportSections = []string{"sessions", "response_times", "ratings", "operators", "automation"}

var reportQueryTypes = map[string]map[string]any{
	"from":    {"type": "string", "format": "date", "description": "first day (UTC, YYYY-MM-DD); default six days before to"},
	"to":      {"type": "string", "format": "date", "description": "last day, included (UTC, YYYY-MM-DD); default today"},
	"format":  {"type": "string", "enum": []string{"json", "csv"}, "description": "csv answers text/csv (as does Accept: text/csv); it needs section"},
	"section": {"type": "string", "enum": reportSections, "description": "the part a CSV download holds"},
	"q":       {"type": "string", "maxLength": chat.MaxSearchQuery, "description": "words of a customer's name, email or phone, or of a message or note; each matches as a prefix"},
}

func (s *Server) registerReports() {
	if s.Chat == nil {
		return
	}
	s.handle("GET /api/v1/search", staff, op{action: policy.SessionSearch, summary: "Full-text search over customers (name, email, phone), message text and private notes in the sessions the caller may see; up to 50 sessions, each with the text that matched",
		out: store.List[*chat.SearchHit]{}, query: []string{"q"}, queryTypes: reportQueryTypes}, s.handleSearch)
	if s.Automation != nil {
		s.handle("GET /api/v1/reports", staff, op{action: policy.ReportRead, summary: "Reports of the live chats the caller supervises (administrators: all) over a range of days: sessions per day, first response and resolution times, ratings, operators' load, automation outcomes. ?format=csv&section=… (or Accept: text/csv) answers one section as CSV",
			out: chat.Report{}, csv: true, query: []string{"from", "to", "livechat", "format", "section"}, queryTypes: reportQueryTypes}, s.handleReports)
	}
	if s.Channels != nil {
		s.handle("POST /api/v1/widget/sessions/{id}/rating", visitor, op{action: policy.WidgetRate, required: []string{"score"}, summary: "The customer rates their closed session: score 1 to 5 and an optional comment (up to 2000 characters), once per closure (visitor token); 409 while open or when already rated",
			in: chat.RatingInput{}, out: chat.Rating{}, status: http.StatusCreated}, s.handleWidgetRate)
	}
}

// handleSearch handles GET /api/v1/search.
func (s *Server) handleSearch(w http.ResponseWriter, r *http.Request) error {
	u, _ := auth.StaffFrom(r.Context())
	list, err := s.Chat.Search(r.Context(), u, r.URL.Query().Get("q"))
	if err != nil {
		return err
	}
	return ok(w, list)
}

// handleWidgetRate handles POST /api/v1/widget/sessions/{id}/rating.
func (s *Server) handleWidgetRate(w http.ResponseWriter, r *http.Request) error {
	var in chat.RatingInput
	if err := decode(r, &in); err != nil {
		return err
	}
	rating, err := s.Channels.WidgetRate(r.Context(), auth.FromContext(r.Context()), r.PathValue("id"), in)
	if err != nil {
		return err
	}
	return created(w, rating)
}

// handleReports handles GET /api/v1/reports: JSON, or one section as CSV.
func (s *Server) handleReports(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	format := q.Get("format")
	if format == "" && strings.Contains(r.Header.Get("Accept"), "text/csv") {
		format = "csv"
	}
	section := q.Get("section")
	switch {
	case format != "" && format != "json" && format != "csv":
		return errs.Field("format", "must be json or csv, not %q", format)
	case format == "csv" && section == "":
		return errs.Field("section", "is required with CSV: one of %s", strings.Join(reportSections, ", "))
	case section != "" && !slices.Contains(reportSections, section):
		return errs.Field("section", "must be one of %s, not %q", strings.Join(reportSections, ", "), section)
	}
	u, _ := auth.StaffFrom(r.Context())
	rep, err := s.Automation.Report(r.Context(), u, chat.ReportQuery{From: q.Get("from"), To: q.Get("to"), LiveChatID: q.Get("livechat")})
	if err != nil {
		return err
	}
	if format != "csv" {
		return ok(w, rep)
	}
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="report-`+section+`-`+rep.From+`-`+rep.To+`.csv"`)
	out := csv.NewWriter(w)
	_ = out.WriteAll(reportCSV(rep, section))
	return nil
}

// reportCSV lays out one section of the report as rows, a header first. Names are staff's
// or live chats', made safe for spreadsheets all the same.
func reportCSV(rep *chat.Report, section string) [][]string {
	names := map[string]string{}
	for _, c := range rep.LiveChats {
		names[c.ID] = c.Name
	}
	itoa := strconv.Itoa
	secs := func(p *int64) string {
		if p == nil {
			return ""
		}
		return strconv.FormatInt(*p, 10)
	}
	var rows [][]string
	switch section {
	case "sessions":
		rows = append(rows, []string{"date", "live_chat_id", "live_chat", "sessions"})
		for _, d := range rep.Days {
			rows = append(rows, []string{d.Date, d.LiveChatID, csvText(names[d.LiveChatID]), itoa(d.Sessions)})
		}
	case "response_times":
		rows = append(rows, []string{"measure", "sessions", "median_seconds", "p90_seconds"},
			[]string{"first_response", itoa(rep.FirstResponse.Count), secs(rep.FirstResponse.MedianSeconds), secs(rep.FirstResponse.P90Seconds)},
			[]string{"resolution", itoa(rep.Resolution.Count), secs(rep.Resolution.MedianSeconds), secs(rep.Resolution.P90Seconds)})
	case "ratings":
		rows = append(rows, []string{"score", "count"})
		for _, d := range rep.Ratings.Distribution {
			rows = append(rows, []string{itoa(d.Score), itoa(d.Count)})
		}
	case "operators":
		rows = append(rows, []string{"operator_id", "operator", "sessions_handled", "open_now"})
		for _, o := range rep.Operators {
			rows = append(rows, []string{o.OperatorID, csvText(o.Name), itoa(o.SessionsHandled), itoa(o.OpenNow)})
		}
	case "automation":
		rows = append(rows, []string{"live_chat_id", "live_chat", "started", "skipped", "failed"})
		for _, a := range rep.Automation {
			rows = append(rows, []string{a.LiveChatID, csvText(names[a.LiveChatID]), itoa(a.Started), itoa(a.Skipped), itoa(a.Failed)})
		}
	}
	return rows
}
