package httpapi

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strconv"
	"strings"

	"github.com/parleychat/parley/internal/errs"
	"github.com/parleychat/parley/internal/store"
)

// statusOf is the one table from error codes to HTTP statuses.
var statusOf = map[errs.Code]int{
	errs.Invalid:      http.StatusUnprocessableEntity,
	errs.NotFound:     http.StatusNotFound,
	errs.Conflict:     http.StatusConflict,
	errs.Unauthorized: http.StatusUnauthorized,
	errs.Forbidden:    http.StatusForbidden,
	errs.TooLarge:     http.StatusRequestEntityTooLarge,
	errs.RateLimited:  http.StatusTooManyRequests,
	errs.Internal:     http.StatusInternalServerError,
}

// malformed is bad input that is not even JSON: 400 rather than 422.
type malformed struct{ e *errs.Error }

func (m malformed) Error() string { return m.e.Error() }

type errorBody struct {
	Error errorPayload `json:"error"`
}

type errorPayload struct {
	Code    errs.Code      `json:"code"`
	Message string         `json:"message"`
	Details map[string]any `json:"details,omitempty"`
}

// writeError writes err in the contract's shape. Errors without a code are internal: they
// are logged with the request id and shown as a generic message, never as a stack trace.
func (s *Server) writeError(w http.ResponseWriter, r *http.Request, err error) {
	if clientGone(r, err) {
		s.log.Debug("request cancelled by the client", "err", err, "method", r.Method, "path", r.URL.Path, "request_id", requestID(r.Context()))
		w.WriteHeader(statusClientClosed)
		return
	}
	var e *errs.Error
	status := http.StatusInternalServerError
	var m malformed
	switch {
	case errors.As(err, &m):
		e, status = m.e, http.StatusBadRequest
	case errors.As(err, &e) && e.Code != errs.Internal:
		status = statusOf[e.Code]
	default:
		s.log.Error("internal error", "err", err, "method", r.Method, "path", r.URL.Path, "request_id", requestID(r.Context()))
		e = &errs.Error{Code: errs.Internal, Message: "internal error; the request id is " + requestID(r.Context())}
	}
	switch status {
	case http.StatusUnauthorized:
		w.Header().Set("WWW-Authenticate", `Bearer realm="parley"`)
	case http.StatusTooManyRequests:
		setRetryAfter(w, e)
	}
	writeJSON(w, status, errorBody{errorPayload{e.Code, e.Message, e.Details}})
}

// statusClientClosed is what the request log shows for a request whose client hung up
// before the answer: nobody reads it, and it is not a server error.
const statusClientClosed = 499

// clientGone says err is only the client hanging up: the request's own context was cancelled
// and the error comes from that. A cancellation while the client still waits is a real error.
func clientGone(r *http.Request, err error) bool {
	return errors.Is(err, context.Canceled) && errors.Is(r.Context().Err(), context.Canceled)
}

// writeJSON writes v as the response body. Answers are never to be sniffed as anything but
// JSON, nor kept by caches: they hold customers' words and are the caller's alone.
func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// decode reads a JSON body into v strictly: unknown fields and wrong types are refused with
// the field named, malformed JSON with where it broke, an oversized body with 413.
func decode(r *http.Request, v any) error {
	dec := json.NewDecoder(r.Body)
	dec.DisallowUnknownFields()
	err := dec.Decode(v)
	if err == nil {
		if dec.More() {
			return malformed{errs.New(errs.Invalid, "the body must hold one JSON value")}
		}
		return nil
	}
	return decodeError(err)
}

func decodeError(err error) error {
	var maxErr *http.MaxBytesError
	var syntax *json.SyntaxError
	var typeErr *json.UnmarshalTypeError
	switch {
	case errors.As(err, &maxErr):
		return errs.New(errs.TooLarge, "the request body is larger than %d bytes", maxErr.Limit)
	case errors.Is(err, io.EOF):
		return malformed{errs.New(errs.Invalid, "the request body is empty; send a JSON object")}
	case errors.As(err, &syntax):
		return malformed{errs.New(errs.Invalid, "malformed JSON at byte %d: %v", syntax.Offset, syntax)}
	case errors.Is(err, io.ErrUnexpectedEOF):
		return malformed{errs.New(errs.Invalid, "malformed JSON: the body ends too early")}
	case errors.As(err, &typeErr):
		field := typeErr.Field
		if field == "" {
			return malformed{errs.New(errs.Invalid, "the body must be a JSON %s", jsonKind(typeErr.Type.Kind().String()))}
		}
		return errs.Field(field, "expected %s, got %s", jsonKind(typeErr.Type.Kind().String()), typeErr.Value)
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		field := strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`)
		return errs.Field(field, "unknown field")
	}
	return malformed{errs.New(errs.Invalid, "malformed JSON: %v", err)}
}

func jsonKind(goKind string) string {
	switch goKind {
	case "struct", "map":
		return "object"
	case "slice", "array":
		return "array"
	case "int", "int64", "int32", "float64", "uint", "uint64":
		return "number"
	case "bool":
		return "boolean"
	}
	return goKind
}

// page reads ?limit=&cursor=.
func page(r *http.Request) (store.Page, error) {
	p := store.Page{Cursor: r.URL.Query().Get("cursor")}
	if l := r.URL.Query().Get("limit"); l != "" {
		n, err := strconv.Atoi(l)
		if err != nil || n < 1 || n > store.MaxLimit {
			return p, errs.Field("limit", "must be a whole number from 1 to %d, not %q", store.MaxLimit, l)
		}
		p.Limit = n
	}
	return p, nil
}

// created answers a create with 201 and the whole resource.
func created(w http.ResponseWriter, v any) error {
	writeJSON(w, http.StatusCreated, v)
	return nil
}

// ok answers with 200 and v.
func ok(w http.ResponseWriter, v any) error {
	writeJSON(w, http.StatusOK, v)
	return nil
}

// noContent answers with 204.
func noContent(w http.ResponseWriter) error {
	w.WriteHeader(http.StatusNoContent)
	return nil
}
