// Package emulator is a local CloudTrail emulator: one HTTP server that real
// AWS clients talk to (CloudTrail, STS, EC2 and S3, routed by the SigV4
// credential scope), which records every call it serves as a CloudTrail
// event, answers LookupEvents over that history, and delivers log files and
// signed digest files for logging trails into its S3 buckets.
package emulator

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"
)

// Server is a running emulator. Create it with New; serve it with Start or
// mount Handler yourself.
type Server struct {
	cfg     Config
	keys    *keyTable
	history *history
	limiter *limiter
	signer  *keyRing
	persist *persister // nil without a DataDir

	// mu guards trails, the signing keys and all delivery state;
	// deliverMu serializes deliveries.
	mu        sync.Mutex
	trails    []*trail
	deliverMu sync.Mutex
	// released is set under deliverMu when Close has released the stores:
	// deliveries after it do nothing.
	released bool

	// services holds the handlers of the other protocols. Their files own
	// them: ec2.go builds ec2 with newEC2Service(s *Server) *ec2Service and
	// defines (*Server).serveEC2(w, req); s3.go builds s3 with
	// newS3Service(s *Server, dataDir string) (*s3Service, error), defines
	// (*Server).serveS3(w, req), and *s3Service implements objectStore,
	// which delivery writes through. A *Request handed to them carries the
	// body already read (and capped); req.HTTP.Body is reset to a reader of
	// the same bytes so it can be passed on as is.
	services struct {
		ec2 *ec2Service
		s3  *s3Service
	}
	store objectStore

	httpSrv  *http.Server
	stop     chan struct{}
	loopDone chan struct{}
	closeMu  sync.Mutex
	closed   bool
}

// New builds an emulator from cfg: loads or creates its signing key, loads
// persisted state from cfg.DataDir, seeds history, and starts the delivery
// loop. Close releases it.
func New(cfg Config) (*Server, error) {
	cfg = cfg.withDefaults()
	keys, err := newKeyTable(cfg.KeyTable, cfg.AccountID)
	if err != nil {
		return nil, fmt.Errorf("new emulator: %w", err)
	}
	s := &Server{
		cfg:      cfg,
		keys:     keys,
		history:  newHistory(cfg.HistoryCap),
		limiter:  newLimiter(cfg.Rate, cfg.Burst),
		stop:     make(chan struct{}),
		loopDone: make(chan struct{}),
	}
	seeded := false
	if cfg.DataDir != "" {
		s.persist, err = openPersister(cfg.DataDir)
		if err != nil {
			return nil, fmt.Errorf("new emulator: %w", err)
		}
		if seeded, err = s.load(); err != nil {
			s.persist.close()
			return nil, fmt.Errorf("new emulator: %w", err)
		}
	}
	if s.signer == nil {
		if s.signer, err = newKeyRing(cfg.Now()); err != nil {
			return nil, fmt.Errorf("new emulator: %w", err)
		}
		s.saveKeys()
	}
	if !seeded && cfg.HistoryDays > 0 {
		if err := s.seed(); err != nil {
			s.closePersist()
			return nil, fmt.Errorf("new emulator: %w", err)
		}
	}
	s.services.ec2 = newEC2Service(s)
	if s.services.s3, err = newS3Service(s, cfg.DataDir); err != nil {
		s.closePersist()
		return nil, fmt.Errorf("new emulator: %w", err)
	}
	s.store = s.services.s3
	go s.deliveryLoop()
	return s, nil
}

// Start serves the emulator on addr ("127.0.0.1:0" picks a free port; ""
// uses Config.Addr) and returns its endpoint URL.
func (s *Server) Start(addr string) (endpoint string, err error) {
	if addr == "" {
		addr = s.cfg.Addr
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return "", fmt.Errorf("start emulator: %w", err)
	}
	s.closeMu.Lock()
	defer s.closeMu.Unlock()
	if s.closed || s.httpSrv != nil {
		ln.Close()
		return "", errors.New("start emulator: server closed or already started")
	}
	s.httpSrv = &http.Server{Handler: s.Handler(), ReadHeaderTimeout: 10 * time.Second}
	go s.httpSrv.Serve(ln)
	return "http://" + ln.Addr().String(), nil
}

