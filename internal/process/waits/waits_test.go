package waits

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/parleychat/parley/internal/errs"
)

// A failing step waits longer after each failure, but never longer than the cap, so a broken
// endpoint is not hammered and a long outage does not push the next try out of reach.
func TestBackoffDoublesUpToTheCap(t *testing.T) {
	base, most := time.Second, 10*time.Second
	want := []time.Duration{time.Second, time.Second, 2 * time.Second, 4 * time.Second, 8 * time.Second, 10 * time.Second, 10 * time.Second}
	for attempt, w := range want {
		if got := Backoff(base, most, attempt); got != w {
			t.Errorf("attempt %d: waited %s, want %s", attempt, got, w)
		}
	}
}

// A publisher that sends a bad ttl or an over-long message_id is told which field is wrong.
func TestMessageTTLNamesTheFieldAtFault(t *testing.T) {
	now := time.Date(2026, 1, 31, 12, 0, 0, 0, time.UTC)
	if d, err := MessageTTL("", "", now); err != nil || d != 0 {
		t.Fatalf("no ttl: %s, %v; want 0 (not kept)", d, err)
	}
	if d, err := MessageTTL("m-1", "PT1H", now); err != nil || d != time.Hour {
		t.Fatalf("PT1H: %s, %v", d, err)
	}
	if d, err := MessageTTL("", "P7D", now); err != nil || d != MaxMessageTTL {
		t.Fatalf("P7D, the most: %s, %v", d, err)
	}
	for _, c := range []struct{ id, ttl, field string }{
		{"", "an hour", "ttl"},
		{"", "P8D", "ttl"},
		{strings.Repeat("x", maxMessageIDLength+1), "PT1H", "message_id"},
	} {
		_, err := MessageTTL(c.id, c.ttl, now)
		var e *errs.Error
		if !errors.As(err, &e) || e.Code != errs.Invalid || e.Details["field"] != c.field {
			t.Errorf("message_id %d chars, ttl %q: %v; want an invalid %s", len(c.id), c.ttl, err, c.field)
		}
	}
}
