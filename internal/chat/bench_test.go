package chat_test

import (
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/parleychat/parley/internal/chat"
	"github.com/parleychat/parley/internal/store"
	"github.com/parleychat/parley/internal/store/storetest"
)

// BenchmarkIngest measures durable customer-message ingestion — the message stored, the
// session updated, message_received (and for a first message session_created) appended, all
// committed — with 1, 16 and 256 concurrent writers. The messages go round-robin to 1,000
// customers whose sessions exist before the clock starts, as in a busy live chat where most
// messages continue a conversation. Run with
//
//	go test ./internal/chat -run '^$' -bench Ingest -benchtime 5000x
//
// and PARLEY_TEST_POSTGRES set to include PostgreSQL.
func BenchmarkIngest(b *testing.B) {
	dialects := []string{"sqlite"}
	if storetest.PostgresURL(b) != "" {
		dialects = append(dialects, "postgres")
	}
	for _, d := range dialects {
		for _, writers := range []int{1, 16, 256} {
			b.Run(fmt.Sprintf("%s/writers=%d", d, writers), func(b *testing.B) {
				db := storetest.SQLite(b)
				if d == "postgres" {
					db = storetest.Postgres(b)
				}
				benchIngest(b, db, writers)
			})
		}
	}
}

// benchCustomers is how many conversations the benchmark's messages are spread over.
const benchCustomers = 1000

func benchIngest(b *testing.B, db *store.DB, writers int) {
	f := newFixture(b, db)
	inbound := func(n int64) chat.Inbound {
		return chat.Inbound{ChannelID: f.widget.ID, Identity: fmt.Sprint("c", n%benchCustomers), Text: "Hello, is my order on its way?"}
	}
	for n := int64(0); n < benchCustomers; n++ {
		_, err := f.chat.Receive(f.ctx, inbound(n))
		f.must(err)
	}
	var next atomic.Int64
	var wg sync.WaitGroup
	b.ResetTimer()
	start := time.Now()
	for w := 0; w < writers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for n := next.Add(1); n <= int64(b.N); n = next.Add(1) {
				if _, err := f.chat.Receive(f.ctx, inbound(n)); err != nil {
					b.Error(err)
					return
				}
			}
		}()
	}
	wg.Wait()
	b.StopTimer()
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "msgs/s")
}
