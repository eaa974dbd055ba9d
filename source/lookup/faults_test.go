package lookup

import (
	"context"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/lazytrail/lazytrail/model"
	"github.com/lazytrail/lazytrail/source"
	"github.com/lazytrail/lazytrail/source/emulator"
	"github.com/lazytrail/lazytrail/source/emulator/emulatortest"
	"github.com/lazytrail/lazytrail/source/internal/faultproxy"
)

// lookupCalls matches LookupEvents requests.
func lookupCalls(r *faultproxy.Request) bool { return r.Operation == "LookupEvents" }

// nextPages matches LookupEvents requests that carry a NextToken, so that a
// fault lands in the middle of a scan rather than on its first page.
func nextPages(r *faultproxy.Request) bool {
	return lookupCalls(r) && strings.Contains(string(r.Body), `"NextToken"`)
}

// faultySetup seeds n events in us-east-1 into an emulator that does not
// throttle, and puts a fault proxy in front of it. It returns the proxy and
// the eventIDs the emulator holds, read straight from it (newest first).
func faultySetup(t *testing.T, n int) (*faultproxy.Proxy, []string) {
	t.Helper()
	srv, endpoint := emulatortest.Start(t, emulator.Config{Rate: -1})
	seed(srv, series("us-east-1", n, time.Minute))
	truth, _ := readAll(t, mustOpen(t, newSource(t, endpoint, nil, 1000), seededQuery()))
	if len(truth) != n {
		t.Fatalf("the emulator holds %d events, want %d", len(truth), n)
	}
	p, err := faultproxy.New(endpoint)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = p.Close() })
	return p, ids(truth)
}

func ids(events []model.Event) []string {
	out := make([]string, len(events))
	for i, e := range events {
		out[i] = e.ID
	}
	return out
}

// sameIDs fails unless got lists exactly want's eventIDs, in order: nothing
// lost, nothing twice.
func sameIDs(t *testing.T, got, want []string) {
	t.Helper()
	seen := map[string]bool{}
	for _, id := range got {
		if seen[id] {
			t.Fatalf("event %s delivered twice", id)
		}
		seen[id] = true
	}
	if len(got) != len(want) {
		t.Fatalf("got %d events, want %d (lost %d)", len(got), len(want), len(want)-len(got))
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("event %d is %s, want %s", i, got[i], want[i])
		}
	}
}

// drainRetrying reads a cursor to its end, calling Next again after each error the
// way a front end's retry does, at most maxErrs times; it returns the events
// and the errors seen.
func drainRetrying(t *testing.T, cur source.Cursor, maxErrs int, onErr func(error)) ([]model.Event, []error) {
	t.Helper()
	var all []model.Event
	var errs []error
	for {
		page, err := cur.Next(context.Background())
		all = append(all, page.Events...)
		for _, p := range page.Problems {
			t.Errorf("problem: %v", p)
		}
		switch {
		case errors.Is(err, io.EOF):
			return all, errs
		case err != nil:
			errs = append(errs, err)
			if len(errs) > maxErrs {
				t.Fatalf("gave up after %d errors, the last %v", len(errs), Explain(err))
			}
			if onErr != nil {
				onErr(err)
			}
		}
	}
}

// faultySource opens a lookup source through the proxy; the HTTP client
// gives up on an answer after timeout.
func faultySource(t *testing.T, p *faultproxy.Proxy, timeout time.Duration) *Source {
	t.Helper()
	isolateAWS(t, emulator.KeyAlice, "us-east-1")
	src, err := New(context.Background(), Config{
		EndpointURL: p.URL(), Rate: 1000,
		HTTPClient: &http.Client{Timeout: timeout},
	})
	if err != nil {
		t.Fatal(Explain(err))
	}
	return src
}

