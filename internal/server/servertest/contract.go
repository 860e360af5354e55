package servertest

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/legacy"
)

// Contract is the OpenAPI document a test server publishes, loaded and validated with
// kin-openapi, and a router over its operations.
type Contract struct {
	Doc    *openapi3.T
	router routers.Router
}

// contracts caches the parsed document by its bytes: every test server publishes the same.
var contracts = struct {
	sync.Mutex
	byText map[string]*Contract
}{byText: map[string]*Contract{}}

// LoadContract reads the document at GET /api/v1/openapi.json and validates it as OpenAPI
// 3.1; an invalid document fails t.
func LoadContract(t testing.TB, baseURL string) *Contract {
	t.Helper()
	resp, err := http.Get(baseURL + "/api/v1/openapi.json")
	if err != nil {
		t.Fatalf("fetch the OpenAPI document: %v", err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("fetch the OpenAPI document: status %d, %v", resp.StatusCode, err)
	}
	contracts.Lock()
	defer contracts.Unlock()
	if c := contracts.byText[string(data)]; c != nil {
		return c
	}
	c, err := parseContract(data)
	if err != nil {
		t.Fatalf("the OpenAPI document is not valid: %v", err)
	}
	contracts.byText[string(data)] = c
	return c
}

func parseContract(data []byte) (*Contract, error) {
	loader := openapi3.NewLoader()
	doc, err := loader.LoadFromData(data)
	if err != nil {
		return nil, err
	}
	if err := doc.Validate(loader.Context); err != nil {
		return nil, err
	}
	// Route by path alone: the document's one server is relative ("/"), the test server's
	// address is not known to it.
	routed := *doc
	routed.Servers = nil
	router, err := legacy.NewRouter(&routed)
	if err != nil {
		return nil, err
	}
	return &Contract{Doc: doc, router: router}, nil
}

func requestInput(req *http.Request, body []byte, route *routers.Route, params map[string]string) *openapi3filter.RequestValidationInput {
	r := req.Clone(context.Background())
	r.Body, r.ContentLength = io.NopCloser(bytes.NewReader(body)), int64(len(body))
	r.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(body)), nil }
	return &openapi3filter.RequestValidationInput{Request: r, PathParams: params, Route: route,
		Options: &openapi3filter.Options{AuthenticationFunc: openapi3filter.NoopAuthenticationFunc,
			IncludeResponseStatus: true, MultiError: true}}
}

// withoutNulls is a JSON object body without its null members, if it has any.
func withoutNulls(body []byte) ([]byte, bool) {
	var obj map[string]any
	if json.Unmarshal(body, &obj) != nil {
		return nil, false
	}
	found := false
	for k, v := range obj {
		if v == nil {
			delete(obj, k)
			found = true
		}
	}
	if !found {
		return nil, false
	}
	out, err := json.Marshal(obj)
	return out, err == nil
}

// contractPath says whether the document covers a path: the API and the health checks, not
// the web UI's pages, assets and the demo site.
func contractPath(path string) bool {
	return strings.HasPrefix(path, "/api/") || path == "/healthz" || path == "/readyz"
}

// Check validates one exchange against the document and returns what disagrees. The answer
// must be a status the operation lists, with a body its schema allows. A request the
// document refuses must be refused by the server too (4xx): an answer of success to it
// means the server takes what the contract does not say.
func (c *Contract) Check(req *http.Request, reqBody []byte, status int, header http.Header, body []byte) error {
	if !contractPath(req.URL.Path) || req.Header.Get("Upgrade") != "" {
		return nil
	}
	route, params, err := c.router.FindRoute(req)
	if err != nil {
		if status == http.StatusNotFound || status == http.StatusMethodNotAllowed {
			return nil
		}
		return fmt.Errorf("%s %s is not in the document, yet the server answered %d", req.Method, req.URL.Path, status)
	}
	in := requestInput(req, reqBody, route, params)
	reqErr := openapi3filter.ValidateRequest(context.Background(), in)
	if reqErr != nil && status < 400 {
		// encoding/json reads a null as a field not given, so the server may take a body
		// with nulls that the document, which asks for values, does not list.
		if stripped, ok := withoutNulls(reqBody); ok {
			reqErr = openapi3filter.ValidateRequest(context.Background(), requestInput(req, stripped, route, params))
		}
	}
	out := &openapi3filter.ResponseValidationInput{RequestValidationInput: in, Status: status, Header: header,
		Body: io.NopCloser(bytes.NewReader(body)), Options: in.Options}
	if err := openapi3filter.ValidateResponse(context.Background(), out); err != nil {
		return fmt.Errorf("%s %s: the answer %d does not match the document: %v\nbody: %.2000s", req.Method, req.URL.Path, status, err, body)
	}
	if reqErr != nil && status < 400 {
		return fmt.Errorf("%s %s: the server answered %d to a request the document refuses: %v\nrequest: %.500s", req.Method, req.URL.Path, status, reqErr, reqBody)
	}
	return nil
}
