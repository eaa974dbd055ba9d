package emulator

import (
	"bytes"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"hash"
	"hash/crc32"
	"io"
	"net"
	"net/http"
	"net/textproto"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/johannesboyne/gofakes3"
	"github.com/johannesboyne/gofakes3/backend/s3bolt"
	"github.com/johannesboyne/gofakes3/backend/s3mem"
	bolt "go.etcd.io/bbolt"
)

const (
	s3EventSource = "s3.amazonaws.com"
	// s3Dir is the data directory's subfolder for S3 state.
	s3Dir        = "s3"
	s3ObjectsDB  = "objects.db"
	s3PolicyFile = "policies.json"
	// s3MaxPolicy is the largest bucket policy S3 accepts.
	s3MaxPolicy = 20 << 10
)

// s3Unsupported are subresources gofakes3 does not implement; without this
// list its router would mistake them for plain bucket or object calls (a PUT
// ?acl would try to create the bucket).
var s3Unsupported = []string{
	"accelerate", "acl", "analytics", "attributes", "cors", "encryption", "intelligent-tiering",
	"inventory", "legal-hold", "lifecycle", "logging", "metrics", "notification", "object-lock",
	"ownershipControls", "policyStatus", "publicAccessBlock", "replication", "requestPayment",
	"restore", "retention", "select", "tagging", "torrent", "website",
}

// s3Service is S3 as github.com/johannesboyne/gofakes3 implements it,
// path-style (or virtual-hosted style as BUCKET.localhost), in memory or in a bbolt file under the data directory. It adds
// what the library lacks and the emulator needs: bucket policies, aws-chunked
// request bodies, CloudTrail records of management calls, and the
// objectStore delivery writes through.
type s3Service struct {
	record  func(Call)
	backend gofakes3.Backend
	handler http.Handler
	db      *bolt.DB // nil in memory

	mu         sync.Mutex
	policies   map[string]string // bucket -> policy document
	policyFile string            // "" in memory
}

// newS3Service returns the S3 service of s, recording through s.Record and
// keeping its objects under dataDir when it is set. Server.Close closes it
// once nothing can write to it any more.
func newS3Service(s *Server, dataDir string) (*s3Service, error) {
	return newS3(s.Record, dataDir)
}

// serveS3 answers one S3 REST request.
func (s *Server) serveS3(w http.ResponseWriter, req *Request) {
	s.services.s3.serve(w, req)
}

func newS3(record func(Call), dataDir string) (*s3Service, error) {
	svc := &s3Service{record: record, policies: map[string]string{}}
	if dataDir == "" {
		svc.backend = s3mem.New()
	} else {
		dir := filepath.Join(dataDir, s3Dir)
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return nil, fmt.Errorf("open s3 store: %w", err)
		}
		file := filepath.Join(dir, s3ObjectsDB)
		db, err := bolt.Open(file, 0o600, &bolt.Options{Timeout: 5 * time.Second})
		if err != nil {
			return nil, fmt.Errorf("open s3 store %s (is another emulator using this data directory?): %w", file, err)
		}
		svc.db = db
		svc.backend = s3bolt.New(db)
		svc.policyFile = filepath.Join(dir, s3PolicyFile)
		raw, err := os.ReadFile(svc.policyFile)
		if err != nil && !errors.Is(err, os.ErrNotExist) {
			db.Close()
			return nil, fmt.Errorf("open s3 store: %w", err)
		}
		if err == nil {
			if err := json.Unmarshal(raw, &svc.policies); err != nil {
				db.Close()
				return nil, fmt.Errorf("open s3 store: read %s: %w", svc.policyFile, err)
			}
		}
	}
	svc.handler = gofakes3.New(svc.backend, gofakes3.WithLogger(gofakes3.DiscardLog())).Server()
	return svc, nil
}

// close releases the data file.
func (s3 *s3Service) close() error {
	if s3.db == nil {
		return nil
	}
	if err := s3.db.Close(); err != nil {
		return fmt.Errorf("close s3 store: %w", err)
	}
	return nil
}

// BucketExists implements objectStore.
func (s3 *s3Service) BucketExists(bucket string) bool {
	ok, err := s3.backend.BucketExists(bucket)
	return err == nil && ok
}