func TestTransientFaultsAreAbsorbedByRetries(t *testing.T) {
	p, want := faultySetup(t, 400) // 8 pages
	src := faultySource(t, p, 300*time.Millisecond)
	// One fault of each kind on the pages after the first, one after the
	// other: each is retried by the SDK with the same NextToken.
	for _, f := range []faultproxy.Fault{faultproxy.Reset, faultproxy.Truncate, faultproxy.Status500, faultproxy.Status503, faultproxy.Delay} {
		p.Add(faultproxy.Rule{Match: nextPages, Fault: f, Skip: 1, Times: 1, Delay: 2 * time.Second})
	}
	got, errs := drainRetrying(t, mustOpen(t, src, seededQuery()), 0, nil)
	sameIDs(t, ids(got), want)
	c := p.Counts()
	if c.Injected() != 5 {
		t.Fatalf("proxy counts %+v, want 5 faults injected", c)
	}
	t.Logf("faults injected %d (%v), survived by retries, scan errors %d, %d events, none lost", c.Injected(), c.Faults, len(errs), len(got))
}

func TestPersistentFaultResumesFromTheLastGoodPage(t *testing.T) {
	p, want := faultySetup(t, 230) // 5 pages
	src := faultySource(t, p, 300*time.Millisecond)
	// Every attempt at the third page fails until the SDK gives up: the
	// scan reports the error, and the next call resumes with the kept
	// NextToken once the service recovers.
	p.Add(faultproxy.Rule{Match: nextPages, Fault: faultproxy.Status500, Skip: 1, Times: maxAttempts})
	var msgs []string
	got, errs := drainRetrying(t, mustOpen(t, src, seededQuery()), 1, func(err error) { msgs = append(msgs, Explain(err)) })
	sameIDs(t, ids(got), want)
	if len(errs) != 1 || !strings.Contains(msgs[0], "us-east-1") || !strings.Contains(msgs[0], "InternalFailure") {
		t.Fatalf("errors %q, want one naming the region and the failure", msgs)
	}
	if c := p.Counts(); c.Faults[faultproxy.Status500] != maxAttempts {
		t.Fatalf("proxy counts %+v, want %d answers 500", c, maxAttempts)
	}
}

func TestRefusedConnectionIsReportedAndTheScanResumes(t *testing.T) {
	p, want := faultySetup(t, 180) // 4 pages
	src := faultySource(t, p, time.Second)
	cur := mustOpen(t, src, seededQuery())
	first, err := cur.Next(context.Background())
	if err != nil || len(first.Events) == 0 {
		t.Fatalf("first page: %d events, %v", len(first.Events), err)
	}
	if err := p.Refuse(); err != nil {
		t.Fatal(err)
	}
	var explained string
	rest, errs := drainRetrying(t, cur, 1, func(err error) {
		explained = Explain(err)
		if err := p.Resume(); err != nil {
			t.Fatal(err)
		}
	})
	var le *Error
	if len(errs) != 1 || !errors.As(errs[0], &le) || le.Kind != KindUnreachable ||
		!strings.Contains(explained, p.URL()) || !strings.Contains(explained, "us-east-1") {
		t.Fatalf("errors %v (%q), want one unreachable error naming the endpoint and region", errs, explained)
	}
	sameIDs(t, ids(append(first.Events, rest...)), want)
}

func TestExpiredSessionKeepsWhatWasLoaded(t *testing.T) {
	p, want := faultySetup(t, 300) // 6 pages
	src := faultySource(t, p, time.Second)
	// The session expires after three pages.
	p.Add(faultproxy.Rule{Match: lookupCalls, Fault: faultproxy.ExpiredToken, Skip: 3})
	cur := mustOpen(t, src, seededQuery())
	var loaded []model.Event
	var err error
	for err == nil {
		var page source.Page
		page, err = cur.Next(context.Background())
		loaded = append(loaded, page.Events...)
	}
	var le *Error
	if !errors.As(err, &le) || le.Kind != KindExpiredToken || !strings.Contains(Explain(err), "expired") {
		t.Fatalf("error %v, want an expired session", err)
	}
	if len(loaded) != 3*pageSize {
		t.Fatalf("kept %d events, want the %d of the pages read before expiry", len(loaded), 3*pageSize)
	}
	sameIDs(t, ids(loaded), want[:len(loaded)])
	// Fresh credentials: the scan goes on from where it stopped.
	p.Clear()
	rest, _ := drainRetrying(t, cur, 0, nil)
	sameIDs(t, ids(append(loaded, rest...)), want)
}