// Close shuts the emulator down in order: it stops the delivery loop, stops
// serving (waiting up to 5 seconds for calls in progress), then flushes the
// persisted state and closes the S3 store, so that another emulator can open
// the same data directory as soon as Close returns.
func (s *Server) Close() error {
	s.closeMu.Lock()
	defer s.closeMu.Unlock()
	if s.closed {
		return nil
	}
	s.closed = true
	close(s.stop)
	<-s.loopDone
	var err error
	if s.httpSrv != nil {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if serr := s.httpSrv.Shutdown(ctx); serr != nil {
			err = fmt.Errorf("close emulator: %w", serr)
		}
	}
	s.deliverMu.Lock()
	defer s.deliverMu.Unlock()
	s.released = true
	if cerr := s.closePersist(); err == nil {
		err = cerr
	}
	if cerr := s.services.s3.close(); err == nil {
		err = cerr
	}
	return err
}

// Handler returns the emulator's HTTP handler.
func (s *Server) Handler() http.Handler { return http.HandlerFunc(s.serveHTTP) }

// AccountID is the account of callers the key table gives none.
func (s *Server) AccountID() string { return s.cfg.AccountID }

// Stats says how much history the emulator holds.
type Stats struct {
	Events  int   // events in the history
	Dropped int64 // oldest events dropped because the history was full
}

// Stats reports the history's size.
func (s *Server) Stats() Stats {
	n, d := s.history.stats()
	return Stats{Events: n, Dropped: d}
}

// protocol is the wire protocol a request speaks, which decides the shape of
// its errors.
type protocol int

const (
	protoJSON  protocol = iota // CloudTrail: JSON 1.1
	protoEC2                   // EC2 Query
	protoQuery                 // STS Query
	protoS3                    // S3 REST XML
)

func (s *Server) serveHTTP(w http.ResponseWriter, r *http.Request) {
	reqID := newUUID()
	w.Header().Set("x-amzn-RequestId", reqID)
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, s.cfg.MaxBodyBytes))
	if err != nil {
		proto := guessProtocol(r, nil)
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			writeError(w, proto, http.StatusRequestEntityTooLarge, "RequestEntityTooLarge",
				fmt.Sprintf("Request body exceeds %d bytes", s.cfg.MaxBodyBytes), reqID)
			return
		}
		writeError(w, proto, http.StatusBadRequest, "IncompleteBody", "The request body could not be read", reqID)
		return
	}
	r.Body = io.NopCloser(bytes.NewReader(body))
	key, region, service, ok := credentialScope(r)
	if !ok {
		proto := guessProtocol(r, body)
		code, status, msg := "MissingAuthenticationTokenException", http.StatusForbidden, "Missing Authentication Token"
		switch proto {
		case protoEC2:
			code, status, msg = "AuthFailure", http.StatusUnauthorized, "AWS was not able to validate the provided access credentials"
		case protoQuery:
			code = "MissingAuthenticationToken"
			msg = "Request is missing Authentication Token"
		case protoS3:
			code, msg = "AccessDenied", "Access Denied"
		}
		writeError(w, proto, status, code, msg, reqID)
		return
	}
	now := s.cfg.Now().UTC()
	req := &Request{
		HTTP:      r,
		Service:   service,
		Region:    region,
		Caller:    s.keys.caller(key, now),
		Body:      body,
		RequestID: reqID,
		SourceIP:  sourceIP(r),
		UserAgent: r.UserAgent(),
		Received:  now,
	}
	if req.Caller.Expired {
		writeExpired(w, r, body, service, reqID)
		return
	}
	// The answer is held until the handler has recorded the call, so a
	// client that has its response can already look the call up.
	held := &heldResponse{w: w}
	defer held.send()
	w = held
	switch service {
	case "cloudtrail":
		s.serveCloudTrail(w, req)
	case "sts":
		s.serveSTS(w, req)
	case "ec2":
		s.serveEC2(w, req)
	case "s3":
		s.serveS3(w, req)
	default:
		writeError(w, guessProtocol(r, body), http.StatusBadRequest, "UnknownService",
			fmt.Sprintf("The emulator does not serve %q; it serves cloudtrail, sts, ec2 and s3", service), reqID)
	}
}

// writeExpired answers a call made with an expired session token in the
// shape and words each service uses.
func writeExpired(w http.ResponseWriter, r *http.Request, body []byte, service, reqID string) {
	const msg = "The security token included in the request is expired"
	switch service {
	case "cloudtrail":
		writeError(w, protoJSON, http.StatusBadRequest, "ExpiredTokenException", msg, reqID)
	case "sts":
		writeError(w, protoQuery, http.StatusForbidden, "ExpiredToken", msg, reqID)
	case "ec2":
		writeError(w, protoEC2, http.StatusBadRequest, "RequestExpired", "Request has expired.", reqID)
	case "s3":
		writeError(w, protoS3, http.StatusBadRequest, "ExpiredToken", "The provided token has expired.", reqID)
	default:
		writeError(w, guessProtocol(r, body), http.StatusForbidden, "ExpiredToken", msg, reqID)
	}
}

