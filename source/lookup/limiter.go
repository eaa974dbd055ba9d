package lookup

import (
	"context"
	"sync"
	"time"
)

// DefaultRate is the LookupEvents budget AWS grants per account and region,
// in requests per second.
const DefaultRate = 2.0

// Limiter paces requests to one account and region: a token bucket that
// refills at Rate tokens per second and holds at most Burst of them. Every
// attempt, retries included, takes one token, so a long scan uses the whole
// budget without overrunning it. A Limiter is safe for concurrent use.
type Limiter struct {
	mu       sync.Mutex
	interval time.Duration // time to earn one token
	burst    int
	// tat is the theoretical arrival time of the next request when the
	// bucket is used evenly (GCRA); a request may go once now >= tat minus
	// the burst allowance.
	tat time.Time
}

// NewLimiter returns a limiter allowing rate requests per second with the
// given burst (at least 1). A rate <= 0 means DefaultRate.
func NewLimiter(rate float64, burst int) *Limiter {
	if rate <= 0 {
		rate = DefaultRate
	}
	if burst < 1 {
		burst = 1
	}
	return &Limiter{interval: time.Duration(float64(time.Second) / rate), burst: burst}
}

// Wait blocks until a request may be sent, or returns ctx.Err() if ctx ends
// first; a cancelled wait gives its slot back.
func (l *Limiter) Wait(ctx context.Context) error {
	delay, slot := l.reserve(time.Now())
	if delay <= 0 {
		return nil
	}
	t := time.NewTimer(delay)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		l.release(slot)
		return ctx.Err()
	}
}

// reserve books the next slot and returns how long to wait for it and the
// booked slot's arrival time.
func (l *Limiter) reserve(now time.Time) (time.Duration, time.Time) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.tat.Before(now) {
		l.tat = now
	}
	slot := l.tat
	allowance := time.Duration(l.burst-1) * l.interval
	l.tat = l.tat.Add(l.interval)
	return max(0, slot.Sub(now)-allowance), slot
}

// release returns a reserved slot that was not used, if no later slot has
// been booked since; otherwise the slot stays spent, which only errs on the
// side of sending less.
func (l *Limiter) release(slot time.Time) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.tat.Equal(slot.Add(l.interval)) {
		l.tat = slot
	}
}

// limiterKey names one pacing budget: an endpoint (AWS or an emulator), an
// account and a region.
type limiterKey struct {
	endpoint, account, region string
}

// registry holds the process-wide limiters, one per account and region, so
// that every source and cursor in the process shares one budget.
type registry struct {
	mu       sync.Mutex
	limiters map[limiterKey]*Limiter
}

// limiters is the process-wide registry.
var limiters = &registry{limiters: map[limiterKey]*Limiter{}}

// get returns the limiter for key, creating it with rate and burst when it
// does not exist yet. An existing limiter keeps its rate: the first source
// opened for an account and region decides it.
func (r *registry) get(key limiterKey, rate float64, burst int) *Limiter {
	r.mu.Lock()
	defer r.mu.Unlock()
	l, ok := r.limiters[key]
	if !ok {
		l = NewLimiter(rate, burst)
		r.limiters[key] = l
	}
	return l
}
