package emulator

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/cloudtrail"
	cttypes "github.com/aws/aws-sdk-go-v2/service/cloudtrail/types"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

const testPolicy = `{"Version":"2012-10-17","Statement":[{"Sid":"AWSCloudTrailWrite","Effect":"Allow",` +
	`"Principal":{"Service":"cloudtrail.amazonaws.com"},"Action":"s3:PutObject","Resource":"arn:aws:s3:::trail-logs/AWSLogs/*"}]}`

func testS3(t *testing.T, dataDir string) (*s3.Client, *s3Service, *callLog) {
	t.Helper()
	log := &callLog{}
	svc, err := newS3(log.record, dataDir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { svc.close() })
	return s3Client(serveDirect(t, "s3", svc.serve)), svc, log
}

// s3Client is an S3 client that never retries.
func s3Client(endpoint string) *s3.Client {
	return s3.NewFromConfig(testConfig(endpoint, "AKIDTEST", "us-east-1"), pathStyle)
}

// names returns the event names of the recorded calls.
func (l *callLog) names() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []string
	for _, c := range l.calls {
		out = append(out, c.EventName)
	}
	return out
}

func TestS3ThroughSDK(t *testing.T) {
	ctx := context.Background()
	c, _, log := testS3(t, "")
	bucket := aws.String("trail-logs")
	if _, err := c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: bucket}); err != nil {
		t.Fatalf("CreateBucket: %v", err)
	}
	if _, err := c.PutBucketPolicy(ctx, &s3.PutBucketPolicyInput{Bucket: bucket, Policy: aws.String(testPolicy)}); err != nil {
		t.Fatalf("PutBucketPolicy: %v", err)
	}
	pol, err := c.GetBucketPolicy(ctx, &s3.GetBucketPolicyInput{Bucket: bucket})
	if err != nil || aws.ToString(pol.Policy) != testPolicy {
		t.Fatalf("GetBucketPolicy: %v %q", err, aws.ToString(pol.Policy))
	}

	body := strings.Repeat("CloudTrail log line\n", 5000)
	if _, err := c.PutObject(ctx, &s3.PutObjectInput{
		Bucket:   bucket,
		Key:      aws.String("AWSLogs/123456789012/CloudTrail/us-east-1/2026/01/02/file.json.gz"),
		Body:     strings.NewReader(body),
		Metadata: map[string]string{"owner": "alice"},
	}); err != nil {
		t.Fatalf("PutObject: %v", err)
	}
	get, err := c.GetObject(ctx, &s3.GetObjectInput{Bucket: bucket, Key: aws.String("AWSLogs/123456789012/CloudTrail/us-east-1/2026/01/02/file.json.gz")})
	if err != nil {
		t.Fatalf("GetObject: %v", err)
	}
	got, _ := io.ReadAll(get.Body)
	get.Body.Close()
	if string(got) != body || get.Metadata["owner"] != "alice" {
		t.Errorf("GetObject: %d bytes (want %d), metadata %v", len(got), len(body), get.Metadata)
	}
	list, err := c.ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: bucket, Prefix: aws.String("AWSLogs/123456789012/CloudTrail/")})
	if err != nil || len(list.Contents) != 1 {
		t.Fatalf("ListObjectsV2: %v, %d objects", err, len(list.Contents))
	}

	_, err = c.DeleteBucket(ctx, &s3.DeleteBucketInput{Bucket: bucket})
	if apiCode(err) != "BucketNotEmpty" {
		t.Errorf("deleting a full bucket: %v", err)
	}
	if call, _ := log.last(t); call.EventName != "DeleteBucket" || call.ErrorCode != "BucketNotEmpty" || call.ErrorMessage == "" {
		t.Errorf("failed DeleteBucket recorded as %q %q %q", call.EventName, call.ErrorCode, call.ErrorMessage)
	}
	_, err = c.GetBucketPolicy(ctx, &s3.GetBucketPolicyInput{Bucket: aws.String("missing-bucket")})
	if apiCode(err) != "NoSuchBucket" {
		t.Errorf("policy of a missing bucket: %v", err)
	}
	if _, err := c.DeleteBucketPolicy(ctx, &s3.DeleteBucketPolicyInput{Bucket: bucket}); err != nil {
		t.Fatalf("DeleteBucketPolicy: %v", err)
	}
	_, err = c.GetBucketPolicy(ctx, &s3.GetBucketPolicyInput{Bucket: bucket})
	if apiCode(err) != "NoSuchBucketPolicy" {
		t.Errorf("deleted policy: %v", err)
	}
	_, err = c.PutBucketPolicy(ctx, &s3.PutBucketPolicyInput{Bucket: bucket, Policy: aws.String("not json")})
	if apiCode(err) != "MalformedPolicy" {
		t.Errorf("malformed policy: %v", err)
	}
	_, err = c.PutObject(ctx, &s3.PutObjectInput{Bucket: bucket, Key: aws.String("k"), Body: strings.NewReader("data"), ChecksumCRC32: aws.String(crc32Base64([]byte("other")))})
	if apiCode(err) != "BadDigest" {
		t.Errorf("PutObject with a wrong checksum: %v", err)
	}
	buckets, err := c.ListBuckets(ctx, &s3.ListBucketsInput{})
	if err != nil || len(buckets.Buckets) != 1 {
		t.Fatalf("ListBuckets: %v %+v", err, buckets)
	}

	want := "CreateBucket PutBucketPolicy GetBucketPolicy DeleteBucket GetBucketPolicy DeleteBucketPolicy GetBucketPolicy PutBucketPolicy ListBuckets"
	if got := strings.Join(log.names(), " "); got != want {
		t.Errorf("recorded %s\nwant     %s", got, want)
	}
	put := log.calls[1]
	params := put.RequestParameters.(map[string]any)
	if params["bucketName"] != "trail-logs" || params["bucketPolicy"].(map[string]any)["Version"] != "2012-10-17" {
		t.Errorf("PutBucketPolicy requestParameters %v", params)
	}
	if len(put.Resources) != 1 || put.Resources[0].ARN != "arn:aws:s3:::trail-logs" || put.ReadOnly {
		t.Errorf("PutBucketPolicy resources %+v readOnly %v", put.Resources, put.ReadOnly)
	}
	if extra, ok := put.AdditionalEventData.(map[string]any); !ok || extra["SignatureVersion"] != "SigV4" || extra["bytesTransferredIn"] != len(testPolicy) {
		t.Errorf("PutBucketPolicy additionalEventData %v", put.AdditionalEventData)
	}
	if out := log.calls[2].AdditionalEventData.(map[string]any)["bytesTransferredOut"]; out != len(testPolicy) {
		t.Errorf("GetBucketPolicy bytesTransferredOut %v", out)
	}
	if !log.calls[2].ReadOnly {
		t.Error("GetBucketPolicy not recorded read-only")
	}
}