// PutObject implements objectStore: it writes body under bucket/key with the
// user metadata given (keys without the x-amz-meta- prefix).
func (s3 *s3Service) PutObject(bucket, key string, metadata map[string]string, body []byte) error {
	meta := map[string]string{
		"Content-Type":  s3ContentType(key),
		"Last-Modified": time.Now().UTC().Format(http.TimeFormat),
	}
	for k, v := range metadata {
		meta[textproto.CanonicalMIMEHeaderKey("X-Amz-Meta-"+k)] = v
	}
	if _, err := s3.backend.PutObject(bucket, key, meta, bytes.NewReader(body), int64(len(body)), nil); err != nil {
		return fmt.Errorf("put s3://%s/%s: %w", bucket, key, err)
	}
	return nil
}

func s3ContentType(key string) string {
	switch {
	case strings.HasSuffix(key, ".json.gz"), strings.HasSuffix(key, ".gz"):
		return "application/x-gzip"
	case strings.HasSuffix(key, ".json"):
		return "application/json"
	}
	return "application/octet-stream"
}

// s3Op names an S3 management call as CloudTrail does; data events (object
// calls, listings of objects) have no name.
type s3Op struct {
	name     string
	readOnly bool
}

func classifyS3(method, bucket, key string, q url.Values) s3Op {
	if bucket == "" {
		return s3Op{name: "ListBuckets", readOnly: true}
	}
	if key != "" {
		return s3Op{} // object calls are data events
	}
	for _, sub := range s3Unsupported {
		if q.Has(sub) {
			return s3Op{} // not served, so not recorded
		}
	}
	sub := func(name string) bool { return q.Has(name) }
	switch {
	case sub("policy"):
		return s3Op{name: map[string]string{"GET": "GetBucketPolicy", "PUT": "PutBucketPolicy", "DELETE": "DeleteBucketPolicy"}[method], readOnly: method == "GET"}
	case sub("location"):
		return s3Op{name: "GetBucketLocation", readOnly: true}
	case sub("versioning"):
		return s3Op{name: map[string]string{"GET": "GetBucketVersioning", "PUT": "PutBucketVersioning"}[method], readOnly: method == "GET"}
	case sub("versions"), sub("uploads"), sub("delete"):
		return s3Op{} // listing versions and uploads, deleting objects: data events
	}
	switch method {
	case http.MethodPut:
		return s3Op{name: "CreateBucket"}
	case http.MethodDelete:
		return s3Op{name: "DeleteBucket"}
	case http.MethodHead:
		return s3Op{name: "HeadBucket", readOnly: true}
	}
	return s3Op{} // ListObjects: a data event
}

// s3Action is the IAM action that authorizes an S3 request.
func s3Action(method, bucket, key string, q url.Values) string {
	if bucket == "" {
		return "s3:ListAllMyBuckets"
	}
	if key != "" {
		switch {
		case method == http.MethodGet || method == http.MethodHead:
			return "s3:GetObject"
		case method == http.MethodDelete && q.Has("uploadId"):
			return "s3:AbortMultipartUpload"
		case method == http.MethodDelete:
			return "s3:DeleteObject"
		}
		return "s3:PutObject"
	}
	switch {
	case q.Has("policy"):
		return map[string]string{"GET": "s3:GetBucketPolicy", "PUT": "s3:PutBucketPolicy", "DELETE": "s3:DeleteBucketPolicy"}[method]
	case q.Has("location"):
		return "s3:GetBucketLocation"
	case q.Has("versioning"):
		return map[string]string{"GET": "s3:GetBucketVersioning", "PUT": "s3:PutBucketVersioning"}[method]
	case q.Has("versions"):
		return "s3:ListBucketVersions"
	case q.Has("uploads"):
		return "s3:ListBucketMultipartUploads"
	case q.Has("delete"):
		return "s3:DeleteObject"
	}
	switch method {
	case http.MethodPut:
		return "s3:CreateBucket"
	case http.MethodDelete:
		return "s3:DeleteBucket"
	}
	return "s3:ListBucket" // listing objects, HeadBucket
}

