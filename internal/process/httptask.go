package process

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/parleychat/parley/internal/errs"
	"github.com/parleychat/parley/internal/process/bpmn"
	"github.com/parleychat/parley/internal/process/waits"
	"github.com/parleychat/parley/internal/store"
	"github.com/parleychat/parley/internal/value"
)

// maxResponse bounds how much of a response an http task reads.
const maxResponse = 1 << 20

// httpCall is an http task's request, computed from the instance before any network I/O.
type httpCall struct {
	method  string
	url     string
	body    []byte
	headers map[string]string
	// errors maps an answer's status ("404") or class ("5xx") to the BPMN error code it throws.
	errors map[string]string
}

// fireHTTP runs an http task: the request is computed in a read transaction, the call is made
// outside any transaction, and the result is committed in a new transaction that checks the
// job's lease, so a worker that lost its lease changes nothing.
func (s *Service) fireHTTP(ctx context.Context, j waits.Job) error {
	call, err := s.prepareHTTP(ctx, j)
	if errs.Is(err, errs.NotFound) {
		return nil
	}
	var result map[string]any
	if err == nil {
		result, err = s.call(ctx, call)
	}
	return s.db.Tx(ctx, func(tx *store.Tx) error {
		return s.withJob(ctx, tx, j, func(r *runner, t *token, el *bpmn.Element) error {
			r.attempt = j.Attempts + 1
			var e *thrown
			if errors.As(err, &e) {
				return r.throwError(t, el, e)
			}
			if err != nil {
				return r.stepFailed(t, el, err)
			}
			return r.completeService(t, el, result)
		})
	})
}

func (s *Service) prepareHTTP(ctx context.Context, j waits.Job) (*httpCall, error) {
	var c *httpCall
	err := s.db.Read(ctx, func(tx *store.Tx) error {
		st, err := s.loadState(ctx, tx, j.Instance, false)
		if err != nil {
			return err
		}
		el := st.v.Process.Elements[j.Element]
		if el == nil || el.Service == nil {
			return errs.New(errs.NotFound, "element %s is gone", j.Element)
		}
		r := s.newRunner(ctx, tx, st)
		r.tok = st.toks.Token(j.Token)
		c, err = r.httpRequest(el)
		return err
	})
	return c, err
}

// httpRequest evaluates an http task's inputs: placeholders in the URL are query-escaped and
// placeholders in the body are written as JSON values, so a variable can never change the
// shape of the request.
func (r *runner) httpRequest(el *bpmn.Element) (*httpCall, error) {
	c := &httpCall{headers: map[string]string{}, errors: map[string]string{}}
	for _, ip := range r.st.v.Program().Inputs(el.ID) {
		format := formatText
		switch {
		case ip.Name == "url":
			format = formatURL
		case ip.Name == "body":
			format = formatJSON
		}
		v, err := r.input(ip, format)
		if err != nil {
			return nil, err
		}
		r.setHTTPInput(c, ip.Name, v)
	}
	if c.method == "" {
		c.method = http.MethodGet
		if c.body != nil {
			c.method = http.MethodPost
		}
	}
	return c, nil
}

func (r *runner) setHTTPInput(c *httpCall, name string, v any) {
	switch {
	case name == "method":
		c.method = strings.ToUpper(fmt.Sprint(v))
	case name == "url":
		c.url = fmt.Sprint(v)
	case name == "body":
		if s, ok := v.(string); ok {
			c.body = []byte(s)
		} else {
			c.body = []byte(formatJSON(v))
		}
	case strings.HasPrefix(name, "header."):
		c.headers[strings.TrimPrefix(name, "header.")] = formatText(v)
	case strings.HasPrefix(name, bpmn.HTTPErrorPrefix):
		c.errors[strings.TrimPrefix(name, bpmn.HTTPErrorPrefix)] = formatText(v)
	}
}

func formatURL(v any) string { return url.QueryEscape(formatText(v)) }

func formatJSON(v any) string {
	if m, ok := v.(value.Money); ok {
		v = map[string]string{"amount": m.Amount, "currency": m.Currency}
	}
	b, err := json.Marshal(v)
	if err != nil {
		return "null"
	}
	return string(b)
}

// call makes the request and returns what outputs see: status, body (parsed JSON when it is
// JSON, else the text) and headers. A status outside 2xx is an error, so it is retried.
func (s *Service) call(ctx context.Context, c *httpCall) (map[string]any, error) {
	u, err := url.Parse(c.url)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, errs.New(errs.Invalid, "the url %q is not an http or https URL", c.url)
	}
	ctx, cancel := context.WithTimeout(ctx, s.opts.HTTPTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, c.method, c.url, bytes.NewReader(c.body))
	if err != nil {
		return nil, errs.New(errs.Invalid, "the request cannot be made: %v", err)
	}
	if c.body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	req.Header.Set("User-Agent", "Parley-process")
	for k, v := range c.headers {
		req.Header.Set(k, v)
	}
	resp, err := s.client.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxResponse))
	if err != nil {
		return nil, err
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		what := fmt.Sprintf("%s %s answered %s", c.method, u.Redacted(), resp.Status)
		if code := c.errorFor(resp.StatusCode); code != "" {
			return nil, &thrown{code: code, message: what}
		}
		return nil, errors.New(what)
	}
	return responseEnv(resp, data), nil
}

func responseEnv(resp *http.Response, data []byte) map[string]any {
	headers := make(map[string]string, len(resp.Header))
	for k := range resp.Header {
		headers[k] = resp.Header.Get(k)
	}
	var body any
	if err := json.Unmarshal(data, &body); err != nil {
		body = string(data)
	}
	if m, ok := body.(map[string]any); ok {
		return map[string]any{"status": resp.StatusCode, "body": m, "headers": headers}
	}
	return map[string]any{"status": resp.StatusCode, "body": map[string]any{"value": body}, "headers": headers}
}

// errorFor returns the error code an answer's status throws: the exact status first, then its
// class; empty when the status is a plain failure, retried and then an incident.
func (c *httpCall) errorFor(status int) string {
	if code := c.errors[strconv.Itoa(status)]; code != "" {
		return code
	}
	return c.errors[fmt.Sprintf("%dxx", status/100)]
}
