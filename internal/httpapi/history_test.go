package httpapi_test

import (
	"sort"
	"testing"

	"github.com/parleychat/parley/internal/server/servertest"
)

// TestCustomerHistoryAcrossChannels lists a customer's sessions with ?customer=: their own,
// and those of contacts with the same email in other channels and live chats, as far as the
// caller may see them.
func TestCustomerHistoryAcrossChannels(t *testing.T) {
	servertest.Each(t, servertest.Options{}, func(t *testing.T, env *servertest.Env) {
		c := newChatEnv(t, env)
		start := func(liveChat, name, email string) string {
			var ws struct {
				SessionID string `json:"session_id"`
			}
			env.MustDo("POST", "/api/v1/widget/"+liveChat+"/sessions", "", map[string]any{
				"customer": map[string]any{"name": name, "email": email}, "text": "hi"}, 201, &ws)
			return ws.SessionID
		}
		first := start(c.liveChat, "Ann", "ann@example.com")
		second := start(c.liveChat, "Ann B.", "ann@example.com")
		sales := start(c.otherChat, "Ann", "ann@example.com")
		start(c.liveChat, "Bob", "bob@example.com")
		start(c.liveChat, "No email", "")
		env.MustDo("POST", "/api/v1/sessions/"+first+"/close", c.op, nil, 200, nil)

		var one struct{ Customer struct{ ID string } }
		env.MustDo("GET", "/api/v1/sessions/"+second, c.op, nil, 200, &one)
		ids := func(token string) []string {
			var list struct{ Items []struct{ ID string } }
			env.MustDo("GET", "/api/v1/sessions?customer="+one.Customer.ID, token, nil, 200, &list)
			var out []string
			for _, s := range list.Items {
				out = append(out, s.ID)
			}
			sort.Strings(out)
			return out
		}
		want := []string{first, second}
		sort.Strings(want)
		if got := ids(c.op); len(got) != 2 || got[0] != want[0] || got[1] != want[1] {
			t.Fatalf("Support's operator sees %v, want %v", got, want)
		}
		if got := ids(env.Admin); len(got) != 3 {
			t.Fatalf("the administrator sees %v, want the three sessions of ann@example.com (and %s)", got, sales)
		}
	})
}
