package httpapi_test

import (
	"bufio"
	"context"
	"fmt"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/parleychat/parley/internal/server/servertest"
)

func TestAuthEndToEnd(t *testing.T) {
	servertest.Each(t, servertest.Options{}, func(t *testing.T, env *servertest.Env) {
		t.Run("admin logs in and sees itself", func(t *testing.T) {
			var me struct {
				Login  string
				Groups []struct{ Name string }
			}
			env.MustDo("GET", "/api/v1/me", env.Admin, nil, 200, &me)
			if me.Login != "admin" || len(me.Groups) != 1 || me.Groups[0].Name != "Administrators" {
				t.Fatalf("me = %+v", me)
			}
		})
		t.Run("a wrong password and an unknown login get the same 401", func(t *testing.T) {
			wrongPw := env.Do("POST", "/api/v1/auth/login", "", map[string]any{"login": "admin", "password": "nope-nope"})
			noUser := env.Do("POST", "/api/v1/auth/login", "", map[string]any{"login": "ghost", "password": "nope-nope"})
			if wrongPw.Status != 401 || noUser.Status != 401 {
				t.Fatalf("statuses %d, %d; want 401", wrongPw.Status, noUser.Status)
			}
			if wrongPw.ErrorMessage() != noUser.ErrorMessage() {
				t.Fatalf("messages differ, telling which part was wrong: %q vs %q", wrongPw.ErrorMessage(), noUser.ErrorMessage())
			}
		})
		t.Run("a non-administrator may not create users", func(t *testing.T) {
			_, token := env.User("olga")
			r := env.Do("POST", "/api/v1/users", token, map[string]any{"login": "x", "display_name": "X", "password": "password-1"})
			if r.Status != 403 || r.ErrorCode() != "forbidden" {
				t.Fatalf("status %d %s, want 403 forbidden", r.Status, r.Body)
			}
		})
		t.Run("no credentials get 401", func(t *testing.T) {
			if r := env.Do("GET", "/api/v1/users", "", nil); r.Status != 401 {
				t.Fatalf("status %d, want 401", r.Status)
			}
		})
		t.Run("a revoked token gets 401", func(t *testing.T) {
			token := env.Login("admin", servertest.AdminPassword)
			env.MustDo("GET", "/api/v1/me", token, nil, 200, nil)
			env.MustDo("POST", "/api/v1/auth/logout", token, nil, 204, nil)
			if r := env.Do("GET", "/api/v1/me", token, nil); r.Status != 401 {
				t.Fatalf("status %d after logout, want 401", r.Status)
			}
		})
		t.Run("presence", func(t *testing.T) {
			var u struct{ Presence string }
			env.MustDo("PUT", "/api/v1/me/presence", env.Admin, map[string]any{"presence": "online"}, 200, &u)
			if u.Presence != "online" {
				t.Fatalf("presence %q", u.Presence)
			}
			r := env.Do("PUT", "/api/v1/me/presence", env.Admin, map[string]any{"presence": "busy"})
			if r.Status != 422 || !strings.Contains(r.ErrorMessage(), "presence") {
				t.Fatalf("status %d %s, want 422 naming presence", r.Status, r.Body)
			}
		})
	})
}

