package process

import (
	"context"
	"embed"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"github.com/parleychat/parley/internal/egress"
	"github.com/parleychat/parley/internal/process/catalog"
	"github.com/parleychat/parley/internal/store"
)

//go:embed migrations
var migrations embed.FS

func init() { store.RegisterMigrationsIn(migrations, "migrations") }

// Options tune the engine. The zero value is the production default.
type Options struct {
	// AllowPrivateNetworks lets http tasks reach loopback, private and link-local addresses.
	// It is off by default so that a process author cannot probe the server's own network.
	AllowPrivateNetworks bool
	// HTTPTimeout bounds one http task call (default 30s).
	HTTPTimeout time.Duration
	// RetryBackoff is the wait before the first retry of a failed step; it doubles with each
	// attempt up to MaxBackoff (defaults 1s and 10m).
	RetryBackoff time.Duration
	MaxBackoff   time.Duration
	// DefaultRetries is how many times a step is tried when its task says nothing (default 3).
	DefaultRetries int
	// Lease is how long a worker owns a claimed job before another may take it (default 2m);
	// it must exceed HTTPTimeout.
	Lease time.Duration
	// PollInterval is the safety-net wake-up of the job worker (default 30s).
	PollInterval time.Duration
	// MaxSteps bounds the elements one run may pass without reaching a wait, so that a loop
	// drawn without a wait becomes an incident instead of holding the writer forever.
	MaxSteps int
	// BatchSize is how many due jobs one claim takes (default 64).
	BatchSize int
	// Concurrency is how many claimed jobs run at once (default 8).
	Concurrency int
}

func (o Options) withDefaults() Options {
	def := func(d *time.Duration, v time.Duration) {
		if *d <= 0 {
			*d = v
		}
	}
	def(&o.HTTPTimeout, 30*time.Second)
	def(&o.RetryBackoff, time.Second)
	def(&o.MaxBackoff, 10*time.Minute)
	def(&o.Lease, 2*time.Minute)
	def(&o.PollInterval, 30*time.Second)
	if o.Lease <= o.HTTPTimeout {
		o.Lease = o.HTTPTimeout + 30*time.Second
	}
	for _, p := range []struct {
		n *int
		v int
	}{{&o.DefaultRetries, 3}, {&o.MaxSteps, 1000}, {&o.BatchSize, 64}, {&o.Concurrency, 8}} {
		if *p.n <= 0 {
			*p.n = p.v
		}
	}
	return o
}

// Service is the process engine. The catalog's methods (drafts, publish, versions) are its
// own, promoted from the embedded Catalog.
type Service struct {
	*catalog.Catalog
	db       *store.DB
	deps     Deps
	opts     Options
	log      *slog.Logger
	calls    sync.Map // caller version, call activity and called version -> *program.CallPlan
	workerID string
	client   *http.Client
}

// New returns the engine over db. It starts nothing; call Run for the workers.
func New(db *store.DB, deps Deps, opts Options) *Service {
	if deps.Logger == nil {
		deps.Logger = slog.New(slog.DiscardHandler)
	}
	s := &Service{db: db, deps: deps, opts: opts.withDefaults(), log: deps.Logger,
		workerID: store.NewID("wrk")}
	s.client = egress.Client(s.opts.AllowPrivateNetworks)
	s.Catalog = catalog.New(db, func() catalog.Apps {
		if s.deps.Workspace == nil {
			return nil
		}
		return s.deps.Workspace
	})
	// The engine's own hooks come first: a published version's start events are armed before
	// anything else hears of it, as they are dropped when it is withdrawn.
	s.OnPublish(func(ctx context.Context, tx *store.Tx, v *Version) ([]Warning, error) {
		return nil, syncStartEvents(ctx, tx, v)
	})
	s.OnPublish(s.callWarnings)
	s.OnCheck(s.callWarnings)
	s.OnUnpublish(dropStartEvents)
	return s
}

// DB returns the database the engine works on.
func (s *Service) DB() *store.DB { return s.db }
