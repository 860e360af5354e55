package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/parleychat/parley/internal/store"
)

// TestPacerSitsOutWakesAfterAHeldCursor: a consumer whose cursor another node held waits out
// the wakes that follow (store.HeldGap) instead of claiming again on each, and only once: the
// pass after is paced as before.
func TestPacerSitsOutWakesAfterAHeldCursor(t *testing.T) {
	var p store.Pacer
	p.Wait(context.Background()) // a pass

	p.Held()
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	p.Wait(ctx)
	if ctx.Err() == nil {
		t.Fatalf("the wake after a held cursor was taken before %v; want it sat out for %v", 300*time.Millisecond, store.HeldGap)
	}

	start := time.Now()
	p.Wait(context.Background())
	if waited := time.Since(start); waited > store.HeldGap/2 {
		t.Fatalf("the next wake waited %v: a held cursor should hold back one wait only", waited)
	}
}

// TestPacerKeepsItsGap: two woken passes of a consumer with a gap of its own are at least that
// far apart, and the zero gap is WakeGap.
func TestPacerKeepsItsGap(t *testing.T) {
	for _, gap := range []time.Duration{0, 60 * time.Millisecond} {
		p := store.Pacer{Gap: gap}
		p.Wait(context.Background())
		start := time.Now()
		p.Wait(context.Background())
		want := gap
		if want == 0 {
			want = store.WakeGap
		}
		if waited := time.Since(start); waited < want {
			t.Fatalf("gap %v: the second pass came %v after the first, want at least %v", gap, waited, want)
		}
	}
}
