package loadgen

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"time"
)

// customer is one widget visitor: a session on one live chat, reached through one node.
type customer struct {
	c       *client
	chat    string
	session string
	token   string
	sent    atomic.Int64
}

// tally collects accept latencies and errors from many goroutines.
type tally struct {
	mu   sync.Mutex
	lat  []time.Duration
	errs map[string]int64
	// from is the window's start; at holds when each latency in lat was measured from.
	from     time.Time
	at       []time.Duration
	accepted int64
}

func newTally(from time.Time) *tally { return &tally{errs: map[string]int64{}, from: from} }

// add records one message measured from start (when it was due, or sent).
func (t *tally) add(start time.Time, err error) {
	d := time.Since(start)
	t.mu.Lock()
	defer t.mu.Unlock()
	if err != nil {
		t.errs[errorKind(err)]++
		return
	}
	t.accepted++
	t.lat = append(t.lat, d)
	t.at = append(t.at, start.Sub(t.from))
}

func (t *tally) fail(kind string) {
	t.mu.Lock()
	t.errs[kind]++
	t.mu.Unlock()
}

// arrive opens each customer's session with a first message, at most conc at a time. These
// messages start instances too; they are counted apart from the measured window.
func arrive(ctx context.Context, customers []*customer, conc int) (int64, error) {
	sem := make(chan struct{}, conc)
	var wg sync.WaitGroup
	var failed atomic.Pointer[error]
	for i, cu := range customers {
		sem <- struct{}{}
		wg.Add(1)
		go func() {
			defer func() { <-sem; wg.Done() }()
			var out struct {
				SessionID    string `json:"session_id"`
				VisitorToken string `json:"visitor_token"`
			}
			err := cu.c.do(ctx, "POST", "/api/v1/widget/"+cu.chat+"/sessions", "", map[string]any{
				"customer": map[string]any{"name": fmt.Sprintf("Customer %d", i+1)}, "subject": "Load", "text": "hello"}, 201, &out)
			if err != nil {
				err = fmt.Errorf("open customer %d's session: %w", i+1, err)
				failed.CompareAndSwap(nil, &err)
				return
			}
			cu.session, cu.token = out.SessionID, out.VisitorToken
		}()
	}
	wg.Wait()
	if p := failed.Load(); p != nil {
		return 0, *p
	}
	return int64(len(customers)), nil
}

// send posts the customer's next message.
func (cu *customer) send(ctx context.Context) error {
	n := cu.sent.Add(1)
	return cu.c.do(ctx, "POST", "/api/v1/widget/sessions/"+cu.session+"/messages", cu.token,
		map[string]string{"text": fmt.Sprintf("message %d", n)}, 201, nil)
}

// closedLoop has every customer send its next message as soon as the last was accepted,
// until the deadline; it returns when the last request in flight has ended.
func closedLoop(ctx context.Context, customers []*customer, until time.Time, t *tally) {
	var wg sync.WaitGroup
	for _, cu := range customers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for ctx.Err() == nil && time.Now().Before(until) {
				start := time.Now()
				t.add(start, cu.send(ctx))
			}
		}()
	}
	wg.Wait()
}

// kindBehind is recorded when the open loop cannot send on time because too many requests
// are still in flight: the server is not keeping up with the rate.
const kindBehind = "not sent: too many requests in flight"

// openLoop sends messages at a fixed rate whatever the answers take, round robin over the
// customers, until the deadline. A latency is measured from when the request was due, not
// from when it went out, so a server that falls behind is not excused by a waiting client.
func openLoop(ctx context.Context, customers []*customer, rate float64, from, until time.Time, maxInFlight int, t *tally) {
	var wg sync.WaitGroup
	inFlight := make(chan struct{}, maxInFlight)
	interval := time.Duration(float64(time.Second) / rate)
	tick := time.NewTicker(time.Millisecond)
	defer tick.Stop()
	next := 0
	for ctx.Err() == nil {
		now := time.Now()
		for ; ; next++ {
			due := from.Add(time.Duration(next) * interval)
			if due.After(now) || !due.Before(until) {
				break
			}
			select {
			case inFlight <- struct{}{}:
			default:
				t.fail(kindBehind)
				continue
			}
			wg.Add(1)
			go func(cu *customer, due time.Time) {
				defer func() { <-inFlight; wg.Done() }()
				t.add(due, cu.send(ctx))
			}(customers[next%len(customers)], due)
		}
		if !now.Before(until) {
			break
		}
		select {
		case <-ctx.Done():
		case <-tick.C:
		}
	}
	wg.Wait()
}
