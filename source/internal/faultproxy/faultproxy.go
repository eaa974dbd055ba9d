// Package faultproxy is a fault-injecting HTTP proxy for tests: it listens on
// 127.0.0.1 in front of a real server (the emulator) and, per rule, resets
// the connection mid-response, truncates a body, delays past a client's
// timeout, answers HTTP 500/503 or an expired session token in the shape AWS
// uses, or stops listening so that connections are refused. It counts every
// fault it injected.
package faultproxy

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"maps"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Fault is what the proxy does to one request.
type Fault int

// The faults. Pass forwards the request untouched.
const (
	Pass Fault = iota
	// Reset forwards the request, sends the status line, headers and half
	// of the body, then resets the TCP connection (RST).
	Reset
	// Truncate forwards the request, announces the full Content-Length,
	// sends half of the body and closes the connection cleanly (FIN).
	Truncate
	// Delay waits Rule.Delay (or until the client gives up) before
	// forwarding.
	Delay
	// Status500 answers HTTP 500 InternalFailure without forwarding.
	Status500
	// Status503 answers HTTP 503 ServiceUnavailable (SlowDown for S3)
	// without forwarding.
	Status503
	// ExpiredToken answers HTTP 400 ExpiredTokenException (ExpiredToken for
	// S3) without forwarding, as AWS does once a session token has expired.
	ExpiredToken
	nFaults
)

var faultNames = [nFaults]string{"pass", "reset", "truncate", "delay", "500", "503", "expired"}

func (f Fault) String() string {
	if f >= 0 && f < nFaults {
		return faultNames[f]
	}
	return "fault(" + strconv.Itoa(int(f)) + ")"
}

// Request is what a rule sees of an incoming request.
type Request struct {
	Method string
	Path   string
	// Query is the raw query string.
	Query string
	// Operation is the JSON-protocol operation (the X-Amz-Target after its
	// last dot, e.g. "LookupEvents"), or "" for REST and Query calls.
	Operation string
	Body      []byte
	// Seq numbers the requests the proxy received, from 1.
	Seq int
}

// Rule applies a fault to the requests it matches.
type Rule struct {
	// Match selects requests; nil matches every request.
	Match func(r *Request) bool
	Fault Fault
	// Skip lets this many matching requests pass before the fault applies.
	Skip int
	// Times is how many requests get the fault; 0 means all of them.
	Times int
	// Delay is how long a Delay fault waits.
	Delay time.Duration

	seen, applied int
}

// Counts says what the proxy did.
type Counts struct {
	// Requests is every request received.
	Requests int
	// Forwarded counts requests that reached the upstream server
	// (including those reset or truncated afterwards).
	Forwarded int
	// Faults counts each injected fault by kind (Pass excluded).
	Faults map[Fault]int
	// Refusals counts the times Refuse closed the listener.
	Refusals int
}

// Injected is the total number of faults injected, refusals included.
func (c Counts) Injected() int {
	n := c.Refusals
	for _, v := range c.Faults {
		n += v
	}
	return n
}

// Proxy is a running fault-injecting proxy. It is safe for concurrent use.
type Proxy struct {
	target *url.URL
	addr   string
	client *http.Client

	mu     sync.Mutex
	rules  []*Rule
	counts Counts
	srv    *http.Server // nil while refusing
	wg     sync.WaitGroup
}

// New starts a proxy on 127.0.0.1 (a free port) in front of upstream, a base
// URL such as the emulator's endpoint.
func New(upstream string) (*Proxy, error) {
	target, err := url.Parse(upstream)
	if err != nil || target.Host == "" {
		return nil, fmt.Errorf("faultproxy: upstream %q: not a base URL", upstream)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("faultproxy: listen: %w", err)
	}
	p := &Proxy{
		target: target,
		addr:   ln.Addr().String(),
		client: &http.Client{Transport: &http.Transport{Proxy: nil, DisableCompression: true}},
		counts: Counts{Faults: map[Fault]int{}},
	}
	p.serve(ln)
	return p, nil
}

// URL is the proxy's base URL, to give clients as their endpoint.
func (p *Proxy) URL() string { return "http://" + p.addr }

// Add appends a rule. Rules are tried in the order added; the first that
// applies to a request decides its fault.
func (p *Proxy) Add(r Rule) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.rules = append(p.rules, &r)
}

// Once applies f to the next request that match selects (nil: any request).
func (p *Proxy) Once(f Fault, match func(r *Request) bool) {
	p.Add(Rule{Match: match, Fault: f, Times: 1})
}

