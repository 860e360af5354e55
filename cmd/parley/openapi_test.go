package main

import (
	"bytes"
	"context"
	"encoding/json"
	"testing"
)

// TestOpenAPICommand prints the document a validator or generator reads without a server.
func TestOpenAPICommand(t *testing.T) {
	var out, errOut bytes.Buffer
	if err := run(context.Background(), []string{"openapi"}, &out, &errOut); err != nil {
		t.Fatalf("parley openapi: %v\n%s", err, errOut.String())
	}
	var doc struct {
		OpenAPI string         `json:"openapi"`
		Paths   map[string]any `json:"paths"`
	}
	if err := json.Unmarshal(out.Bytes(), &doc); err != nil {
		t.Fatalf("the output is not JSON: %v", err)
	}
	if doc.OpenAPI != "3.1.0" || doc.Paths["/api/v1/sessions/{id}"] == nil {
		t.Fatalf("openapi %q with %d paths; want 3.1.0 with the sessions", doc.OpenAPI, len(doc.Paths))
	}
}
