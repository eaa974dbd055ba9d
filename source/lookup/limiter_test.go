package lookup

import (
	"context"
	"errors"
	"testing"
	"time"
)

func TestLimiterSpacesRequestsAtRate(t *testing.T) {
	l := NewLimiter(2, 1)
	now := time.Unix(1700000000, 0)
	for i, want := range []time.Duration{0, 500 * time.Millisecond, time.Second, 1500 * time.Millisecond} {
		if got, _ := l.reserve(now); got != want {
			t.Fatalf("request %d waits %v, want %v", i, got, want)
		}
	}
	// After a long pause the bucket is full again, but holds only the burst.
	later := now.Add(time.Minute)
	if got, _ := l.reserve(later); got != 0 {
		t.Fatalf("after a pause: waits %v, want 0", got)
	}
	if got, _ := l.reserve(later); got != 500*time.Millisecond {
		t.Fatalf("second after a pause: waits %v, want 500ms", got)
	}
}

func TestLimiterBurst(t *testing.T) {
	l := NewLimiter(4, 3)
	now := time.Unix(1700000000, 0)
	for i, want := range []time.Duration{0, 0, 0, 250 * time.Millisecond, 500 * time.Millisecond} {
		if got, _ := l.reserve(now); got != want {
			t.Fatalf("request %d waits %v, want %v", i, got, want)
		}
	}
}

func TestLimiterCancelledWaitGivesSlotBack(t *testing.T) {
	l := NewLimiter(0.001, 1) // one request per 1000s
	if err := l.Wait(context.Background()); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := l.Wait(ctx); !errors.Is(err, context.Canceled) {
		t.Fatalf("Wait on a cancelled context = %v, want context.Canceled", err)
	}
	// The cancelled wait must not have pushed the next slot further out.
	if got, _ := l.reserve(time.Now()); got > 1000*time.Second {
		t.Fatalf("next request waits %v, want at most 1000s", got)
	}
}

func TestRegistrySharesOneLimiterPerAccountAndRegion(t *testing.T) {
	r := &registry{limiters: map[limiterKey]*Limiter{}}
	a := r.get(limiterKey{"", "111122223333", "us-east-1"}, 2, 1)
	if b := r.get(limiterKey{"", "111122223333", "us-east-1"}, 5, 1); a != b {
		t.Fatal("same account and region got two limiters")
	}
	if c := r.get(limiterKey{"", "111122223333", "eu-west-1"}, 2, 1); a == c {
		t.Fatal("two regions share a limiter")
	}
	if d := r.get(limiterKey{"", "444455556666", "us-east-1"}, 2, 1); a == d {
		t.Fatal("two accounts share a limiter")
	}
}