func TestS3CreateBucketErrors(t *testing.T) {
	ctx := context.Background()
	c, _, log := testS3(t, "")
	if _, err := c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("Bad_Name")}); apiCode(err) != "InvalidBucketName" {
		t.Errorf("invalid name: %v", err)
	}
	if _, err := c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("twice")}); err != nil {
		t.Fatal(err)
	}
	_, err := c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("twice")})
	if code := apiCode(err); code != "BucketAlreadyExists" {
		t.Errorf("second create: %v", err)
	}
	if call, _ := log.last(t); call.ErrorCode != "BucketAlreadyExists" {
		t.Errorf("recorded %+v", call)
	}
}

func TestS3ObjectStore(t *testing.T) {
	_, svc, log := testS3(t, "")
	if svc.BucketExists("logs") {
		t.Fatal("bucket exists before it was created")
	}
	if err := svc.PutObject("logs", "k", nil, []byte("x")); err == nil {
		t.Error("PutObject into a missing bucket succeeded")
	}
	if err := svc.backend.CreateBucket("logs"); err != nil {
		t.Fatal(err)
	}
	if !svc.BucketExists("logs") {
		t.Fatal("bucket missing after create")
	}
	key := "AWSLogs/123456789012/CloudTrail-Digest/us-east-1/2026/01/02/digest.json.gz"
	if err := svc.PutObject("logs", key, map[string]string{"signature": "abcd", "signature-algorithm": "SHA256withRSA"}, []byte("digest")); err != nil {
		t.Fatal(err)
	}
	w := httptest.NewRecorder()
	svc.serve(w, &Request{HTTP: httptest.NewRequest(http.MethodGet, "/logs/"+key, nil), Service: "s3", Region: "us-east-1", RequestID: "r"})
	if w.Code != http.StatusOK || w.Body.String() != "digest" {
		t.Fatalf("GET: %d %q", w.Code, w.Body.String())
	}
	// On the wire the names must be lower case: botocore keeps their case.
	if got := w.Header()["x-amz-meta-signature"]; len(got) != 1 || got[0] != "abcd" {
		t.Errorf("headers %v, want x-amz-meta-signature: abcd", w.Header())
	}
	if got := w.Header()["x-amz-meta-signature-algorithm"]; len(got) != 1 || got[0] != "SHA256withRSA" {
		t.Errorf("headers %v", w.Header())
	}
	if n := len(log.names()); n != 0 {
		t.Errorf("object calls recorded as management events: %v", log.names())
	}
}