func TestBadInput(t *testing.T) {
	servertest.Each(t, servertest.Options{}, func(t *testing.T, env *servertest.Env) {
		cases := []struct {
			name   string
			body   string
			status int
			naming string
		}{
			{"malformed JSON", `{"login": "a",`, 400, "malformed JSON"},
			{"not JSON at all", `login=a`, 400, "malformed JSON"},
			{"unknown field", `{"login":"bob","display_name":"Bob","password":"password-1","age":3}`, 422, "age"},
			{"missing required field", `{"login":"bob","password":"password-1"}`, 422, "display_name"},
			{"wrong type", `{"login":5,"display_name":"Bob","password":"password-1"}`, 422, "login"},
			{"bad login", `{"login":"Bob Smith","display_name":"Bob","password":"password-1"}`, 422, "login"},
			{"short password", `{"login":"bob","display_name":"Bob","password":"short"}`, 422, "password"},
			{"body over the limit", `{"login":"` + strings.Repeat("a", 2<<20) + `"}`, 413, "larger than"},
		}
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				r := env.Do("POST", "/api/v1/users", env.Admin, c.body)
				if r.Status != c.status || !strings.Contains(r.ErrorMessage(), c.naming) {
					t.Fatalf("status %d %s; want %d naming %q", r.Status, r.Body, c.status, c.naming)
				}
			})
		}
		t.Run("a taken login is a conflict naming the login", func(t *testing.T) {
			env.User("dup")
			r := env.Do("POST", "/api/v1/users", env.Admin, map[string]any{"login": "dup", "display_name": "D", "password": "password-1"})
			if r.Status != 409 || !strings.Contains(r.ErrorMessage(), "login") {
				t.Fatalf("status %d %s, want 409 naming login", r.Status, r.Body)
			}
		})
		t.Run("an unknown route is a JSON 404", func(t *testing.T) {
			r := env.Do("GET", "/api/v1/nothing-here", env.Admin, nil)
			if r.Status != 404 || r.ErrorCode() != "not_found" {
				t.Fatalf("status %d %s", r.Status, r.Body)
			}
		})
	})
}

func TestGroupsAndLastAdministrator(t *testing.T) {
	servertest.Each(t, servertest.Options{}, func(t *testing.T, env *servertest.Env) {
		gid := env.Group("Operators")
		uid, _ := env.User("op1", gid)
		var g struct{ Members []string }
		env.MustDo("GET", "/api/v1/groups/"+gid, env.Admin, nil, 200, &g)
		if len(g.Members) != 1 || g.Members[0] != uid {
			t.Fatalf("members %v, want [%s]", g.Members, uid)
		}
		if r := env.Do("POST", "/api/v1/groups", env.Admin, map[string]any{"name": "Operators"}); r.Status != 409 {
			t.Fatalf("duplicate group: status %d", r.Status)
		}
		var me struct{ ID string }
		env.MustDo("GET", "/api/v1/me", env.Admin, nil, 200, &me)
		r := env.Do("DELETE", "/api/v1/groups/grp_administrators/members/"+me.ID, env.Admin, nil)
		if r.Status != 409 {
			t.Fatalf("removing the last administrator: status %d, want 409", r.Status)
		}
	})
}

// TestGracefulShutdownFinishesInFlightRequest sends half a request, stops the server, sends
// the rest, and expects a whole answer: a deploy must not cut requests off.
func TestGracefulShutdownFinishesInFlightRequest(t *testing.T) {
	env := servertest.Start(t, "sqlite", servertest.Options{})
	conn, err := net.Dial("tcp", strings.TrimPrefix(env.URL, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	body := fmt.Sprintf(`{"login":"admin","password":%q}`, servertest.AdminPassword)
	head := fmt.Sprintf("POST /api/v1/auth/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n", len(body))
	if _, err := conn.Write([]byte(head + body[:10])); err != nil {
		t.Fatal(err)
	}
	time.Sleep(100 * time.Millisecond) // let the server start reading the request
	stopped := make(chan error, 1)
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		stopped <- env.Server.Shutdown(ctx)
	}()
	time.Sleep(200 * time.Millisecond)
	select {
	case err := <-stopped:
		t.Fatalf("shutdown returned (%v) while a request was in flight", err)
	default:
	}
	if _, err := conn.Write([]byte(body[10:])); err != nil {
		t.Fatal(err)
	}
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatalf("no answer to the in-flight request: %v", err)
	}
	if resp.StatusCode != 200 {
		t.Fatalf("in-flight request got %d, want 200", resp.StatusCode)
	}
	if err := <-stopped; err != nil {
		t.Fatalf("shutdown: %v", err)
	}
}
