package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"os"

	"github.com/parleychat/parley/internal/server"
)

// openapi prints the OpenAPI document the server publishes at /api/v1/openapi.json, for
// validators and code generators that want it without running a server. The routes are
// registered by opening a server on a throwaway embedded database.
func openapi(ctx context.Context, args []string, stdout io.Writer) error {
	if len(args) > 0 {
		return fmt.Errorf("parley openapi takes no arguments")
	}
	dir, err := os.MkdirTemp("", "parley-openapi-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	srv, err := server.Open(ctx, server.Config{DataDir: dir, AdminPassword: "unused-password"}, slog.New(slog.DiscardHandler))
	if err != nil {
		return err
	}
	defer srv.Shutdown(context.Background())
	enc := json.NewEncoder(stdout)
	enc.SetIndent("", "  ")
	return enc.Encode(srv.API.OpenAPI())
}
