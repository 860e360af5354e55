package process

import (
	"context"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/parleychat/parley/internal/store"
	"github.com/parleychat/parley/internal/store/storetest"
	"github.com/parleychat/parley/internal/value"
)

// benchDiagram is the benchmark process: start → script → user task.
var benchDiagram = diagram(script("score", "score", "len(name) * 10") +
	`<bpmn:userTask id="call"><bpmn:extensionElements><parley:assignee user="clerk"/></bpmn:extensionElements></bpmn:userTask>` +
	end + chain("start", "score", "call", "end"))

// benchBatch is how many instances one transaction starts, as the automation dispatcher
// starts a claimed batch of events; benchWriters is how many such transactions run at once.
const (
	benchBatch   = 100
	benchWriters = 4
)

func benchEnv(b *testing.B, dialect string) *env {
	e := newEnv(b, dialect, Options{})
	e.user("clerk")
	e.deploy("bench", benchDiagram, variable("name", "string"), variable("score", "integer"))
	return e
}

// BenchmarkStartToFirstWait measures how many instances of start → script → user task are
// started and run to their first wait per second, in batches of benchBatch per transaction
// with benchWriters transactions in flight.
func BenchmarkStartToFirstWait(b *testing.B) {
	for _, dialect := range benchDialects(b) {
		b.Run(dialect, func(b *testing.B) {
			e := benchEnv(b, dialect)
			inputs := map[string]value.Value{"name": v(typ("string"), `"Ann"`)}
			b.ReportAllocs()
			b.ResetTimer()
			began := time.Now()
			startMany(b, e, b.N, inputs)
			b.ReportMetric(float64(b.N)/time.Since(began).Seconds(), "instances/s")
		})
	}
}

func benchDialects(b *testing.B) []string {
	if storetest.PostgresURL(b) != "" {
		return []string{"sqlite", "postgres"}
	}
	return []string{"sqlite"}
}

// startMany starts n instances in batches from benchWriters goroutines.
func startMany(b testing.TB, e *env, n int, inputs map[string]value.Value) {
	var next atomic.Int64
	var wg sync.WaitGroup
	for w := 0; w < benchWriters; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				from := int(next.Add(benchBatch)) - benchBatch
				if from >= n {
					return
				}
				count := min(benchBatch, n-from)
				if err := startBatch(e, count, inputs); err != nil {
					b.Error(err)
					return
				}
			}
		}()
	}
	wg.Wait()
}

func startBatch(e *env, count int, inputs map[string]value.Value) error {
	ctx := context.Background()
	starts := make([]Start, count)
	for i := range starts {
		starts[i] = Start{Code: "bench", Inputs: inputs, Trigger: Trigger{Kind: TriggerAutomatic}}
	}
	return e.db.Tx(ctx, func(tx *store.Tx) error {
		_, err := e.svc.StartManyTx(ctx, tx, starts)
		return err
	})
}

// BenchmarkWaitingInstanceMemory starts b.N waiting instances and reports the Go heap each one
// keeps (nothing is kept: a waiting instance is rows, not memory) and the database space it
// takes.
func BenchmarkWaitingInstanceMemory(b *testing.B) {
	for _, dialect := range benchDialects(b) {
		b.Run(dialect, func(b *testing.B) {
			e := benchEnv(b, dialect)
			inputs := map[string]value.Value{"name": v(typ("string"), `"Ann"`)}
			startMany(b, e, 100, inputs) // warm the version cache and the connection pools
			heap0, disk0 := heapInUse(), dbBytes(b, e)
			b.ResetTimer()
			startMany(b, e, b.N, inputs)
			b.StopTimer()
			heap1, disk1 := heapInUse(), dbBytes(b, e)
			b.ReportMetric(float64(int64(heap1)-int64(heap0))/float64(b.N), "heap-B/instance")
			b.ReportMetric(float64(disk1-disk0)/float64(b.N), "db-B/instance")
		})
	}
}

func heapInUse() uint64 {
	runtime.GC()
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapAlloc
}

// dbBytes is the space the database uses: pages in use on SQLite, the process tables with
// their indexes on PostgreSQL.
func dbBytes(b testing.TB, e *env) int64 {
	var n int64
	ctx := context.Background()
	err := e.db.Read(ctx, func(tx *store.Tx) error {
		if e.db.Dialect() == store.SQLite {
			return tx.QueryRow(ctx, "SELECT (page_count - freelist_count) * page_size FROM pragma_page_count, pragma_freelist_count, pragma_page_size").Scan(&n)
		}
		return tx.QueryRow(ctx, `SELECT SUM(pg_total_relation_size(c.oid)) FROM pg_class c JOIN pg_namespace s ON s.oid = c.relnamespace
			WHERE c.relkind = 'r' AND s.nspname = current_schema() AND c.relname LIKE 'process_%'`).Scan(&n)
	})
	if err != nil {
		b.Fatal(err)
	}
	return n
}