// chunked encodes data as aws-chunked with chunks of size n, signed or with
// a CRC32 trailer.
func chunked(data []byte, n int, signed bool, crc string) []byte {
	var b bytes.Buffer
	sig := ""
	if signed {
		sig = ";chunk-signature=" + strings.Repeat("0", 64)
	}
	for len(data) > 0 {
		part := data[:min(n, len(data))]
		data = data[len(part):]
		fmt.Fprintf(&b, "%x%s\r\n%s\r\n", len(part), sig, part)
	}
	fmt.Fprintf(&b, "0%s\r\n", sig)
	if crc != "" {
		fmt.Fprintf(&b, "x-amz-checksum-crc32:%s\r\n", crc)
	}
	b.WriteString("\r\n")
	return b.Bytes()
}

func crc32Base64(data []byte) string {
	return base64.StdEncoding.EncodeToString(binary.BigEndian.AppendUint32(nil, crc32.ChecksumIEEE(data)))
}

func TestS3AWSChunkedPut(t *testing.T) {
	_, svc, _ := testS3(t, "")
	if err := svc.backend.CreateBucket("b"); err != nil {
		t.Fatal(err)
	}
	data := bytes.Repeat([]byte("0123456789"), 10000)
	tests := []struct {
		name       string
		body       []byte
		sha256     string
		decodedLen int
		wantStatus int
		wantCode   string
	}{
		{"signed", chunked(data, 65536, true, ""), "STREAMING-AWS4-HMAC-SHA256-PAYLOAD", len(data), 200, ""},
		{"unsigned trailer", chunked(data, 8192, false, crc32Base64(data)), "STREAMING-UNSIGNED-PAYLOAD-TRAILER", len(data), 200, ""},
		{"bad checksum", chunked(data, 8192, false, crc32Base64([]byte("other"))), "STREAMING-UNSIGNED-PAYLOAD-TRAILER", len(data), 400, "BadDigest"},
		{"wrong length", chunked(data, 8192, false, ""), "STREAMING-UNSIGNED-PAYLOAD-TRAILER", len(data) + 1, 400, "IncompleteBody"},
		{"truncated", chunked(data, 8192, false, "")[:9000], "STREAMING-UNSIGNED-PAYLOAD-TRAILER", len(data), 400, "IncompleteBody"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := httptest.NewRequest(http.MethodPut, "/b/"+strings.ReplaceAll(tt.name, " ", "-"), bytes.NewReader(tt.body))
			r.Header.Set("Content-Encoding", "aws-chunked")
			r.Header.Set("X-Amz-Content-Sha256", tt.sha256)
			r.Header.Set("X-Amz-Decoded-Content-Length", strconv.Itoa(tt.decodedLen))
			r.Header.Set("X-Amz-Trailer", "x-amz-checksum-crc32")
			r.Header.Set("Content-Length", strconv.Itoa(len(tt.body)))
			w := httptest.NewRecorder()
			svc.serve(w, &Request{HTTP: r, Service: "s3", Region: "us-east-1", Body: tt.body, RequestID: "r"})
			if w.Code != tt.wantStatus || (tt.wantCode != "" && !strings.Contains(w.Body.String(), "<Code>"+tt.wantCode+"</Code>")) {
				t.Fatalf("status %d %s, want %d %s", w.Code, w.Body.String(), tt.wantStatus, tt.wantCode)
			}
			if tt.wantStatus != 200 {
				return
			}
			obj, err := svc.backend.GetObject("b", strings.ReplaceAll(tt.name, " ", "-"), nil)
			if err != nil {
				t.Fatal(err)
			}
			defer obj.Contents.Close()
			got, _ := io.ReadAll(obj.Contents)
			if !bytes.Equal(got, data) {
				t.Errorf("stored %d bytes, want the %d decoded", len(got), len(data))
			}
			if enc := obj.Metadata["Content-Encoding"]; enc != "" {
				t.Errorf("stored Content-Encoding %q", enc)
			}
		})
	}
}

