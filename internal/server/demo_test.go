package server_test

import (
	"bytes"
	"context"
	"log/slog"
	"path/filepath"
	"strings"
	"testing"

	"github.com/parleychat/parley/internal/server"
)

// TestDemoLogNamesTheWebsiteWidget reads the start-up log of --demo as a newcomer does: the
// demo site's line names the "Website" live chat and the address of its widget, the one
// /demo/site embeds.
func TestDemoLogNamesTheWebsiteWidget(t *testing.T) {
	var logs bytes.Buffer
	dir := t.TempDir()
	srv, err := server.Open(context.Background(), server.Config{DataDir: dir, DB: filepath.Join(dir, "parley.db"),
		AdminPassword: "admin-password-1"}, slog.New(slog.NewTextHandler(&logs, nil)))
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Shutdown(context.Background())
	if err := srv.Demo(context.Background()); err != nil {
		t.Fatal(err)
	}
	id, err := srv.DemoSiteLiveChat(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	var line string
	for _, l := range strings.Split(logs.String(), "\n") {
		if strings.Contains(l, `msg="demo site ready"`) {
			line = l
		}
	}
	for _, want := range []string{"page=/demo/site", "live_chat=Website", "widget=/widget/" + id} {
		if id == "" || !strings.Contains(line, want) {
			t.Errorf("the demo site's log line %q does not say %s", line, want)
		}
	}
}
