package automation

import (
	"context"
	"fmt"
	"os"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/parleychat/parley/internal/chat"
	"github.com/parleychat/parley/internal/store"
	"github.com/parleychat/parley/internal/store/storetest"
)

// benchDBs opens SQLite, and PostgreSQL when PARLEY_TEST_POSTGRES is set.
func benchDBs(b *testing.B, fn func(b *testing.B, db *store.DB)) {
	b.Run("sqlite", func(b *testing.B) { fn(b, storetest.SQLite(b)) })
	if os.Getenv("PARLEY_TEST_POSTGRES") != "" {
		b.Run("postgres", func(b *testing.B) { fn(b, storetest.Postgres(b)) })
	}
}

// BenchmarkDispatch measures how many message_received events per second the dispatcher turns
// into started instances (binding, spam check, mapping, start to a user task, log line), with
// the events already in the outbox.
func BenchmarkDispatch(b *testing.B) {
	benchDBs(b, func(b *testing.B, db *store.DB) {
		t := &testing.T{}
		s := newStack(t, db)
		a := s.automation(t)
		a.opts.Batch = 512
		writeConcurrently(b, s, b.N)
		b.ResetTimer()
		start := time.Now()
		for {
			n, err := a.DispatchOnce(context.Background())
			if err != nil {
				b.Fatal(err)
			}
			if n == 0 {
				break
			}
		}
		b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "events/s")
	})
}

// writeConcurrently puts n customer messages into the outbox through 64 writers.
func writeConcurrently(b *testing.B, s *stack, n int) {
	var wg sync.WaitGroup
	for w := range 64 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := w; i < n; i += 64 {
				if _, err := s.chat.Receive(s.ctx, chat.Inbound{ChannelID: s.channel, Identity: fmt.Sprintf("v%d", i%500),
					Customer: chat.CustomerInfo{Name: "C"}, Text: fmt.Sprintf("m%d", i)}); err != nil {
					b.Error(err)
					return
				}
			}
		}()
	}
	wg.Wait()
}

// BenchmarkLatencyAt2000 writes customer messages at 2,000 per second for three seconds while
// the dispatcher runs as in production (woken by commits), and reports the p50 and p99 time
// from the commit of a message to the commit of the instance it started.
func BenchmarkLatencyAt2000(b *testing.B) {
	benchDBs(b, func(b *testing.B, db *store.DB) {
		t := &testing.T{}
		s := newStack(t, db)
		a := s.automation(t)
		var mu sync.Mutex
		committed := map[string]time.Time{}
		var latencies []time.Duration
		a.afterBatch = func(eventIDs []string) {
			now := time.Now()
			mu.Lock()
			defer mu.Unlock()
			for _, id := range eventIDs {
				if at, ok := committed[id]; ok {
					latencies = append(latencies, now.Sub(at))
				}
			}
		}
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan struct{})
		go func() { a.Run(ctx); close(done) }()
		b.ResetTimer()
		for range b.N {
			paced(b, s, 2000, 3*time.Second, &mu, committed)
		}
		time.Sleep(500 * time.Millisecond)
		cancel()
		<-done
		reportLatency(b, latencies)
	})
}

// paced writes messages at rate per second for d through 32 writers, recording each event's
// commit time by its id.
func paced(b *testing.B, s *stack, rate int, d time.Duration, mu *sync.Mutex, committed map[string]time.Time) {
	tick := time.NewTicker(time.Second / time.Duration(rate))
	defer tick.Stop()
	end := time.Now().Add(d)
	jobs := make(chan int, rate)
	var wg sync.WaitGroup
	for range 32 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range jobs {
				r, err := s.chat.Receive(s.ctx, chat.Inbound{ChannelID: s.channel, Identity: fmt.Sprintf("v%d", i%300),
					Customer: chat.CustomerInfo{Name: "C"}, Text: fmt.Sprintf("m%d", i)})
				if err != nil {
					b.Error(err)
					return
				}
				now := time.Now()
				mu.Lock()
				committed[r.Message.ID] = now
				mu.Unlock()
			}
		}()
	}
	for i := 0; time.Now().Before(end); i++ {
		<-tick.C
		jobs <- i
	}
	close(jobs)
	wg.Wait()
}

func reportLatency(b *testing.B, l []time.Duration) {
	if len(l) == 0 {
		b.Fatal("no instance was started")
	}
	slices.Sort(l)
	b.ReportMetric(float64(l[len(l)/2].Microseconds())/1000, "p50-ms")
	b.ReportMetric(float64(l[len(l)*99/100].Microseconds())/1000, "p99-ms")
	b.ReportMetric(float64(len(l)), "instances")
}
