package httpapi_test

import (
	"encoding/csv"
	"net/url"
	"strings"
	"testing"

	"github.com/parleychat/parley/internal/server/servertest"
)

// TestRatingAndReportsOverHTTP walks the routes: the customer rates their closed session over
// the widget's route, once; the supervisor reads it on the session and in the reports, as
// JSON and as CSV that parses.
func TestRatingAndReportsOverHTTP(t *testing.T) {
	servertest.Each(t, servertest.Options{}, func(t *testing.T, env *servertest.Env) {
		c := newChatEnv(t, env)
		id, visitor := c.startWidget(c.liveChat, "Где мой заказ?")
		rating := "/api/v1/widget/sessions/" + id + "/rating"
		wantError(t, env.Do("POST", rating, visitor, map[string]any{"score": 5}), 409, "closed")
		env.MustDo("POST", "/api/v1/sessions/"+id+"/close", c.op, nil, 200, nil)
		wantError(t, env.Do("POST", rating, visitor, map[string]any{"score": 9}), 422, "score")
		wantError(t, env.Do("POST", rating, visitor, map[string]any{"score": 4, "comment": strings.Repeat("x", 2001)}), 422, "comment")
		wantError(t, env.Do("POST", rating, c.op, map[string]any{"score": 4}), 401)
		env.MustDo("POST", rating, visitor, map[string]any{"score": 4, "comment": "Спасибо"}, 201, nil)
		wantError(t, env.Do("POST", rating, visitor, map[string]any{"score": 5}), 409, "already rated")

		var sess struct {
			Rating struct {
				Score   int
				Comment string
			}
		}
		env.MustDo("GET", "/api/v1/sessions/"+id, c.sup, nil, 200, &sess)
		if sess.Rating.Score != 4 || sess.Rating.Comment != "Спасибо" {
			t.Fatalf("the session's rating = %+v", sess.Rating)
		}

		var rep struct {
			LiveChats []struct{ ID string } `json:"live_chats"`
			Ratings   struct {
				Count   int
				Average float64
			}
		}
		env.MustDo("GET", "/api/v1/reports", c.sup, nil, 200, &rep)
		if len(rep.LiveChats) != 1 || rep.LiveChats[0].ID != c.liveChat || rep.Ratings.Count != 1 || rep.Ratings.Average != 4 {
			t.Fatalf("the supervisor's report = %+v", rep)
		}
		res := env.MustDo("GET", "/api/v1/reports?format=csv&section=ratings", c.sup, nil, 200, nil)
		rows, err := csv.NewReader(strings.NewReader(string(res.Body))).ReadAll()
		if err != nil || len(rows) != 6 || rows[0][0] != "score" || rows[4][0] != "4" || rows[4][1] != "1" {
			t.Fatalf("ratings CSV %q (%v)", res.Body, err)
		}
		res = env.MustDo("GET", "/api/v1/reports?format=csv&section=sessions&livechat="+c.liveChat, c.sup, nil, 200, nil)
		if rows, err := csv.NewReader(strings.NewReader(string(res.Body))).ReadAll(); err != nil || len(rows) != 8 || rows[0][3] != "sessions" {
			t.Fatalf("sessions CSV %q (%v)", res.Body, err)
		}
		wantError(t, env.Do("GET", "/api/v1/reports?format=csv", c.sup, nil), 422, "section")
		wantError(t, env.Do("GET", "/api/v1/reports?from=yesterday", c.sup, nil), 422, "from")
		wantError(t, env.Do("GET", "/api/v1/reports", c.op, nil), 403)
		wantError(t, env.Do("GET", "/api/v1/reports?livechat="+c.otherChat, c.sup, nil), 403)
	})
}

// TestSearchOverHTTP finds a session by message text in Cyrillic, and only for staff of its
// live chat.
func TestSearchOverHTTP(t *testing.T) {
	servertest.Each(t, servertest.Options{}, func(t *testing.T, env *servertest.Env) {
		c := newChatEnv(t, env)
		id, visitor := c.startWidget(c.liveChat, "Посылка пришла повреждённой")
		var found struct {
			Items []struct {
				Session struct{ ID string }
				Match   string
				Snippet string
			}
		}
		env.MustDo("GET", "/api/v1/search?q="+url.QueryEscape("посылка"), c.op, nil, 200, &found)
		if len(found.Items) != 1 || found.Items[0].Session.ID != id || found.Items[0].Match != "message" || !strings.Contains(found.Items[0].Snippet, "Посылка") {
			t.Fatalf("found %+v", found.Items)
		}
		env.MustDo("GET", "/api/v1/search?q="+url.QueryEscape("посылка"), c.otherOp, nil, 200, &found)
		if len(found.Items) != 0 {
			t.Fatalf("another live chat's operator found %+v", found.Items)
		}
		wantError(t, env.Do("GET", "/api/v1/search?q=", c.op, nil), 422, "q")
		wantError(t, env.Do("GET", "/api/v1/search?q=x", visitor, nil), 401)
	})
}