// s3Writer passes a response through, noting its status and error body, and
// sends user metadata headers in lower case as S3 does (botocore keeps the
// case of x-amz-meta- names, and `aws cloudtrail validate-logs` looks for
// "signature").
type s3Writer struct {
	http.ResponseWriter
	status  int
	written int
	errBody bytes.Buffer
}

func (w *s3Writer) WriteHeader(code int) {
	if w.status != 0 {
		return
	}
	w.status = code
	h := w.Header()
	for k, v := range h {
		if strings.HasPrefix(k, "X-Amz-Meta-") {
			delete(h, k)
			h[strings.ToLower(k)] = v
		}
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *s3Writer) Write(p []byte) (int, error) {
	if w.status == 0 {
		w.WriteHeader(http.StatusOK)
	}
	if w.status >= 400 && w.errBody.Len() < 4096 {
		w.errBody.Write(p[:min(len(p), 4096-w.errBody.Len())])
	}
	n, err := w.ResponseWriter.Write(p)
	w.written += n
	return n, err
}

// s3Error is the S3 REST error document.
type s3Error struct {
	XMLName   xml.Name `xml:"Error"`
	Code      string   `xml:"Code"`
	Message   string   `xml:"Message"`
	Resource  string   `xml:"Resource,omitempty"`
	RequestID string   `xml:"RequestId"`
}

// Error implements error.
func (e s3Error) Error() string { return e.Code + ": " + e.Message }

func writeS3Error(w http.ResponseWriter, status int, e s3Error) {
	out, _ := xml.Marshal(e) // strings only: cannot fail
	w.Header().Set("Content-Type", "application/xml")
	w.WriteHeader(status)
	w.Write([]byte(xml.Header))
	w.Write(out)
}

func (s3 *s3Service) serve(w http.ResponseWriter, req *Request) {
	if bucket := s3HostBucket(req.HTTP.Host); bucket != "" {
		// Virtual-hosted style: from here on the request is path-style.
		r := req.HTTP.Clone(req.HTTP.Context())
		r.URL.Path = "/" + bucket + r.URL.Path
		if r.URL.RawPath != "" {
			r.URL.RawPath = "/" + bucket + r.URL.RawPath
		}
		hosted := *req
		hosted.HTTP = r
		req = &hosted
	}
	r := req.HTTP
	path := strings.TrimPrefix(r.URL.Path, "/")
	bucket, key, _ := strings.Cut(path, "/")
	query := r.URL.Query()
	op := classifyS3(r.Method, bucket, key, query)
	sw := &s3Writer{ResponseWriter: w}

	if action := s3Action(r.Method, bucket, key, query); req.Caller.denies(action) {
		resource := "arn:aws:s3:::" + bucket
		if key != "" {
			resource += "/" + key
		}
		writeS3Error(sw, http.StatusForbidden, s3Error{Code: "AccessDenied",
			Message: req.Caller.deniedMessage(action, resource), RequestID: req.RequestID})
	} else {
		s3.dispatch(sw, req, bucket, key, query)
	}

	if op.name == "" { // data events are not recorded
		return
	}
	call := Call{
		Request:           req,
		EventSource:       s3EventSource,
		EventName:         op.name,
		ReadOnly:          op.readOnly,
		RequestParameters: s3Params(op.name, bucket, r.Host, req.Body),
	}
	if bucket != "" {
		call.Resources = []Resource{{ARN: "arn:aws:s3:::" + bucket, AccountID: req.Caller.AccountID, Type: "AWS::S3::Bucket"}}
	}
	call.AdditionalEventData = s3EventData(r, len(req.Body), sw)
	if sw.status >= 400 {
		call.ErrorCode, call.ErrorMessage = s3Failure(sw.status, sw.errBody.Bytes())
	}
	s3.record(call)
}

// s3HostBucket returns the bucket a virtual-hosted-style host names
// (BUCKET.localhost[:port]), or "".
func s3HostBucket(host string) string {
	if h, _, err := net.SplitHostPort(host); err == nil {
		host = h
	}
	bucket, ok := strings.CutSuffix(host, ".localhost")
	if !ok || bucket == "" || strings.ContainsAny(bucket, "/?#") {
		return ""
	}
	return bucket
}

// s3EventData is the additionalEventData CloudTrail writes for S3 calls.
func s3EventData(r *http.Request, in int, w *s3Writer) map[string]any {
	sigVersion, method := "SigV4", "AuthHeader"
	if strings.HasPrefix(r.Header.Get("Authorization"), "AWS ") {
		sigVersion = "SigV2"
	} else if r.URL.Query().Has("X-Amz-Credential") {
		method = "QueryString"
	}
	return map[string]any{
		"SignatureVersion":     sigVersion,
		"AuthenticationMethod": method,
		"bytesTransferredIn":   in,
		"bytesTransferredOut":  w.written,
		"x-amz-id-2":           w.Header().Get("x-amz-id-2"),
	}
}

// s3Messages fills in the messages gofakes3 leaves empty.
var s3Messages = map[string]string{
	"BucketAlreadyExists": "The requested bucket name is not available. The bucket namespace is shared by all users of the system. Please select a different name and try again.",
	"BucketNotEmpty":      "The bucket you tried to delete is not empty",
	"NoSuchKey":           "The specified key does not exist.",
}

// s3Failure returns the error code and message of a failed answer: from its
// error document, or from its status when it has none (HEAD answers).
func s3Failure(status int, body []byte) (code, msg string) {
	var e s3Error
	if xml.Unmarshal(body, &e) != nil || e.Code == "" {
		return strings.ReplaceAll(http.StatusText(status), " ", ""), http.StatusText(status)
	}
	if e.Message == "" {
		e.Message = s3Messages[e.Code]
	}
	if e.Message == "" {
		e.Message = http.StatusText(status)
	}
	return e.Code, e.Message
}

// dispatch answers the request: bucket policies and unsupported
// subresources here, everything else through gofakes3.
func (s3 *s3Service) dispatch(w http.ResponseWriter, req *Request, bucket, key string, query url.Values) {
	for _, sub := range s3Unsupported {
		if query.Has(sub) {
			writeS3Error(w, http.StatusNotImplemented, s3Error{Code: "NotImplemented",
				Message: "The emulator does not implement the ?" + sub + " subresource", RequestID: req.RequestID})
			return
		}
	}
	if bucket != "" && key == "" && query.Has("policy") {
		s3.servePolicy(w, req, bucket)
		return
	}
	r, err := s3Forward(req)
	if err != nil {
		var e s3Error
		if !errors.As(err, &e) {
			e = s3Error{Code: "InvalidRequest", Message: err.Error()}
		}
		e.RequestID = req.RequestID
		writeS3Error(w, http.StatusBadRequest, e)
		return
	}
	s3.handler.ServeHTTP(w, r)
	if r.Method == http.MethodDelete && key == "" && len(query) == 0 && !s3.BucketExists(bucket) {
		s3.setPolicy(bucket, "")
	}
}

// s3Forward returns the request as gofakes3 should see it: the body that was
// already read, aws-chunked payloads decoded, and a Content-Length that
// matches.
func s3Forward(req *Request) (*http.Request, error) {
	r := req.HTTP.Clone(req.HTTP.Context())
	body := req.Body
	if isAWSChunked(r.Header) {
		data, trailers, err := decodeAWSChunked(body)
		if err != nil {
			return nil, s3Error{Code: "IncompleteBody", Message: err.Error()}
		}
		if want := r.Header.Get("X-Amz-Decoded-Content-Length"); want != "" && want != strconv.Itoa(len(data)) {
			return nil, s3Error{Code: "IncompleteBody", Message: fmt.Sprintf("decoded %d bytes, x-amz-decoded-content-length says %s", len(data), want)}
		}
		if err := checkChecksums(data, trailers); err != nil {
			return nil, err
		}
		body = data
		r.Header.Del("X-Amz-Decoded-Content-Length")
		r.Header.Del("X-Amz-Trailer")
		r.Header.Set("X-Amz-Content-Sha256", "UNSIGNED-PAYLOAD")
		var enc []string
		for e := range strings.SplitSeq(r.Header.Get("Content-Encoding"), ",") {
			if e = strings.TrimSpace(e); e != "" && e != "aws-chunked" {
				enc = append(enc, e)
			}
		}
		if len(enc) == 0 {
			r.Header.Del("Content-Encoding")
		} else {
			r.Header.Set("Content-Encoding", strings.Join(enc, ","))
		}
	}
	if r.Method == http.MethodPut && strings.Contains(strings.TrimPrefix(r.URL.Path, "/"), "/") && r.Header.Get("X-Amz-Copy-Source") == "" {
		if err := checkChecksums(body, r.Header); err != nil {
			return nil, err
		}
	}
	r.Body = io.NopCloser(bytes.NewReader(body))
	r.ContentLength = int64(len(body))
	r.TransferEncoding = nil
	if r.Method == http.MethodPut || r.Method == http.MethodPost || len(body) > 0 {
		r.Header.Set("Content-Length", strconv.Itoa(len(body)))
	}
	return r, nil
}

// isAWSChunked reports whether a request body uses the aws-chunked encoding
// (signed chunks, or unsigned chunks with checksum trailers).
func isAWSChunked(h http.Header) bool {
	if strings.HasPrefix(h.Get("X-Amz-Content-Sha256"), "STREAMING-") {
		return true
	}
	for e := range strings.SplitSeq(h.Get("Content-Encoding"), ",") {
		if strings.TrimSpace(e) == "aws-chunked" {
			return true
		}
	}
	return false
}

// decodeAWSChunked decodes an aws-chunked body:
//
//	hex-size[;chunk-signature=sig]\r\n data \r\n ... 0[;...]\r\n [trailer:value\r\n]... \r\n
func decodeAWSChunked(b []byte) (data []byte, trailers http.Header, err error) {
	data = make([]byte, 0, len(b))
	for {
		line, rest, ok := bytes.Cut(b, []byte("\r\n"))
		if !ok {
			return nil, nil, errors.New("aws-chunked body: chunk header not terminated")
		}
		sizeHex, _, _ := bytes.Cut(line, []byte(";"))
		size, err := strconv.ParseUint(string(bytes.TrimSpace(sizeHex)), 16, 62)
		if err != nil {
			return nil, nil, fmt.Errorf("aws-chunked body: chunk size: %w", err)
		}
		if size == 0 {
			b = rest
			break
		}
		if size > uint64(len(rest)) || !bytes.HasPrefix(rest[size:], []byte("\r\n")) {
			return nil, nil, errors.New("aws-chunked body: truncated chunk")
		}
		data = append(data, rest[:size]...)
		b = rest[size+2:]
	}
	trailers = http.Header{}
	for len(b) > 0 {
		line, rest, _ := bytes.Cut(b, []byte("\r\n"))
		if len(line) == 0 {
			break
		}
		name, value, ok := bytes.Cut(line, []byte(":"))
		if !ok {
			return nil, nil, fmt.Errorf("aws-chunked body: malformed trailer %q", ec2Clip(string(line), 64))
		}
		trailers.Add(string(bytes.TrimSpace(name)), string(bytes.TrimSpace(value)))
		b = rest
	}
	return data, trailers, nil
}

// checkChecksums verifies the checksum headers or trailers it knows against
// the object data of a PutObject or UploadPart.
func checkChecksums(data []byte, h http.Header) error {
	algos := map[string]func() hash.Hash{
		"X-Amz-Checksum-Crc32":  func() hash.Hash { return crc32.NewIEEE() },
		"X-Amz-Checksum-Crc32c": func() hash.Hash { return crc32.New(crc32.MakeTable(crc32.Castagnoli)) },
		"X-Amz-Checksum-Sha1":   sha1.New,
		"X-Amz-Checksum-Sha256": sha256.New,
	}
	for name, newHash := range algos {
		want := h.Get(name)
		if want == "" {
			continue
		}
		h := newHash()
		h.Write(data)
		if got := base64.StdEncoding.EncodeToString(h.Sum(nil)); got != want {
			return s3Error{Code: "BadDigest", Message: fmt.Sprintf("The %s you specified did not match the calculated checksum.", strings.ToLower(name))}
		}
	}
	return nil
}

// servePolicy answers GET, PUT and DELETE ?policy on a bucket.
func (s3 *s3Service) servePolicy(w http.ResponseWriter, req *Request, bucket string) {
	fail := func(status int, code, msg string) {
		writeS3Error(w, status, s3Error{Code: code, Message: msg, Resource: bucket, RequestID: req.RequestID})
	}
	if !s3.BucketExists(bucket) {
		fail(http.StatusNotFound, "NoSuchBucket", "The specified bucket does not exist")
		return
	}
	switch req.HTTP.Method {
	case http.MethodGet:
		s3.mu.Lock()
		policy, ok := s3.policies[bucket]
		s3.mu.Unlock()
		if !ok {
			fail(http.StatusNotFound, "NoSuchBucketPolicy", "The bucket policy does not exist")
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusOK)
		io.WriteString(w, policy)
	case http.MethodPut:
		body := bytes.TrimSpace(req.Body)
		var doc map[string]any
		if len(body) > s3MaxPolicy {
			fail(http.StatusBadRequest, "PolicyTooLarge", "Policy exceeds the maximum allowed document size.")
			return
		}
		if len(body) == 0 || body[0] != '{' || json.Unmarshal(body, &doc) != nil || doc["Statement"] == nil {
			fail(http.StatusBadRequest, "MalformedPolicy", "Policies must be valid JSON and the first byte must be '{'")
			return
		}
		if err := s3.setPolicy(bucket, string(body)); err != nil {
			fail(http.StatusInternalServerError, "InternalError", err.Error())
			return
		}
		w.WriteHeader(http.StatusNoContent)
	case http.MethodDelete:
		if err := s3.setPolicy(bucket, ""); err != nil {
			fail(http.StatusInternalServerError, "InternalError", err.Error())
			return
		}
		w.WriteHeader(http.StatusNoContent)
	default:
		fail(http.StatusMethodNotAllowed, "MethodNotAllowed", "The specified method is not allowed against this resource.")
	}
}

// setPolicy stores (or, with "", removes) a bucket's policy and persists the
// policies when there is a data directory.
func (s3 *s3Service) setPolicy(bucket, policy string) error {
	s3.mu.Lock()
	defer s3.mu.Unlock()
	if _, ok := s3.policies[bucket]; !ok && policy == "" {
		return nil
	}
	if policy == "" {
		delete(s3.policies, bucket)
	} else {
		s3.policies[bucket] = policy
	}
	if s3.policyFile == "" {
		return nil
	}
	raw, err := json.Marshal(s3.policies)
	if err != nil {
		return fmt.Errorf("save bucket policies: %w", err)
	}
	tmp := s3.policyFile + ".tmp"
	if err := os.WriteFile(tmp, raw, 0o600); err != nil {
		return fmt.Errorf("save bucket policies: %w", err)
	}
	if err := os.Rename(tmp, s3.policyFile); err != nil {
		return fmt.Errorf("save bucket policies: %w", err)
	}
	return nil
}

// s3Params is the requestParameters CloudTrail writes for an S3
// management call.
func s3Params(name, bucket, host string, body []byte) map[string]any {
	params := map[string]any{"Host": host}
	if bucket != "" {
		params["bucketName"] = bucket
	}
	switch name {
	case "PutBucketPolicy", "GetBucketPolicy", "DeleteBucketPolicy":
		params["policy"] = []string{""}
		if name == "PutBucketPolicy" {
			var doc any
			if json.Unmarshal(body, &doc) == nil {
				params["bucketPolicy"] = doc
			}
		}
	case "GetBucketLocation":
		params["location"] = []string{""}
	case "GetBucketVersioning", "PutBucketVersioning":
		params["versioning"] = []string{""}
	case "CreateBucket":
		var conf struct {
			LocationConstraint string `xml:"LocationConstraint"`
		}
		if len(body) > 0 && xml.Unmarshal(body, &conf) == nil && conf.LocationConstraint != "" {
			params["CreateBucketConfiguration"] = map[string]any{
				"LocationConstraint": conf.LocationConstraint,
				"xmlns":              "http://s3.amazonaws.com/doc/2006-03-01/",
			}
		}
	}
	return params
}
