// Package errs gives every error that reaches a user a code from the API contract, a message
// that a person can act on, and optional details (for example the field that was wrong).
//
// Domain packages return *Error for everything a caller could have avoided or needs to react
// to; anything else is treated as internal by the HTTP layer, logged, and shown generically.
package errs

import (
	"errors"
	"fmt"
	"strings"
)

// Code is one of the error codes of the HTTP contract.
type Code string

// The codes of API.md. TooLarge and RateLimited are mostly produced by the HTTP layer itself.
const (
	Invalid      Code = "invalid"
	NotFound     Code = "not_found"
	Conflict     Code = "conflict"
	Unauthorized Code = "unauthorized"
	Forbidden    Code = "forbidden"
	TooLarge     Code = "too_large"
	RateLimited  Code = "rate_limited"
	Internal     Code = "internal"
)

// Error is an error with a code, a message fit to show, and structured details.
type Error struct {
	Code    Code
	Message string
	// Details are extra facts for clients, such as {"field": "name"} or a list of problems.
	Details map[string]any
	// Err is the underlying cause, kept for logs and errors.Is; it is never shown to users.
	Err error
}

func (e *Error) Error() string {
	if e.Err != nil {
		return e.Message + ": " + e.Err.Error()
	}
	return e.Message
}

func (e *Error) Unwrap() error { return e.Err }

// New returns an error with the code and a formatted message.
func New(code Code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// Field returns an invalid-input error that names the field at fault.
func Field(field, format string, args ...any) *Error {
	return &Error{Code: Invalid, Message: field + ": " + fmt.Sprintf(format, args...),
		Details: map[string]any{"field": field}}
}

// With returns a copy of e with one more detail set.
func (e *Error) With(key string, value any) *Error {
	c := *e
	c.Details = make(map[string]any, len(e.Details)+1)
	for k, v := range e.Details {
		c.Details[k] = v
	}
	c.Details[key] = value
	return &c
}

// CodeOf returns the code of err, or Internal when err carries none.
func CodeOf(err error) Code {
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return Internal
}

// Is reports whether err carries the code.
func Is(err error, code Code) bool { return err != nil && CodeOf(err) == code }

// Problem is one entry of a list of problems found while validating a whole input, so that a
// user sees every mistake at once rather than one per attempt.
type Problem struct {
	Field   string `json:"field"`
	Message string `json:"message"`
}

// List collects problems and turns them into one invalid error.
type List []Problem

// Add records a problem with a formatted message.
func (l *List) Add(field, format string, args ...any) {
	*l = append(*l, Problem{Field: field, Message: fmt.Sprintf(format, args...)})
}

// Err returns nil when there are no problems, else one invalid error naming them all.
func (l List) Err() error {
	if len(l) == 0 {
		return nil
	}
	msgs := make([]string, len(l))
	for i, p := range l {
		msgs[i] = p.Field + ": " + p.Message
	}
	return &Error{Code: Invalid, Message: strings.Join(msgs, "; "),
		Details: map[string]any{"field": l[0].Field, "problems": []Problem(l)}}
}
