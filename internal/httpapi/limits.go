package httpapi

import (
	"math"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/parleychat/parley/internal/errs"
	"golang.org/x/time/rate"
)

// Rate is a token bucket: PerMinute tokens come back each minute, up to Burst at once.
type Rate struct {
	PerMinute float64
	Burst     int
}

// Limits bound what one caller may ask for, each keyed so that a flood from one login,
// address, visitor or channel key never refuses anyone else. Zero fields take the defaults.
type Limits struct {
	// LoginPerLogin and LoginPerAddress throttle password guessing against one login and
	// password spraying from one client address.
	LoginPerLogin, LoginPerAddress Rate
	// WidgetSessions bounds new widget conversations per client address.
	WidgetSessions Rate
	// VisitorMessages bounds a widget visitor's messages in their session.
	VisitorMessages Rate
	// Inbound bounds an HTTP channel's deliveries per API key.
	Inbound Rate
}

// DefaultLimits are generous for people and integrations, and tight for guessing. A bucket
// holds a minute's worth, so short bursts pass and a steady flood does not.
var DefaultLimits = Limits{
	LoginPerLogin:   Rate{PerMinute: 10},
	LoginPerAddress: Rate{PerMinute: 60},
	WidgetSessions:  Rate{PerMinute: 20},
	VisitorMessages: Rate{PerMinute: 60},
	Inbound:         Rate{PerMinute: 1200},
}

// NoLimits lets everything through, for tests that make many calls from one address.
func NoLimits() Limits {
	r := Rate{PerMinute: math.Inf(1), Burst: math.MaxInt32}
	return Limits{r, r, r, r, r}
}

func (l Limits) withDefaults() Limits {
	for _, f := range []struct{ v, d *Rate }{
		{&l.LoginPerLogin, &DefaultLimits.LoginPerLogin}, {&l.LoginPerAddress, &DefaultLimits.LoginPerAddress},
		{&l.WidgetSessions, &DefaultLimits.WidgetSessions}, {&l.VisitorMessages, &DefaultLimits.VisitorMessages},
		{&l.Inbound, &DefaultLimits.Inbound},
	} {
		if f.v.PerMinute <= 0 {
			f.v.PerMinute = f.d.PerMinute
		}
		if f.v.Burst <= 0 {
			f.v.Burst = max(1, int(f.v.PerMinute))
		}
	}
	return l
}

// limiter is a set of token buckets, one per key. Buckets that are full again are
// forgotten now and then, so the set stays as small as the set of recent callers.
type limiter struct {
	rate    Rate
	mu      sync.Mutex
	buckets map[string]*rate.Limiter
	adds    int
}

func newLimiter(r Rate) *limiter { return &limiter{rate: r, buckets: map[string]*rate.Limiter{}} }

// take takes a token from key's bucket and returns its reservation (nil for no limit), or
// says how long until a token comes back.
func (l *limiter) take(key string, now time.Time) (*rate.Reservation, time.Duration) {
	if math.IsInf(l.rate.PerMinute, 1) {
		return nil, 0
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	b := l.buckets[key]
	if b == nil {
		l.sweep(now)
		b = rate.NewLimiter(rate.Limit(l.rate.PerMinute/60), l.rate.Burst)
		l.buckets[key] = b
	}
	r := b.ReserveN(now, 1)
	if d := r.DelayFrom(now); d > 0 {
		r.CancelAt(now)
		return nil, d
	}
	return r, 0
}

// sweep forgets full buckets every 1024 new keys: a full bucket is the same as none.
func (l *limiter) sweep(now time.Time) {
	if l.adds++; l.adds%1024 != 0 {
		return
	}
	for k, b := range l.buckets {
		if b.TokensAt(now) >= float64(l.rate.Burst) {
			delete(l.buckets, k)
		}
	}
}

// limiters are the server's buckets, one set per limit.
type limiters struct {
	loginPerLogin, loginPerAddress, widgetSessions, visitorMessages, inbound *limiter
}

func newLimiters(l Limits) *limiters {
	l = l.withDefaults()
	return &limiters{newLimiter(l.LoginPerLogin), newLimiter(l.LoginPerAddress), newLimiter(l.WidgetSessions),
		newLimiter(l.VisitorMessages), newLimiter(l.Inbound)}
}

// errRateLimited answers 429 with Retry-After (set by writeError from the details).
func errRateLimited(what string, wait time.Duration) error {
	secs := int(math.Ceil(wait.Seconds()))
	return errs.New(errs.RateLimited, "too many %s; try again in %d s", what, secs).With("retry_after", secs)
}

// check takes a token from each (limiter, key) pair, all or none: a request one limit
// refuses gives back what the others took, so it spends nobody's allowance.
func check(what string, now time.Time, pairs ...limitKey) error {
	var taken []*rate.Reservation
	for _, p := range pairs {
		r, wait := p.l.take(p.key, now)
		if wait > 0 {
			for _, t := range taken {
				t.CancelAt(now)
			}
			return errRateLimited(what, wait)
		}
		if r != nil {
			taken = append(taken, r)
		}
	}
	return nil
}

type limitKey struct {
	l   *limiter
	key string
}

// setRetryAfter copies a rate-limited error's wait into the Retry-After header.
func setRetryAfter(w http.ResponseWriter, e *errs.Error) {
	if secs, ok := e.Details["retry_after"].(int); ok {
		w.Header().Set("Retry-After", strconv.Itoa(secs))
	}
}
