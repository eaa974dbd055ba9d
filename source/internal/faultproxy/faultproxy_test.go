package faultproxy

import (
	"encoding/json"
	"encoding/xml"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// upstream is a real server answering every request with a 4 KiB body that
// names the request's path, and counting what it served.
func upstream(t *testing.T) (*httptest.Server, *int) {
	t.Helper()
	served := new(int)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		*served++
		w.Header().Set("Content-Type", "text/plain")
		_, _ = io.WriteString(w, r.Method+" "+r.URL.Path+" "+strings.Repeat("x", 4096))
	}))
	t.Cleanup(srv.Close)
	return srv, served
}

func start(t *testing.T, target string) *Proxy {
	t.Helper()
	p, err := New(target)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = p.Close() })
	return p
}

// client never reuses connections, so each request sees a fresh one.
var client = &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}

func get(t *testing.T, url string, header http.Header) (*http.Response, []byte, error) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range header {
		req.Header[k] = v
	}
	resp, err := client.Do(req)
	if err != nil {
		return nil, nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return resp, b, err
}

func TestPassForwardsUntouched(t *testing.T) {
	up, served := upstream(t)
	p := start(t, up.URL)
	resp, body, err := get(t, p.URL()+"/bucket/key%20one?list-type=2", nil)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != 200 || !strings.HasPrefix(string(body), "GET /bucket/key one x") || len(body) != len("GET /bucket/key one ")+4096 {
		t.Fatalf("got %d %.40q (%d bytes)", resp.StatusCode, body, len(body))
	}
	c := p.Counts()
	if c.Requests != 1 || c.Forwarded != 1 || c.Injected() != 0 || *served != 1 {
		t.Fatalf("counts %+v, upstream served %d", c, *served)
	}
}

func TestResetAndTruncateCutTheBody(t *testing.T) {
	for _, f := range []Fault{Reset, Truncate} {
		t.Run(f.String(), func(t *testing.T) {
			up, served := upstream(t)
			p := start(t, up.URL)
			p.Once(f, nil)
			resp, body, err := get(t, p.URL()+"/a", nil)
			if err == nil {
				t.Fatalf("read %d bytes of a cut answer without an error", len(body))
			}
			if resp.StatusCode != 200 || len(body) >= int(resp.ContentLength) {
				t.Fatalf("status %d, read %d of %d bytes", resp.StatusCode, len(body), resp.ContentLength)
			}
			if f == Truncate && !errors.Is(err, io.ErrUnexpectedEOF) {
				t.Fatalf("truncated body: error %v, want unexpected EOF", err)
			}
			// The rule was for one request: the next one passes.
			if _, body, err := get(t, p.URL()+"/b", nil); err != nil || !strings.HasPrefix(string(body), "GET /b") {
				t.Fatalf("second request: %v %.20q", err, body)
			}
			c := p.Counts()
			if c.Faults[f] != 1 || c.Injected() != 1 || c.Forwarded != 2 || *served != 2 {
				t.Fatalf("counts %+v, upstream served %d", c, *served)
			}
		})
	}
}

func TestDelayOutlastsClientTimeout(t *testing.T) {
	up, served := upstream(t)
	p := start(t, up.URL)
	p.Add(Rule{Fault: Delay, Delay: time.Minute, Times: 1})
	c := &http.Client{Timeout: 100 * time.Millisecond}
	_, err := c.Get(p.URL() + "/slow")
	var ue interface{ Timeout() bool }
	if !errors.As(err, &ue) || !ue.Timeout() {
		t.Fatalf("error %v, want a client timeout", err)
	}
	if _, _, err := get(t, p.URL()+"/fast", nil); err != nil {
		t.Fatal(err)
	}
	// The delayed request was dropped when its client gave up: only the
	// second one reached the upstream server.
	if got := p.Counts(); got.Faults[Delay] != 1 || *served != 1 {
		t.Fatalf("counts %+v, upstream served %d", got, *served)
	}
}

func TestStatusAnswersInAWSShapes(t *testing.T) {
	up, served := upstream(t)
	p := start(t, up.URL)
	p.Add(Rule{Fault: Status500, Match: func(r *Request) bool { return r.Operation == "LookupEvents" }})
	p.Add(Rule{Fault: Status503, Match: func(r *Request) bool { return r.Operation == "" }})

	resp, body, err := get(t, p.URL()+"/", http.Header{"X-Amz-Target": {"com.amazonaws.cloudtrail.v20131101.CloudTrail_20131101.LookupEvents"}})
	if err != nil {
		t.Fatal(err)
	}
	var je struct {
		Type    string `json:"__type"`
		Message string `json:"message"`
	}
	if resp.StatusCode != 500 || json.Unmarshal(body, &je) != nil || je.Type != "InternalFailure" || je.Message == "" {
		t.Fatalf("JSON protocol: %d %s", resp.StatusCode, body)
	}

	resp, body, err = get(t, p.URL()+"/bucket/key", nil)
	if err != nil {
		t.Fatal(err)
	}
	var xe struct {
		Code string `xml:"Code"`
	}
	if resp.StatusCode != 503 || xml.Unmarshal(body, &xe) != nil || xe.Code != "SlowDown" {
		t.Fatalf("S3: %d %s", resp.StatusCode, body)
	}
	p.Clear()
	p.Once(ExpiredToken, nil)
	resp, body, err = get(t, p.URL()+"/bucket/key", nil)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != 400 || xml.Unmarshal(body, &xe) != nil || xe.Code != "ExpiredToken" {
		t.Fatalf("S3 expired token: %d %s", resp.StatusCode, body)
	}
	c := p.Counts()
	if c.Faults[Status500] != 1 || c.Faults[Status503] != 1 || c.Faults[ExpiredToken] != 1 || c.Forwarded != 0 || *served != 0 {
		t.Fatalf("counts %+v, upstream served %d", c, *served)
	}
}

func TestSkipAndTimes(t *testing.T) {
	up, _ := upstream(t)
	p := start(t, up.URL)
	p.Add(Rule{Fault: Status503, Skip: 2, Times: 2})
	var codes []int
	for range 6 {
		resp, _, err := get(t, p.URL()+"/k", nil)
		if err != nil {
			t.Fatal(err)
		}
		codes = append(codes, resp.StatusCode)
	}
	want := []int{200, 200, 503, 503, 200, 200}
	for i := range want {
		if codes[i] != want[i] {
			t.Fatalf("status codes %v, want %v", codes, want)
		}
	}
}

func TestRefuseAndResume(t *testing.T) {
	up, _ := upstream(t)
	p := start(t, up.URL)
	if err := p.Refuse(); err != nil {
		t.Fatal(err)
	}
	if _, _, err := get(t, p.URL()+"/k", nil); err == nil || !strings.Contains(err.Error(), "refused") {
		t.Fatalf("error %v, want connection refused", err)
	}
	if err := p.Resume(); err != nil {
		t.Fatal(err)
	}
	if _, _, err := get(t, p.URL()+"/k", nil); err != nil {
		t.Fatal(err)
	}
	if c := p.Counts(); c.Refusals != 1 || c.Injected() != 1 {
		t.Fatalf("counts %+v", c)
	}
}

func TestNewRejectsBadUpstream(t *testing.T) {
	if _, err := New("not a url"); err == nil {
		t.Fatal("New accepted an upstream without a host")
	}
}