// Clear removes every rule.
func (p *Proxy) Clear() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.rules = nil
}

// Counts returns a snapshot of what the proxy did.
func (p *Proxy) Counts() Counts {
	p.mu.Lock()
	defer p.mu.Unlock()
	c := p.counts
	c.Faults = maps.Clone(p.counts.Faults)
	return c
}

// Refuse closes the listener, so that new connections to URL are refused
// until Resume; connections already open are closed too.
func (p *Proxy) Refuse() error {
	p.mu.Lock()
	srv := p.srv
	p.srv = nil
	if srv != nil {
		p.counts.Refusals++
	}
	p.mu.Unlock()
	if srv == nil {
		return nil
	}
	err := srv.Close()
	p.wg.Wait()
	if err != nil {
		return fmt.Errorf("faultproxy: refuse: %w", err)
	}
	return nil
}

// Resume listens again on the same address after Refuse.
func (p *Proxy) Resume() error {
	p.mu.Lock()
	running := p.srv != nil
	p.mu.Unlock()
	if running {
		return nil
	}
	ln, err := net.Listen("tcp", p.addr)
	if err != nil {
		return fmt.Errorf("faultproxy: resume: %w", err)
	}
	p.serve(ln)
	return nil
}

// Close stops the proxy.
func (p *Proxy) Close() error {
	p.mu.Lock()
	srv := p.srv
	p.srv = nil
	p.mu.Unlock()
	var err error
	if srv != nil {
		err = srv.Close()
		p.wg.Wait()
	}
	p.client.CloseIdleConnections()
	if err != nil {
		return fmt.Errorf("faultproxy: close: %w", err)
	}
	return nil
}

func (p *Proxy) serve(ln net.Listener) {
	srv := &http.Server{Handler: http.HandlerFunc(p.handle), ReadHeaderTimeout: 10 * time.Second}
	p.mu.Lock()
	p.srv = srv
	p.mu.Unlock()
	p.wg.Add(1)
	go func() {
		defer p.wg.Done()
		_ = srv.Serve(ln)
	}()
}

// decide counts the request and picks its fault.
func (p *Proxy) decide(r *Request) (Fault, time.Duration) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.counts.Requests++
	r.Seq = p.counts.Requests
	for _, rule := range p.rules {
		if rule.Times > 0 && rule.applied >= rule.Times {
			continue
		}
		if rule.Match != nil && !rule.Match(r) {
			continue
		}
		rule.seen++
		if rule.seen <= rule.Skip {
			continue
		}
		rule.applied++
		if rule.Fault != Pass {
			p.counts.Faults[rule.Fault]++
		}
		return rule.Fault, rule.Delay
	}
	return Pass, 0
}

func (p *Proxy) handle(w http.ResponseWriter, hr *http.Request) {
	body, err := io.ReadAll(hr.Body)
	if err != nil {
		http.Error(w, "faultproxy: reading request body: "+err.Error(), http.StatusBadGateway)
		return
	}
	req := &Request{Method: hr.Method, Path: hr.URL.Path, Query: hr.URL.RawQuery, Body: body}
	if t := hr.Header.Get("X-Amz-Target"); t != "" {
		req.Operation = t[strings.LastIndexByte(t, '.')+1:]
	}
	fault, delay := p.decide(req)
	switch fault {
	case Status500, Status503, ExpiredToken:
		writeAWSError(w, hr, fault)
		return
	case Delay:
		t := time.NewTimer(delay)
		select {
		case <-t.C:
		case <-hr.Context().Done():
			t.Stop()
			return
		}
	}
	resp, respBody, err := p.forward(hr.Context(), hr, body)
	if err != nil {
		http.Error(w, "faultproxy: "+err.Error(), http.StatusBadGateway)
		return
	}
	switch fault {
	case Reset, Truncate:
		cut(w, resp, respBody, fault == Reset)
	default:
		copyHeader(w.Header(), resp.Header)
		w.Header().Set("Content-Length", strconv.Itoa(len(respBody)))
		w.WriteHeader(resp.StatusCode)
		_, _ = w.Write(respBody)
	}
}

