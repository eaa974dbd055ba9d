package main

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/charmbracelet/x/ansi"

	"github.com/lazytrail/lazytrail/source/emulator"
	"github.com/lazytrail/lazytrail/source/emulator/emulatortest"
)

// expiringEndpoint puts a proxy in front of an emulator with a day of
// seeded history: after pages LookupEvents answers, the session "expires"
// and every further LookupEvents is answered ExpiredTokenException.
func expiringEndpoint(t *testing.T, pages int64) string {
	t.Helper()
	_, endpoint := emulatortest.Start(t, emulator.Config{Rate: -1, HistoryDays: 1, Seed: 11})
	target, err := url.Parse(endpoint)
	if err != nil {
		t.Fatal(err)
	}
	forward := httputil.NewSingleHostReverseProxy(target)
	var served atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// The body is read before forwarding. Otherwise, when the proxy
		// flushes the answer's headers, net/http's server closes the inbound
		// body, which the proxy's transport may not have finished checking
		// for extra bytes: the transport then drops the upstream connection
		// mid-answer, and the client's retry uses up a page.
		body, err := io.ReadAll(r.Body)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		r.Body = io.NopCloser(bytes.NewReader(body))
		if strings.HasSuffix(r.Header.Get("X-Amz-Target"), "LookupEvents") && served.Add(1) > pages {
			w.Header().Set("Content-Type", "application/x-amz-json-1.1")
			w.WriteHeader(http.StatusBadRequest)
			fmt.Fprint(w, `{"__type":"ExpiredTokenException","message":"The security token included in the request is expired"}`)
			return
		}
		forward.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	return srv.URL
}

// eventCount finds "N of M events" or "N events" on a screen.
var eventCount = regexp.MustCompile(`(\d+) (?:of \d+ )?events`)

func TestSessionExpiryMidScanKeepsWhatWasLoaded(t *testing.T) {
	bin := e2eBinary(t)
	endpoint := expiringEndpoint(t, 3)
	s := startTmux(t, "env", "AWS_ACCESS_KEY_ID="+emulator.KeyAlice, "AWS_SECRET_ACCESS_KEY="+e2eLeakSecret,
		"AWS_SESSION_TOKEN="+e2eLeakSession, "AWS_REGION=us-east-1", "AWS_CONFIG_FILE=/dev/null",
		"AWS_SHARED_CREDENTIALS_FILE=/dev/null", "AWS_CA_BUNDLE=", bin, "--endpoint-url", endpoint, "--since", "48h")
	screen := s.waitFor(30*time.Second, "expired")
	s.checkScreen(screen)
	plain := ansi.Strip(screen)
	m := eventCount.FindStringSubmatch(plain)
	if m == nil {
		t.Fatalf("no event count on screen:\n%s", plain)
	}
	// Three full pages of 50 events were loaded before the expiry.
	n, _ := strconv.Atoi(m[1])
	if n != 150 {
		t.Fatalf("%d events kept, want those of the 3 pages read before the session expired:\n%s", n, plain)
	}
	for _, secret := range []string{e2eLeakSecret, e2eLeakSession} {
		if strings.Contains(plain, secret) {
			t.Fatal("the screen shows a credential")
		}
	}
	lines := strings.Split(strings.TrimSpace(plain), "\n")
	t.Logf("%d events kept; status: %s", n, strings.TrimSpace(lines[len(lines)-1]))
}