func TestDecodeAWSChunked(t *testing.T) {
	tests := []struct {
		in, want string
		trailer  string
		ok       bool
	}{
		{"0\r\n\r\n", "", "", true},
		{"3\r\nabc\r\n0\r\n\r\n", "abc", "", true},
		{"3;chunk-signature=ff\r\nabc\r\n2;chunk-signature=ff\r\nde\r\n0;chunk-signature=ff\r\n\r\n", "abcde", "", true},
		{"3\r\nabc\r\n0\r\nx-amz-checksum-crc32:AAAA\r\n\r\n", "abc", "AAAA", true},
		{"3\r\nabc\r\n0\r\nx-amz-checksum-crc32:AAAA", "abc", "AAAA", true},
		{"", "", "", false},
		{"zz\r\n", "", "", false},
		{"5\r\nabc\r\n0\r\n\r\n", "", "", false},
		{"3\r\nabcX\r\n0\r\n\r\n", "", "", false},
		{"3\r\nabc\r\n0\r\nno colon\r\n\r\n", "", "", false},
		{"ffffffffffffffff\r\nabc\r\n", "", "", false},
	}
	for _, tt := range tests {
		data, trailers, err := decodeAWSChunked([]byte(tt.in))
		if (err == nil) != tt.ok {
			t.Errorf("%q: error %v, want ok=%v", tt.in, err, tt.ok)
			continue
		}
		if tt.ok && (string(data) != tt.want || trailers.Get("X-Amz-Checksum-Crc32") != tt.trailer) {
			t.Errorf("%q: got %q %v", tt.in, data, trailers)
		}
	}
}

func FuzzDecodeAWSChunked(f *testing.F) {
	f.Add([]byte("3;chunk-signature=ff\r\nabc\r\n0;chunk-signature=ff\r\n\r\n"))
	f.Add([]byte("3\r\nabc\r\n0\r\nx-amz-checksum-crc32:AAAA\r\n\r\n"))
	f.Fuzz(func(t *testing.T, in []byte) {
		data, _, err := decodeAWSChunked(in)
		if err == nil && len(data) > len(in) {
			t.Fatalf("decoded %d bytes from %d", len(data), len(in))
		}
	})
}