// forward sends the request upstream with the client's Host header (which
// the signature covers) and reads the whole answer.
func (p *Proxy) forward(ctx context.Context, hr *http.Request, body []byte) (*http.Response, []byte, error) {
	u := *p.target
	u.Path, u.RawPath, u.RawQuery = hr.URL.Path, hr.URL.RawPath, hr.URL.RawQuery
	out, err := http.NewRequestWithContext(ctx, hr.Method, u.String(), bytes.NewReader(body))
	if err != nil {
		return nil, nil, fmt.Errorf("building upstream request: %w", err)
	}
	copyHeader(out.Header, hr.Header)
	out.Host = hr.Host
	out.ContentLength = int64(len(body))
	p.mu.Lock()
	p.counts.Forwarded++
	p.mu.Unlock()
	resp, err := p.client.Do(out)
	if err != nil {
		return nil, nil, fmt.Errorf("upstream: %w", err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, nil, fmt.Errorf("reading upstream answer: %w", err)
	}
	return resp, b, nil
}

// cut writes the answer's status line, headers (with the full
// Content-Length) and half its body straight to the connection, then resets
// or closes it.
func cut(w http.ResponseWriter, resp *http.Response, body []byte, reset bool) {
	conn, buf, err := http.NewResponseController(w).Hijack()
	if err != nil {
		http.Error(w, "faultproxy: hijack: "+err.Error(), http.StatusInternalServerError)
		return
	}
	defer conn.Close()
	var head bytes.Buffer
	fmt.Fprintf(&head, "HTTP/1.1 %d %s\r\n", resp.StatusCode, http.StatusText(resp.StatusCode))
	h := resp.Header.Clone()
	h.Del("Transfer-Encoding")
	h.Set("Content-Length", strconv.Itoa(len(body)))
	h.Set("Connection", "close")
	_ = h.Write(&head)
	head.WriteString("\r\n")
	head.Write(body[:len(body)/2])
	_, _ = buf.Write(head.Bytes())
	_ = buf.Flush()
	if tc, ok := conn.(*net.TCPConn); ok && reset {
		// Give the client a moment to read what was sent, so that the
		// reset lands mid-body rather than before the headers.
		time.Sleep(20 * time.Millisecond)
		_ = tc.SetLinger(0)
	}
}

func copyHeader(dst, src http.Header) {
	for k, vs := range src {
		for _, v := range vs {
			dst.Add(k, v)
		}
	}
}

// writeAWSError answers with the error shape of the request's protocol:
// JSON 1.1 for X-Amz-Target calls, XML for S3 and the Query protocol.
func writeAWSError(w http.ResponseWriter, hr *http.Request, f Fault) {
	status, code, msg := http.StatusInternalServerError, "InternalFailure", "We encountered an internal error. Please try again."
	switch f {
	case Status503:
		status, code, msg = http.StatusServiceUnavailable, "ServiceUnavailable", "Service is unavailable. Please try again."
	case ExpiredToken:
		status, code, msg = http.StatusBadRequest, "ExpiredTokenException", "The security token included in the request is expired"
	}
	w.Header().Set("X-Amzn-Requestid", "faultproxy-injected")
	if hr.Header.Get("X-Amz-Target") != "" {
		w.Header().Set("Content-Type", "application/x-amz-json-1.1")
		w.Header().Set("X-Amzn-Errortype", code)
		w.WriteHeader(status)
		fmt.Fprintf(w, `{"__type":%q,"message":%q}`, code, msg)
		return
	}
	if isQuery(hr) {
		w.Header().Set("Content-Type", "text/xml;charset=UTF-8")
		w.WriteHeader(status)
		fmt.Fprintf(w, `<?xml version="1.0" encoding="UTF-8"?><Response><Errors><Error><Code>%s</Code><Message>%s</Message></Error></Errors><RequestID>faultproxy-injected</RequestID></Response>`, code, msg)
		return
	}
	switch f {
	case Status503:
		code, msg = "SlowDown", "Please reduce your request rate."
	case ExpiredToken:
		code = "ExpiredToken"
	default:
		code = "InternalError"
	}
	w.Header().Set("Content-Type", "application/xml")
	w.WriteHeader(status)
	fmt.Fprintf(w, `<?xml version="1.0" encoding="UTF-8"?><Error><Code>%s</Code><Message>%s</Message><RequestId>faultproxy-injected</RequestId></Error>`, code, msg)
}

// isQuery reports whether the request uses the AWS Query protocol (EC2,
// STS): a form POST to the root path.
func isQuery(hr *http.Request) bool {
	return hr.Method == http.MethodPost && hr.URL.Path == "/" &&
		strings.HasPrefix(hr.Header.Get("Content-Type"), "application/x-www-form-urlencoded")
}
