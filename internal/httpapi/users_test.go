package httpapi_test

import (
	"testing"

	"github.com/parleychat/parley/internal/server/servertest"
)

// TestColleagueDirectory checks that staff see each other's directory entry (id, display name,
// presence, groups) for pickers, and logins and emails only for themselves; administrators see
// everyone whole.
func TestColleagueDirectory(t *testing.T) {
	servertest.Each(t, servertest.Options{}, func(t *testing.T, env *servertest.Env) {
		ops := env.Group("Operators")
		olgaID, olga := env.User("olga", ops)
		env.MustDo("PATCH", "/api/v1/users/"+olgaID, env.Admin, map[string]any{"email": "olga@example.com"}, 200, nil)
		otto, _ := env.User("otto", ops)
		type entry struct {
			ID, DisplayName string
			Login, Email    *string
			Presence        string
			Groups          []struct{ Name string }
		}
		var list struct{ Items []entry }
		env.MustDo("GET", "/api/v1/users?limit=100", olga, nil, 200, &list)
		if len(list.Items) != 3 {
			t.Fatalf("olga sees %d users, want all 3 colleagues", len(list.Items))
		}
		for _, u := range list.Items {
			self := u.ID == olgaID
			if (u.Login != nil) != self || (u.Email != nil) != self || u.Presence == "" {
				t.Errorf("olga's view of %s: login %v, email %v; want them only for herself", u.ID, u.Login, u.Email)
			}
		}
		var one entry
		env.MustDo("GET", "/api/v1/users/"+otto, olga, nil, 200, &one)
		if one.Login != nil || one.Email != nil || one.Presence == "" || len(one.Groups) != 1 {
			t.Fatalf("olga's view of otto %+v: want the directory entry, no login or email", one)
		}
		env.MustDo("GET", "/api/v1/users/"+olgaID, olga, nil, 200, &one)
		if one.Login == nil || *one.Login != "olga" || one.Email == nil || *one.Email != "olga@example.com" {
			t.Fatalf("olga's view of herself %+v: want her login and email", one)
		}
		env.MustDo("GET", "/api/v1/users/"+otto, env.Admin, nil, 200, &one)
		if one.Login == nil || *one.Login != "otto" {
			t.Fatalf("the administrator's view of otto %+v: want the whole user", one)
		}
	})
}