func TestS3Persistence(t *testing.T) {
	dir := t.TempDir()
	log := &callLog{}
	svc, err := newS3(log.record, dir)
	if err != nil {
		t.Fatal(err)
	}
	c := s3Client(serveDirect(t, "s3", svc.serve))
	ctx := context.Background()
	if _, err := c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("kept")}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.PutBucketPolicy(ctx, &s3.PutBucketPolicyInput{Bucket: aws.String("kept"), Policy: aws.String(testPolicy)}); err != nil {
		t.Fatal(err)
	}
	if err := svc.PutObject("kept", "a/b.json.gz", map[string]string{"signature": "ff"}, []byte("payload")); err != nil {
		t.Fatal(err)
	}
	if err := svc.close(); err != nil {
		t.Fatal(err)
	}

	again, err := newS3(log.record, dir)
	if err != nil {
		t.Fatalf("reopen: %v", err)
	}
	defer again.close()
	c = s3Client(serveDirect(t, "s3", again.serve))
	if !again.BucketExists("kept") {
		t.Fatal("bucket lost across restart")
	}
	head, err := c.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String("kept"), Key: aws.String("a/b.json.gz")})
	if err != nil || head.Metadata["signature"] != "ff" || aws.ToInt64(head.ContentLength) != 7 {
		t.Fatalf("object after restart: %v %+v", err, head)
	}
	pol, err := c.GetBucketPolicy(ctx, &s3.GetBucketPolicyInput{Bucket: aws.String("kept")})
	if err != nil || aws.ToString(pol.Policy) != testPolicy {
		t.Errorf("policy after restart: %v", err)
	}
}

func TestS3UnsupportedSubresource(t *testing.T) {
	_, svc, log := testS3(t, "")
	if err := svc.backend.CreateBucket("b"); err != nil {
		t.Fatal(err)
	}
	w := httptest.NewRecorder()
	svc.serve(w, &Request{HTTP: httptest.NewRequest(http.MethodPut, "/b?acl", nil), Service: "s3", Region: "us-east-1", RequestID: "r"})
	if w.Code != http.StatusNotImplemented || !strings.Contains(w.Body.String(), "<Code>NotImplemented</Code>") {
		t.Errorf("PUT ?acl: %d %s", w.Code, w.Body.String())
	}
	if !svc.BucketExists("b") || len(log.names()) != 0 {
		t.Errorf("bucket %v, recorded %v", svc.BucketExists("b"), log.names())
	}
}

func TestS3ThroughServerAcrossRestart(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	s, endpoint := startServer(t, Config{DataDir: dir, Rate: -1})
	c := s3Client(endpoint)
	if _, err := c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("kept")}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("kept"), Key: aws.String("a.txt"), Body: strings.NewReader("kept across restarts")}); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}

	_, endpoint = startServer(t, Config{DataDir: dir, Rate: -1})
	get, err := s3Client(endpoint).GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("kept"), Key: aws.String("a.txt")})
	if err != nil {
		t.Fatalf("object after restart: %v", err)
	}
	defer get.Body.Close()
	if body, _ := io.ReadAll(get.Body); string(body) != "kept across restarts" {
		t.Errorf("body %q", body)
	}
	// The CreateBucket call before the restart is in the persisted history.
	out, err := ctClient(endpoint, KeyAlice, "us-east-1").LookupEvents(ctx, &cloudtrail.LookupEventsInput{
		LookupAttributes: []cttypes.LookupAttribute{{AttributeKey: cttypes.LookupAttributeKeyEventName, AttributeValue: aws.String("CreateBucket")}},
	})
	if err != nil || len(out.Events) != 1 || aws.ToString(out.Events[0].Resources[0].ResourceName) != "kept" {
		t.Errorf("CreateBucket event after restart: %v %+v", err, out)
	}
}