// credentialScope reads the access key, region and service from a SigV4
// Authorization header, a presigned URL's X-Amz-Credential, or (S3 only) a
// SigV2 Authorization header.
func credentialScope(r *http.Request) (key, region, service string, ok bool) {
	auth := r.Header.Get("Authorization")
	if rest, found := strings.CutPrefix(auth, "AWS4-HMAC-SHA256 "); found {
		for part := range strings.SplitSeq(rest, ",") {
			if cred, found := strings.CutPrefix(strings.TrimSpace(part), "Credential="); found {
				return parseCredential(cred)
			}
		}
		return "", "", "", false
	}
	if rest, found := strings.CutPrefix(auth, "AWS "); found {
		key, _, _ = strings.Cut(rest, ":")
		return key, "us-east-1", "s3", key != ""
	}
	if cred := r.URL.Query().Get("X-Amz-Credential"); cred != "" {
		return parseCredential(cred)
	}
	return "", "", "", false
}

// parseCredential splits "AKID/20260101/us-east-1/cloudtrail/aws4_request".
func parseCredential(cred string) (key, region, service string, ok bool) {
	parts := strings.Split(cred, "/")
	if len(parts) != 5 || parts[0] == "" || parts[2] == "" || parts[3] == "" || parts[4] != "aws4_request" {
		return "", "", "", false
	}
	return parts[0], parts[2], parts[3], true
}

// guessProtocol names the protocol of a request that has no usable
// credential scope, from its other features.
func guessProtocol(r *http.Request, body []byte) protocol {
	if r.Header.Get("X-Amz-Target") != "" || strings.Contains(r.Header.Get("Content-Type"), "json") {
		return protoJSON
	}
	if strings.HasPrefix(r.Header.Get("Content-Type"), "application/x-www-form-urlencoded") || r.URL.Query().Has("Action") {
		form, _ := url.ParseQuery(string(body))
		action := form.Get("Action")
		if action == "" {
			action = r.URL.Query().Get("Action")
		}
		if strings.HasPrefix(action, "GetCallerIdentity") || strings.HasPrefix(action, "AssumeRole") ||
			strings.HasPrefix(action, "GetSessionToken") {
			return protoQuery
		}
		if action != "" {
			return protoEC2
		}
	}
	return protoS3
}

// writeError answers with the error shape of proto.
func writeError(w http.ResponseWriter, proto protocol, status int, code, msg, reqID string) {
	switch proto {
	case protoJSON:
		writeJSONError(w, status, code, msg)
	case protoEC2:
		w.Header().Set("Content-Type", "text/xml;charset=UTF-8")
		w.WriteHeader(status)
		fmt.Fprintf(w, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Response><Errors><Error><Code>%s</Code><Message>%s</Message></Error></Errors><RequestID>%s</RequestID></Response>",
			xmlEscape(code), xmlEscape(msg), xmlEscape(reqID))
	case protoQuery:
		writeQueryError(w, status, code, msg, reqID)
	default:
		w.Header().Set("Content-Type", "application/xml")
		w.WriteHeader(status)
		fmt.Fprintf(w, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>%s</Code><Message>%s</Message><RequestId>%s</RequestId></Error>",
			xmlEscape(code), xmlEscape(msg), xmlEscape(reqID))
	}
}

func xmlEscape(s string) string {
	var b strings.Builder
	xml.EscapeText(&b, []byte(s))
	return b.String()
}

// sourceIP is the address of the connection, without its port.
func sourceIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// newUUID returns a random version 4 UUID.
func newUUID() string {
	var b [16]byte
	rand.Read(b[:])
	return formatUUID(b)
}

func formatUUID(b [16]byte) string {
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}

// heldResponse buffers a handler's answer and sends it when the handler is
// done.
type heldResponse struct {
	w      http.ResponseWriter
	status int
	body   bytes.Buffer
}

func (h *heldResponse) Header() http.Header { return h.w.Header() }

func (h *heldResponse) WriteHeader(status int) {
	if h.status == 0 {
		h.status = status
	}
}

func (h *heldResponse) Write(p []byte) (int, error) {
	if h.status == 0 {
		h.status = http.StatusOK
	}
	return h.body.Write(p)
}

// send writes the held status and body to the client.
func (h *heldResponse) send() {
	if h.status == 0 {
		h.status = http.StatusOK
	}
	h.w.WriteHeader(h.status)
	h.w.Write(h.body.Bytes())
}
