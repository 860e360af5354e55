// Package servertest starts a real Parley server on 127.0.0.1:0 for end-to-end tests, on
// SQLite in a temporary directory or on a fresh PostgreSQL schema, and gives a small JSON
// client for talking to it.
package servertest

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/parleychat/parley/internal/httpapi"
	"github.com/parleychat/parley/internal/server"
	"github.com/parleychat/parley/internal/store/storetest"
	"golang.org/x/crypto/bcrypt"
)

// AdminPassword is the password of "admin" in every test server.
const AdminPassword = "admin-password-1"

// Env is a running test server.
type Env struct {
	T      testing.TB
	URL    string
	Server *server.Server
	// Admin is a login token of the administrator.
	Admin string
	// Clock is the server's clock when the test asked for a fake one.
	Clock *storetest.Clock
	// Contract is the server's OpenAPI document: Do checks every exchange against it.
	Contract *Contract
}

// Options tune the test server.
type Options struct {
	// FakeClock gives the server a settable clock (Env.Clock).
	FakeClock bool
	// Configure may change the config before the server opens.
	Configure func(*server.Config)
}

// Each starts a server per dialect (SQLite always; PostgreSQL when PARLEY_TEST_POSTGRES is
// set, and required in CI) and runs fn against it as a subtest.
func Each(t *testing.T, opts Options, fn func(t *testing.T, env *Env)) {
	t.Helper()
	t.Run("sqlite", func(t *testing.T) { fn(t, Start(t, "sqlite", opts)) })
	if pg := storetest.PostgresURL(t); pg != "" {
		t.Run("postgres", func(t *testing.T) { fn(t, Start(t, "postgres", opts)) })
	}
}

// Start runs a server on the dialect ("sqlite" or "postgres") until the test ends.
func Start(t testing.TB, dialect string, opts Options) *Env {
	t.Helper()
	cfg := server.Config{
		DataDir: t.TempDir(), AdminPassword: AdminPassword, MaxBody: 1 << 20,
		ShutdownTimeout: 5 * time.Second, BcryptCost: bcrypt.MinCost,
		// Every test calls from 127.0.0.1; tests of the limits set their own.
		Limits: httpapi.NoLimits(),
	}
	if dialect == "postgres" {
		cfg.DB = storetest.NewSchema(t, storetest.PostgresURL(t))
	} else {
		cfg.DB = filepath.Join(cfg.DataDir, "parley.db")
	}
	env := &Env{T: t}
	if opts.FakeClock {
		env.Clock = &storetest.Clock{}
		env.Clock.Set(time.Now().UTC())
		cfg.Clock = env.Clock
	}
	if opts.Configure != nil {
		opts.Configure(&cfg)
	}
	env.serve(t, cfg)
	env.Contract = LoadContract(t, env.URL)
	env.Admin = env.Login("admin", AdminPassword)
	return env
}

func (e *Env) serve(t testing.TB, cfg server.Config) {
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	if os.Getenv("PARLEY_TEST_LOG") != "" {
		log = slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	srv, err := server.Open(context.Background(), cfg, log)
	if err != nil {
		t.Fatalf("open server: %v", err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ln) }()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = srv.Shutdown(ctx)
		<-done
	})
	e.URL, e.Server = "http://"+ln.Addr().String(), srv
}

// Login logs a user in and returns the token.
func (e *Env) Login(login, password string) string {
	e.T.Helper()
	var out struct{ Token string }
	e.MustDo("POST", "/api/v1/auth/login", "", map[string]any{"login": login, "password": password}, 200, &out)
	return out.Token
}

// Response is an answer from the server.
type Response struct {
	Status int
	Body   []byte
	Header http.Header
}

// JSON decodes the body into v.
func (r *Response) JSON(t testing.TB, v any) {
	t.Helper()
	if err := json.Unmarshal(r.Body, v); err != nil {
		t.Fatalf("decode %s: %v", r.Body, err)
	}
}

// ErrorCode returns the error code of an error answer.
func (r *Response) ErrorCode() string {
	var e struct {
		Error struct{ Code, Message string }
	}
	_ = json.Unmarshal(r.Body, &e)
	return e.Error.Code
}

// ErrorMessage returns the message of an error answer.
func (r *Response) ErrorMessage() string {
	var e struct {
		Error struct{ Code, Message string }
	}
	_ = json.Unmarshal(r.Body, &e)
	return e.Error.Message
}

// Do sends a request; body is JSON-encoded unless it is a string or []byte (sent as is).
// The request and the answer are checked against the server's OpenAPI document: a status or
// a field the document does not list fails the test (Contract.Check).
func (e *Env) Do(method, path, token string, body any) *Response {
	e.T.Helper()
	return e.DoRequest(method, path, body, func(r *http.Request) {
		if token != "" {
			r.Header.Set("Authorization", "Bearer "+token)
		}
	})
}

// DoRequest is Do with the request's headers set by prepare.
func (e *Env) DoRequest(method, path string, body any, prepare func(*http.Request)) *Response {
	e.T.Helper()
	var sent []byte
	switch b := body.(type) {
	case nil:
	case string:
		sent = []byte(b)
	case []byte:
		sent = b
	default:
		data, err := json.Marshal(b)
		if err != nil {
			e.T.Fatal(err)
		}
		sent = data
	}
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(sent)
	}
	req, err := http.NewRequest(method, e.URL+path, rd)
	if err != nil {
		e.T.Fatal(err)
	}
	if rd != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if prepare != nil {
		prepare(req)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		e.T.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	if err := e.Contract.Check(req, sent, resp.StatusCode, resp.Header, data); err != nil {
		e.T.Errorf("the OpenAPI contract: %v", err)
	}
	return &Response{Status: resp.StatusCode, Body: data, Header: resp.Header}
}

// MustDo sends a request, fails the test unless the status is want, and decodes into out.
func (e *Env) MustDo(method, path, token string, body any, want int, out any) *Response {
	e.T.Helper()
	r := e.Do(method, path, token, body)
	if r.Status != want {
		e.T.Fatalf("%s %s: status %d, want %d: %s", method, path, r.Status, want, r.Body)
	}
	if out != nil {
		r.JSON(e.T, out)
	}
	return r
}

// User creates a staff user (optionally in groups) and returns its id and a login token.
func (e *Env) User(login string, groupIDs ...string) (id, token string) {
	e.T.Helper()
	var u struct{ ID string }
	e.MustDo("POST", "/api/v1/users", e.Admin, map[string]any{
		"login": login, "display_name": login, "password": login + "-password"}, 201, &u)
	for _, g := range groupIDs {
		e.MustDo("PUT", "/api/v1/groups/"+g+"/members/"+u.ID, e.Admin, nil, 204, nil)
	}
	return u.ID, e.Login(login, login+"-password")
}

// Group creates a group and returns its id.
func (e *Env) Group(name string) string {
	e.T.Helper()
	var g struct{ ID string }
	e.MustDo("POST", "/api/v1/groups", e.Admin, map[string]any{"name": name}, 201, &g)
	return g.ID
}
