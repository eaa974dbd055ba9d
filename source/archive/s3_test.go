package archive

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/johannesboyne/gofakes3"
	"github.com/johannesboyne/gofakes3/backend/s3mem"
)

// fakeS3 is a real S3 server (gofakes3 over HTTP) with a client that counts
// the requests it sends.
type fakeS3 struct {
	client *s3.Client
	url    string

	mu       sync.Mutex
	requests []string        // "LIST prefix" or "GET key"
	deny     map[string]bool // keys or list prefixes answered with AccessDenied
}

func newFakeS3(t testing.TB, bucket string) *fakeS3 {
	t.Helper()
	f := &fakeS3{deny: map[string]bool{}}
	s3h := gofakes3.New(s3mem.New()).Server()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if f.denied(r) {
			w.Header().Set("Content-Type", "application/xml")
			w.WriteHeader(http.StatusForbidden)
			fmt.Fprint(w, `<?xml version="1.0" encoding="UTF-8"?><Error><Code>AccessDenied</Code><Message>Access Denied</Message><RequestId>1</RequestId></Error>`)
			return
		}
		s3h.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	f.url = srv.URL
	f.client = s3.New(s3.Options{
		Region:                     "us-east-1",
		BaseEndpoint:               aws.String(srv.URL),
		UsePathStyle:               true,
		Credentials:                credentials.NewStaticCredentialsProvider("AKIDTEST", "secret", ""),
		RequestChecksumCalculation: aws.RequestChecksumCalculationWhenRequired,
		HTTPClient:                 &http.Client{Transport: countingTransport{f}},
	})
	if _, err := f.client.CreateBucket(context.Background(), &s3.CreateBucketInput{Bucket: aws.String(bucket)}); err != nil {
		t.Fatal(err)
	}
	f.reset()
	return f
}

// denied reports whether the request touches a key or prefix set in deny.
func (f *fakeS3) denied(r *http.Request) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	if r.URL.Query().Has("list-type") {
		return f.deny["LIST "+r.URL.Query().Get("prefix")]
	}
	_, key, _ := strings.Cut(strings.TrimPrefix(r.URL.Path, "/"), "/")
	return r.Method == http.MethodGet && f.deny["GET "+key]
}

type countingTransport struct{ f *fakeS3 }

func (c countingTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.Method == http.MethodGet {
		_, key, _ := strings.Cut(strings.TrimPrefix(r.URL.Path, "/"), "/")
		req := "GET " + key
		if r.URL.Query().Has("list-type") {
			req = "LIST " + r.URL.Query().Get("prefix")
		}
		c.f.mu.Lock()
		c.f.requests = append(c.f.requests, req)
		c.f.mu.Unlock()
	}
	return http.DefaultTransport.RoundTrip(r)
}

func (f *fakeS3) reset() {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.requests = nil
}

// counts returns how many list and get requests were sent since reset.
func (f *fakeS3) counts() (lists, gets int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, r := range f.requests {
		if strings.HasPrefix(r, "LIST ") {
			lists++
		} else {
			gets++
		}
	}
	return lists, gets
}

// gets returns the keys fetched since reset, in request order.
func (f *fakeS3) gets() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []string
	for _, r := range f.requests {
		if k, ok := strings.CutPrefix(r, "GET "); ok {
			out = append(out, k)
		}
	}
	return out
}

func (f *fakeS3) put(t testing.TB, bucket, key string, body []byte) {
	t.Helper()
	_, err := f.client.PutObject(context.Background(), &s3.PutObjectInput{Bucket: aws.String(bucket), Key: aws.String(key), Body: bytes.NewReader(body)})
	if err != nil {
		t.Fatalf("put %s: %v", key, err)
	}
}

// logFile is one delivery file placed in the fake bucket.
type logFile struct {
	base    string // [prefix/]AWSLogs/[o-id/]<account>/
	account string
	region  string
	at      time.Time // delivery time; its events are in the 5 minutes before
	events  int
}

// key returns the file's key in the CloudTrail layout.
func (l logFile) key() string {
	return fmt.Sprintf("%sCloudTrail/%s/%s/%s_CloudTrail_%s_%s_%016x.json.gz",
		l.base, l.region, l.at.Format("2006/01/02"), l.account, l.region, l.at.Format(s3KeyTimeLayout), l.at.Unix())
}