func FuzzS3Handler(f *testing.F) {
	f.Add("PUT", "/b", "", "")
	f.Add("PUT", "/b?policy", "", `{"Statement":[]}`)
	f.Add("PUT", "/b/k", "aws-chunked", "3\r\nabc\r\n0\r\n\r\n")
	f.Add("POST", "/b?delete", "", "<Delete><Object><Key>k</Key></Object></Delete>")
	f.Add("GET", "/b?list-type=2&prefix=a&continuation-token=%%%", "", "")
	f.Add("POST", "/b/k?uploads", "", "")
	svc, err := newS3(func(Call) {}, "")
	if err != nil {
		f.Fatal(err)
	}
	if err := svc.backend.CreateBucket("b"); err != nil {
		f.Fatal(err)
	}
	methods := []string{"GET", "PUT", "POST", "DELETE", "HEAD"}
	f.Fuzz(func(t *testing.T, method, target, encoding, body string) {
		if !slices.Contains(methods, method) {
			method = "GET"
		}
		u, err := url.ParseRequestURI(target)
		if err != nil || u.Host != "" || u.Scheme != "" {
			return
		}
		r := httptest.NewRequest(method, "http://localhost/", strings.NewReader(body))
		r.URL = u
		r.RequestURI = target
		r.Header.Set("Content-Encoding", encoding)
		if encoding != "" {
			r.Header.Set("X-Amz-Content-Sha256", "STREAMING-UNSIGNED-PAYLOAD-TRAILER")
		}
		w := httptest.NewRecorder()
		svc.serve(w, &Request{HTTP: r, Service: "s3", Region: "us-east-1", Body: []byte(body), RequestID: "r"})
		if w.Code == 0 {
			t.Fatal("no status")
		}
	})
}

func TestS3VirtualHostedStyle(t *testing.T) {
	ctx := context.Background()
	log := &callLog{}
	svc, err := newS3(log.record, "")
	if err != nil {
		t.Fatal(err)
	}
	endpoint := serveDirect(t, "s3", svc.serve)
	u, err := url.Parse(endpoint)
	if err != nil {
		t.Fatal(err)
	}
	// Every BUCKET.localhost name reaches the test server.
	var dialed []string
	dial := func(ctx context.Context, network, addr string) (net.Conn, error) {
		dialed = append(dialed, addr)
		return (&net.Dialer{}).DialContext(ctx, network, u.Host)
	}
	c := s3.NewFromConfig(aws.Config{
		Region:      "us-east-1",
		Credentials: credentials.NewStaticCredentialsProvider("AKIDTEST", "secret", ""),
		HTTPClient:  &http.Client{Transport: &http.Transport{DialContext: dial}},
	}, func(o *s3.Options) { o.BaseEndpoint = aws.String("http://localhost:" + u.Port()) })
	if _, err := c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("hosted")}); err != nil {
		t.Fatalf("CreateBucket: %v", err)
	}
	if _, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("hosted"), Key: aws.String("dir/a b.txt"), Body: strings.NewReader("virtual")}); err != nil {
		t.Fatalf("PutObject: %v", err)
	}
	if len(dialed) == 0 || !strings.HasPrefix(dialed[0], "hosted.localhost:") {
		t.Fatalf("the client dialed %v, not hosted.localhost", dialed)
	}
	obj, err := svc.backend.GetObject("hosted", "dir/a b.txt", nil)
	if err != nil {
		t.Fatalf("object not stored path-style: %v", err)
	}
	obj.Contents.Close()
	list, err := c.ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: aws.String("hosted")})
	if err != nil || len(list.Contents) != 1 || aws.ToString(list.Contents[0].Key) != "dir/a b.txt" {
		t.Fatalf("ListObjectsV2: %v %+v", err, list)
	}
	if call, _ := log.last(t); call.EventName != "CreateBucket" || call.Resources[0].ARN != "arn:aws:s3:::hosted" {
		t.Errorf("recorded %+v", call)
	}
	for host, want := range map[string]string{"b.localhost:80": "b", "b.localhost": "b", "localhost:4599": "", "127.0.0.1:4599": "", ".localhost": ""} {
		if got := s3HostBucket(host); got != want {
			t.Errorf("s3HostBucket(%q) = %q, want %q", host, got, want)
		}
	}
}
