package httpapi_test

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/parleychat/parley/internal/auth"
	"github.com/parleychat/parley/internal/httpapi"
)

// syncBuffer is a log destination the server's goroutines may write to concurrently.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// TestClientHangUpIsNotAnError hangs up while the server is still working on the request: the
// server logs it at debug level as cancelled, never as an internal error.
func TestClientHangUpIsNotAnError(t *testing.T) {
	var logs syncBuffer
	logger := slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	working := make(chan struct{})
	api := httpapi.New(httpapi.Config{Logger: logger}, httpapi.Deps{
		// The visitor check stands for any slow step that honours the request's context.
		Visitor: func(ctx context.Context, token string) (*auth.Principal, error) {
			close(working)
			<-ctx.Done()
			return nil, ctx.Err()
		},
	})
	srv := httptest.NewServer(api)
	ctx, cancel := context.WithCancel(context.Background())
	req, _ := http.NewRequestWithContext(ctx, "GET", srv.URL+"/healthz", nil)
	req.Header.Set("Authorization", "Bearer "+auth.VisitorPrefix+"x")
	done := make(chan error, 1)
	go func() {
		resp, err := srv.Client().Do(req)
		if err == nil {
			resp.Body.Close()
		}
		done <- err
	}()
	<-working
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Fatalf("the client's request ended with %v, want cancelled", err)
	}
	srv.Close() // waits for the handler to finish and log
	out := logs.String()
	if strings.Contains(out, "level=ERROR") || strings.Contains(out, "internal error") {
		t.Fatalf("a client's hang-up was logged as an error:\n%s", out)
	}
	if !strings.Contains(out, `level=DEBUG msg="request cancelled by the client"`) {
		t.Fatalf("the hang-up was not logged at debug level as cancelled:\n%s", out)
	}
}