// body returns the gzipped {"Records":[...]} of the file.
func (l logFile) body(t testing.TB) []byte {
	t.Helper()
	var recs []map[string]any
	for i := range l.events {
		at := l.at.Add(-time.Duration(i+1) * 5 * time.Minute / time.Duration(l.events+1))
		recs = append(recs, map[string]any{
			"eventVersion":       "1.09",
			"userIdentity":       map[string]any{"type": "IAMUser", "userName": "alice", "accountId": l.account, "arn": "arn:aws:iam::" + l.account + ":user/alice"},
			"eventTime":          at.Format(time.RFC3339),
			"eventSource":        "ec2.amazonaws.com",
			"eventName":          "DescribeInstances",
			"awsRegion":          l.region,
			"eventID":            fmt.Sprintf("%s-%s-%d-%d", l.account, l.region, l.at.Unix(), i),
			"readOnly":           true,
			"eventType":          "AwsApiCall",
			"recipientAccountId": l.account,
		})
	}
	raw, err := json.Marshal(map[string]any{"Records": recs})
	if err != nil {
		t.Fatal(err)
	}
	return gzipBytes(t, raw)
}

func gzipBytes(t testing.TB, raw []byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	if _, err := zw.Write(raw); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// archiveEnd is the newest delivery time in the test archives.
var archiveEnd = time.Date(2026, 11, 20, 0, 0, 0, 0, time.UTC)

// putArchive fills bucket with files for each base/account and region, one
// every 30 minutes over days days before archiveEnd, and returns them.
func (f *fakeS3) putArchive(t testing.TB, bucket string, days int, bases map[string]string, regions []string) []logFile {
	t.Helper()
	var files []logFile
	for base, account := range bases {
		for _, region := range regions {
			for at := archiveEnd.AddDate(0, 0, -days).Add(30 * time.Minute); !at.After(archiveEnd); at = at.Add(30 * time.Minute) {
				lf := logFile{base: base, account: account, region: region, at: at, events: 3}
				f.put(t, bucket, lf.key(), lf.body(t))
				files = append(files, lf)
			}
		}
	}
	f.reset()
	return files
}

func TestParseS3URL(t *testing.T) {
	tests := []struct {
		in   string
		want S3Location
		bad  bool
	}{
		{in: "s3://trail", want: S3Location{Bucket: "trail"}},
		{in: "s3://trail/", want: S3Location{Bucket: "trail"}},
		{in: "s3://trail/logs/prod", want: S3Location{Bucket: "trail", Prefix: "logs/prod/"}},
		{in: "s3://trail/logs/AWSLogs/", want: S3Location{Bucket: "trail", Prefix: "logs/"}},
		{in: "s3://trail/AWSLogs/123456789012", want: S3Location{Bucket: "trail", Accounts: []string{"123456789012"}}},
		{in: "s3://trail/AWSLogs/o-abcdefghij/123456789012/CloudTrail/eu-west-1/",
			want: S3Location{Bucket: "trail", OrgID: "o-abcdefghij", Accounts: []string{"123456789012"}, Regions: []string{"eu-west-1"}}},
		{in: "s3://trail/AWSLogs/o-abcdefghij", want: S3Location{Bucket: "trail", OrgID: "o-abcdefghij"}},
		{in: "s3://trail/AWSLogs/alice", bad: true},
		{in: "s3://trail/AWSLogs/123456789012/CloudTrail-Digest", bad: true},
		{in: "s3://trail/AWSLogs/123456789012/CloudTrail/us-east-1/2026/11/19", bad: true},
		{in: "https://trail/logs", bad: true},
		{in: "s3:///logs", bad: true},
		{in: "s3://trail/logs?x=1", bad: true},
		{in: "::", bad: true},
	}
	for _, tt := range tests {
		got, err := ParseS3URL(tt.in)
		if tt.bad {
			if err == nil {
				t.Errorf("ParseS3URL(%q) = %+v, want an error", tt.in, got)
			}
			continue
		}
		if err != nil || got.Bucket != tt.want.Bucket || got.Prefix != tt.want.Prefix || got.OrgID != tt.want.OrgID ||
			!slices.Equal(got.Accounts, tt.want.Accounts) || !slices.Equal(got.Regions, tt.want.Regions) {
			t.Errorf("ParseS3URL(%q) = %+v, %v; want %+v", tt.in, got, err, tt.want)
		}
	}
}

func TestS3KeyTime(t *testing.T) {
	tests := []struct {
		name string
		want time.Time
		ok   bool
	}{
		{"123456789012_CloudTrail_us-east-1_20261119T2355Z_0123456789abcdef.json.gz", time.Date(2026, 11, 19, 23, 55, 0, 0, time.UTC), true},
		{"123456789012_CloudTrail-Insight_us-east-1_20261119T0005Z_abc.json.gz", time.Date(2026, 11, 19, 0, 5, 0, 0, time.UTC), true},
		{"notes.txt", time.Time{}, false},
		{"x_20261399T2355Z_y", time.Time{}, false},
	}
	for _, tt := range tests {
		got, ok := s3KeyTime(tt.name)
		if ok != tt.ok || !got.Equal(tt.want) {
			t.Errorf("s3KeyTime(%q) = %v, %v; want %v, %v", tt.name, got, ok, tt.want, tt.ok)
		}
	}
}

func TestS3SpanDays(t *testing.T) {
	sp := s3Span{start: time.Date(2026, 11, 18, 0, 10, 0, 0, time.UTC), end: time.Date(2026, 11, 19, 23, 50, 0, 0, time.UTC)}
	want := []string{"2026/11/20/", "2026/11/19/", "2026/11/18/", "2026/11/17/"}
	if got := sp.days(); !slices.Equal(got, want) {
		t.Errorf("days() = %v, want %v", got, want)
	}
	sp = s3Span{start: time.Date(2026, 11, 18, 9, 0, 0, 0, time.UTC), end: time.Date(2026, 11, 18, 10, 0, 0, 0, time.UTC)}
	if got := sp.days(); !slices.Equal(got, []string{"2026/11/18/"}) {
		t.Errorf("days() = %v, want one day", got)
	}
}

func TestS3Discover(t *testing.T) {
	f := newFakeS3(t, "trail")
	bases := map[string]string{
		"logs/AWSLogs/111111111111/":              "111111111111",
		"logs/AWSLogs/o-abcdefghij/222222222222/": "222222222222",
		"logs/AWSLogs/o-abcdefghij/333333333333/": "333333333333",
	}
	f.putArchive(t, "trail", 1, bases, []string{"us-east-1", "eu-west-1"})
	// Folders that are not log files must not be taken for regions or accounts.
	f.put(t, "trail", "logs/AWSLogs/111111111111/CloudTrail-Digest/us-east-1/2026/11/19/111111111111_CloudTrail-Digest_us-east-1_t_us-east-1_20261119T000000Z.json.gz", gzipBytes(t, []byte(`{}`)))
	f.put(t, "trail", "logs/AWSLogs/111111111111/CloudTrail-Insight/ap-south-1/2026/11/19/111111111111_CloudTrail-Insight_ap-south-1_20261119T0005Z_x.json.gz", gzipBytes(t, []byte(`{"Records":[]}`)))
	f.put(t, "trail", "logs/AWSLogs/README", []byte("hello"))
	f.put(t, "trail", "logs/AWSLogs/notes/x", []byte("hello"))

	folderNames := func(fs []logFolder) []string {
		var out []string
		for _, f := range fs {
			out = append(out, f.account+"/"+f.region)
		}
		slices.Sort(out)
		return out
	}
	tests := []struct {
		name     string
		loc      S3Location
		insights bool
		want     []string
	}{
		{"everything", S3Location{}, false, []string{"111111111111/eu-west-1", "111111111111/us-east-1", "222222222222/eu-west-1", "222222222222/us-east-1", "333333333333/eu-west-1", "333333333333/us-east-1"}},
		{"organization", S3Location{OrgID: "o-abcdefghij"}, false, []string{"222222222222/eu-west-1", "222222222222/us-east-1", "333333333333/eu-west-1", "333333333333/us-east-1"}},
		{"account in organization", S3Location{Accounts: []string{"333333333333"}, Regions: []string{"eu-west-1"}}, false, []string{"333333333333/eu-west-1"}},
		{"region", S3Location{Regions: []string{"us-east-1"}}, false, []string{"111111111111/us-east-1", "222222222222/us-east-1", "333333333333/us-east-1"}},
		{"insights", S3Location{}, true, []string{"111111111111/ap-south-1"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			loc := tt.loc
			loc.Bucket, loc.Prefix = "trail", "logs"
			r := &s3Scan{s: NewS3(f.client, loc, S3Options{})}
			if err := r.discover(context.Background(), tt.insights); err != nil {
				t.Fatal(err)
			}
			if names := folderNames(r.folders); !slices.Equal(names, tt.want) {
				t.Errorf("discover = %v, want %v", names, tt.want)
			}
		})
	}

	r := &s3Scan{s: NewS3(f.client, S3Location{Bucket: "trail", Prefix: "logs", Accounts: []string{"999999999999"}}, S3Options{})}
	err := r.discover(context.Background(), false)
	if err == nil || !strings.Contains(err.Error(), "999999999999") {
		t.Errorf("discover of a missing account = %v, want an error naming it", err)
	}
}
