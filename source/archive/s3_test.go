package archive

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/lazytrail/lazytrail/model"
	"github.com/lazytrail/lazytrail/source"
	"github.com/lazytrail/lazytrail/source/emulator"
	"github.com/lazytrail/lazytrail/source/emulator/emulatortest"
)

// testS3 is the emulator's S3 over HTTP, behind a handler that can refuse
// or hold requests, with a client that counts the requests it sends.
type testS3 struct {
	client *s3.Client

	mu       sync.Mutex
	requests []string        // "LIST prefix" or "GET key"
	deny     map[string]bool // "GET key" or "LIST prefix" answered with AccessDenied
	held     string          // a key whose GET waits for the client to give up
	arrived  chan struct{}   // closed when the held GET arrives
}

// hold makes the next GET of key wait until the client cancels it, and
// close arrived when it comes in.
func (f *testS3) hold(key string, arrived chan struct{}) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.held, f.arrived = key, arrived
}

// wait blocks a held GET until the client gives up on it.
func (f *testS3) wait(r *http.Request) {
	f.mu.Lock()
	_, key, _ := strings.Cut(strings.TrimPrefix(r.URL.Path, "/"), "/")
	if r.Method != http.MethodGet || f.held == "" || key != f.held {
		f.mu.Unlock()
		return
	}
	f.held = ""
	close(f.arrived)
	f.mu.Unlock()
	<-r.Context().Done()
}

func newTestS3(t testing.TB, bucket string) *testS3 {
	t.Helper()
	emu, err := emulator.New(emulator.Config{Rate: -1, Logf: t.Logf})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { emu.Close() })
	f := &testS3{deny: map[string]bool{}}
	h := emu.Handler()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		f.wait(r)
		if f.denied(r) {
			w.Header().Set("Content-Type", "application/xml")
			w.WriteHeader(http.StatusForbidden)
			fmt.Fprint(w, `<?xml version="1.0" encoding="UTF-8"?><Error><Code>AccessDenied</Code><Message>Access Denied</Message><RequestId>1</RequestId></Error>`)
			return
		}
		h.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	f.client = emulatortest.S3(srv.URL, emulator.KeyAlice, func(o *s3.Options) {
		o.HTTPClient = &http.Client{Transport: countingTransport{f}}
	})
	emulatortest.CreateBucket(t, f.client, bucket)
	f.reset()
	return f
}

// denied reports whether the request touches a key or prefix set in deny.
func (f *testS3) denied(r *http.Request) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	if r.URL.Query().Has("list-type") {
		return f.deny["LIST "+r.URL.Query().Get("prefix")]
	}
	_, key, _ := strings.Cut(strings.TrimPrefix(r.URL.Path, "/"), "/")
	return r.Method == http.MethodGet && f.deny["GET "+key]
}

type countingTransport struct{ f *testS3 }

// testTransport keeps enough idle connections for every request in flight.
var testTransport = func() *http.Transport {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.MaxIdleConnsPerHost = 64
	return t
}()

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
	return testTransport.RoundTrip(r)
}

func (f *testS3) reset() {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.requests = nil
}

// counts returns how many list and get requests were sent since reset.
func (f *testS3) counts() (lists, gets int) {
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
func (f *testS3) gets() []string {
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

func (f *testS3) put(t testing.TB, bucket, key string, body []byte) {
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

// eventTime returns the time of the file's i-th event.
func (l logFile) eventTime(i int) time.Time {
	return l.at.Add(-time.Duration(i+1) * 5 * time.Minute / time.Duration(l.events+1))
}

// key returns the file's key in the CloudTrail layout.
func (l logFile) key() string {
	return fmt.Sprintf("%sCloudTrail/%s/%s/%s_CloudTrail_%s_%s_%016x.json.gz",
		l.base, l.region, l.at.Format("2006/01/02"), l.account, l.region, l.at.Format("20060102T1504Z"), l.at.Unix())
}

// body returns the gzipped {"Records":[...]} of the file.
func (l logFile) body(t testing.TB) []byte {
	t.Helper()
	var recs []map[string]any
	for i := range l.events {
		at := l.eventTime(i)
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
func (f *testS3) putArchive(t testing.TB, bucket string, days int, bases map[string]string, regions []string) []logFile {
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

func TestS3Days(t *testing.T) {
	tests := []struct {
		start, end time.Time
		want       []string
	}{
		{time.Date(2026, 11, 18, 0, 10, 0, 0, time.UTC), time.Date(2026, 11, 19, 23, 50, 0, 0, time.UTC), []string{"2026/11/20/", "2026/11/19/", "2026/11/18/"}},
		{time.Date(2026, 11, 18, 0, 1, 0, 0, time.UTC), time.Date(2026, 11, 18, 1, 0, 0, 0, time.UTC), []string{"2026/11/18/", "2026/11/17/"}},
		{time.Date(2026, 11, 18, 9, 0, 0, 0, time.UTC), time.Date(2026, 11, 18, 10, 0, 0, 0, time.UTC), []string{"2026/11/18/"}},
	}
	for _, tt := range tests {
		if got := s3Days(source.Query{Start: tt.start, End: tt.end}); !slices.Equal(got, tt.want) {
			t.Errorf("s3Days(%v, %v) = %v, want %v", tt.start, tt.end, got, tt.want)
		}
	}
}

func TestS3Discover(t *testing.T) {
	f := newTestS3(t, "trail")
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

// readAll reads c to the end and returns its events and problems.
func readAll(t testing.TB, c source.Cursor) ([]model.Event, []source.Problem, source.Progress) {
	t.Helper()
	read := drain(t, c)
	return read.events, read.problems, read.last
}

// readS3 reads what s holds for q to the end and returns its events,
// problems and last progress.
func readS3(t testing.TB, s *S3, q source.Query) ([]model.Event, []source.Problem, source.Progress) {
	t.Helper()
	c, err := s.Open(context.Background(), q)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	return readAll(t, c)
}

// delivered returns the keys of files delivered within [start, end]
// (pruning's bounds) and the number of their events within [start, end].
func delivered(files []logFile, start, end time.Time) (keys []string, events int) {
	q := source.Query{Start: start, End: end}
	for _, f := range files {
		if !deliveredIn(f.at, q) {
			continue
		}
		keys = append(keys, f.key())
		for i := range f.events {
			if at := f.eventTime(i); !at.Before(start) && !at.After(end) {
				events++
			}
		}
	}
	return keys, events
}

func TestS3OpenReadsOnlyTheRangeNewestFirst(t *testing.T) {
	f := newTestS3(t, "trail")
	files := f.putArchive(t, "trail", 7, map[string]string{
		"AWSLogs/111111111111/":              "111111111111",
		"AWSLogs/o-abcdefghij/222222222222/": "222222222222",
	}, []string{"us-east-1", "eu-west-1"})
	start, end := archiveEnd.Add(-3*time.Hour), archiveEnd.Add(-2*time.Hour)
	src := NewS3(f.client, S3Location{Bucket: "trail"}, S3Options{})
	events, problems, progress := readS3(t, src, source.Query{Start: start, End: end})
	if len(problems) > 0 {
		t.Errorf("problems: %v", problems)
	}

	wantKeys, wantEvents := delivered(files, start, end)
	gotKeys := f.gets()
	slices.Sort(wantKeys)
	slices.Sort(gotKeys)
	if !slices.Equal(gotKeys, wantKeys) {
		t.Errorf("downloaded %d objects %v,\nwant the %d delivered in range %v", len(gotKeys), gotKeys, len(wantKeys), wantKeys)
	}
	lists, gets := f.counts()
	// AWSLogs/, the organization, two accounts' regions, then one day
	// folder for each of four account/region folders.
	if lists != 1+1+2+4 {
		t.Errorf("%d list requests, want 8", lists)
	}
	if progress.Requests != lists+gets {
		t.Errorf("progress reports %d requests, the server saw %d", progress.Requests, lists+gets)
	}
	if progress.UnitsDone != len(wantKeys) || progress.UnitsTotal != len(wantKeys) || progress.Events != len(events) || progress.Bytes <= 0 {
		t.Errorf("progress = %+v; want %d objects done of %d, %d events, some bytes", progress, len(wantKeys), len(wantKeys), len(events))
	}
	t.Logf("1 hour of a 7-day archive (%d objects): %d list and %d get requests", len(files), lists, gets)

	if len(events) != wantEvents {
		t.Errorf("read %d events, want %d", len(events), wantEvents)
	}
	var lastDelivery time.Time
	for i, e := range events {
		if e.Time.Before(start) || e.Time.After(end) {
			t.Errorf("event %s at %v is outside the range", e.ID, e.Time)
		}
		// Files come newest first: each event's file was delivered no
		// later than the previous event's.
		when, ok := timeFromName(e.Blob.Name())
		if !ok {
			t.Fatalf("event %s: blob %q has no delivery time", e.ID, e.Blob.Name())
		}
		if i > 0 && when.After(lastDelivery) {
			t.Errorf("event %d comes from a file delivered at %v, after the previous one's %v", i, when, lastDelivery)
		}
		lastDelivery = when
	}
	if len(events) > 0 {
		raw, err := events[0].Record()
		if err != nil || !bytes.Contains(raw, []byte(events[0].ID)) {
			t.Errorf("Record() = %.80s, %v; want the raw record", raw, err)
		}
	}
}

func TestS3OpenDefaultsToTheLastDay(t *testing.T) {
	f := newTestS3(t, "trail")
	files := f.putArchive(t, "trail", 3, map[string]string{"AWSLogs/111111111111/": "111111111111"}, []string{"us-east-1"})
	src := NewS3(f.client, S3Location{Bucket: "trail"}, S3Options{})
	src.now = func() time.Time { return archiveEnd }
	events, _, _ := readS3(t, src, source.Query{})
	wantKeys, wantEvents := delivered(files, archiveEnd.Add(-24*time.Hour), archiveEnd)
	if _, gets := f.counts(); gets != len(wantKeys) {
		t.Errorf("downloaded %d objects, want %d", gets, len(wantKeys))
	}
	if len(events) != wantEvents {
		t.Errorf("read %d events, want the %d of the last 24 hours", len(events), wantEvents)
	}
}

func TestS3CacheServesASecondOpen(t *testing.T) {
	f := newTestS3(t, "trail")
	f.putArchive(t, "trail", 1, map[string]string{"AWSLogs/111111111111/": "111111111111"}, []string{"us-east-1"})
	q := source.Query{Start: archiveEnd.Add(-6 * time.Hour), End: archiveEnd}
	opts := S3Options{CacheDir: t.TempDir()}
	read := func() (int, []string) {
		src := NewS3(f.client, S3Location{Bucket: "trail"}, opts)
		if err := src.CacheError(); err != nil {
			t.Fatal(err)
		}
		events, problems, _ := readS3(t, src, q)
		if len(problems) > 0 {
			t.Errorf("problems: %v", problems)
		}
		var ids []string
		for _, e := range events {
			ids = append(ids, e.ID)
		}
		_, gets := f.counts()
		f.reset()
		return gets, ids
	}
	firstGets, firstIDs := read()
	secondGets, secondIDs := read()
	if firstGets == 0 || secondGets != 0 {
		t.Errorf("downloads: %d on the first open, %d on the second; want some, then none", firstGets, secondGets)
	}
	if !slices.Equal(firstIDs, secondIDs) {
		t.Errorf("the cached open read %d events, the first %d", len(secondIDs), len(firstIDs))
	}

	// A changed object has a new ETag and is downloaded again.
	lf := logFile{base: "AWSLogs/111111111111/", account: "111111111111", region: "us-east-1", at: archiveEnd, events: 5}
	f.put(t, "trail", lf.key(), lf.body(t))
	f.reset()
	if gets, ids := read(); gets != 1 || len(ids) != len(firstIDs)+2 {
		t.Errorf("after a change: %d downloads and %d events, want 1 and %d", gets, len(ids), len(firstIDs)+2)
	}
}

func TestS3DamagedObjects(t *testing.T) {
	f := newTestS3(t, "trail")
	f.putArchive(t, "trail", 1, map[string]string{"AWSLogs/111111111111/": "111111111111"}, []string{"us-east-1"})
	dir := "AWSLogs/111111111111/CloudTrail/us-east-1/2026/11/19/"
	name := func(id string) string {
		return dir + "111111111111_CloudTrail_us-east-1_20261119T2300Z_" + id + ".json.gz"
	}
	good := logFile{account: "111111111111", region: "us-east-1", at: archiveEnd, events: 4}.body(t)
	damaged := map[string]struct {
		body []byte
		want string
	}{
		name("truncated"): {good[:len(good)/2], "truncated"},
		name("notgzip"):   {[]byte("this is not gzip at all"), "neither gzip nor JSON"},
		name("badjson"):   {gzipBytes(t, []byte(`{"Records":[{"eventName": "X", `)), ""},
		name("norecords"): {gzipBytes(t, []byte(`{"hello":"world"}`)), ""},
		name("empty"):     {nil, "empty"},
		name("denied"):    {good, "s3:GetObject"},
	}
	for key, d := range damaged {
		f.put(t, "trail", key, d.body)
	}
	f.deny["GET "+name("denied")] = true
	// Digests are recognized by name (never downloaded) or by content.
	digestKey := dir + "111111111111_CloudTrail-Digest_us-east-1_trail_us-east-1_20261119T230000Z.json.gz"
	f.put(t, "trail", digestKey, gzipBytes(t, []byte(`{"awsAccountId":"111111111111","digestStartTime":"x","logFiles":[]}`)))
	f.put(t, "trail", name("digestbody"), gzipBytes(t, []byte(`{"awsAccountId":"111111111111","digestStartTime":"2026-11-19T22:00:00Z","digestEndTime":"2026-11-19T23:00:00Z","logFiles":[]}`)))
	f.reset()

	src := NewS3(f.client, S3Location{Bucket: "trail"}, S3Options{})
	q := source.Query{Start: archiveEnd.Add(-2 * time.Hour), End: archiveEnd}
	events, problems, _ := readS3(t, src, q)
	byWhere := map[string]string{}
	for _, p := range problems {
		byWhere[p.Where] = p.Err.Error()
	}
	for key, d := range damaged {
		msg, ok := byWhere["s3://trail/"+key]
		if !ok {
			t.Errorf("no problem reported for %s (problems: %v)", key, problems)
			continue
		}
		if !strings.Contains(msg, d.want) {
			t.Errorf("problem for %s = %q, want it to say %q", key, msg, d.want)
		}
	}
	if len(problems) != len(damaged) {
		t.Errorf("%d problems, want %d: %v", len(problems), len(damaged), problems)
	}
	if slices.Contains(f.gets(), digestKey) {
		t.Error("the digest file was downloaded")
	}
	var ad *AccessDeniedError
	for _, p := range problems {
		if errors.As(p.Err, &ad) && ad.Resource != "arn:aws:s3:::trail/"+name("denied") {
			t.Errorf("access denied names %s", ad.Resource)
		}
	}
	if len(events) == 0 {
		t.Error("the good objects did not load")
	}
}

func TestS3AccessDeniedOnList(t *testing.T) {
	f := newTestS3(t, "trail")
	f.putArchive(t, "trail", 1, map[string]string{"AWSLogs/111111111111/": "111111111111"}, []string{"us-east-1"})
	f.deny["LIST logs/AWSLogs/"] = true
	_, err := NewS3(f.client, S3Location{Bucket: "trail", Prefix: "logs"}, S3Options{}).Open(context.Background(), source.Query{})
	var ad *AccessDeniedError
	if !errors.As(err, &ad) || ad.Action != "s3:ListBucket" || ad.Resource != "arn:aws:s3:::trail" {
		t.Fatalf("Open = %v, want an access denied error naming s3:ListBucket on the bucket", err)
	}
	if !strings.Contains(err.Error(), "s3:ListBucket") || !strings.Contains(err.Error(), "s3://trail/logs/AWSLogs/") {
		t.Errorf("error %q does not name the action and the place", err)
	}

	// A day folder that cannot be listed is a problem; the rest loads.
	g := newTestS3(t, "trail")
	g.putArchive(t, "trail", 1, map[string]string{"AWSLogs/111111111111/": "111111111111"}, []string{"us-east-1", "eu-west-1"})
	deniedDay := "AWSLogs/111111111111/CloudTrail/us-east-1/2026/11/19/"
	g.deny["LIST "+deniedDay] = true
	events, problems, _ := readS3(t, NewS3(g.client, S3Location{Bucket: "trail"}, S3Options{}), source.Query{Start: archiveEnd.Add(-6 * time.Hour), End: archiveEnd})
	if len(problems) != 1 || problems[0].Where != "s3://trail/"+deniedDay || !errors.As(problems[0].Err, &ad) || ad.Action != "s3:ListBucket" {
		t.Errorf("problems = %v, want one access denied naming s3:ListBucket for %s", problems, deniedDay)
	}
	if len(events) == 0 || slices.ContainsFunc(events, func(e model.Event) bool { return strings.Contains(e.Blob.Name(), deniedDay) }) {
		t.Errorf("read %d events; want those of eu-west-1 and none from the denied folder", len(events))
	}

	_, err = NewS3(f.client, S3Location{Bucket: "nosuchbucket"}, S3Options{}).Open(context.Background(), source.Query{})
	if err == nil || !strings.Contains(err.Error(), "nosuchbucket") {
		t.Errorf("Open of a missing bucket = %v", err)
	}
}

func TestS3CancelAndResume(t *testing.T) {
	f := newTestS3(t, "trail")
	files := f.putArchive(t, "trail", 1, map[string]string{"AWSLogs/111111111111/": "111111111111"}, []string{"us-east-1", "eu-west-1"})
	start, end := archiveEnd.Add(-12*time.Hour), archiveEnd
	held := make(chan struct{})
	f.hold(files[len(files)-5].key(), held)
	src := NewS3(f.client, S3Location{Bucket: "trail"}, S3Options{})
	c, err := src.Open(context.Background(), source.Query{Start: start, End: end})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()

	ctx, cancel := context.WithCancel(context.Background())
	var seen []model.Event
	done := make(chan error)
	go func() {
		for {
			page, err := c.Next(ctx)
			seen = append(seen, page.Events...)
			if err != nil {
				done <- err
				return
			}
		}
	}()
	<-held // a download is in flight
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Fatalf("Next after cancel = %v, want context.Canceled", err)
	}
	rest, problems, _ := readAll(t, c)
	if len(problems) > 0 {
		t.Errorf("problems: %v", problems)
	}
	ids := map[string]int{}
	for _, e := range append(seen, rest...) {
		ids[e.ID]++
	}
	_, want := delivered(files, start, end)
	if len(ids) != want {
		t.Errorf("read %d distinct events after resuming, want %d", len(ids), want)
	}
	for id, n := range ids {
		if n > 1 {
			t.Errorf("event %s read %d times", id, n)
		}
	}
}

func TestS3ReadAheadKeepsRequestsInFlight(t *testing.T) {
	f := newTestS3(t, "trail")
	files := f.putArchive(t, "trail", 1, map[string]string{"AWSLogs/111111111111/": "111111111111"}, []string{"us-east-1"})
	// The newest object's download hangs: the others must still be
	// requested, up to Concurrency beyond it and well past what the
	// pipeline's workers alone would fetch.
	held := make(chan struct{})
	f.hold(files[len(files)-1].key(), held)
	// With one worker, stuck on the newest object, only the read-ahead can
	// request the objects listed after it.
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(1))
	const concurrency = 30
	src := NewS3(f.client, S3Location{Bucket: "trail"}, S3Options{Concurrency: concurrency})
	c, err := src.Open(context.Background(), source.Query{Start: archiveEnd.Add(-24 * time.Hour), End: archiveEnd})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error)
	go func() {
		_, err := c.Next(ctx)
		done <- err
	}()
	<-held
	deadline := time.Now().Add(10 * time.Second)
	for {
		if _, gets := f.counts(); gets >= concurrency {
			break
		}
		if time.Now().After(deadline) {
			_, gets := f.counts()
			t.Fatalf("only %d downloads started while the newest one hangs, want %d", gets, concurrency)
		}
		time.Sleep(10 * time.Millisecond)
	}
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Errorf("Next = %v, want context.Canceled", err)
	}
}

func TestS3InsightsAreReadOnlyForInsightsQueries(t *testing.T) {
	f := newTestS3(t, "trail")
	f.putArchive(t, "trail", 1, map[string]string{"AWSLogs/111111111111/": "111111111111"}, []string{"us-east-1"})
	insightKey := "AWSLogs/111111111111/CloudTrail-Insight/us-east-1/2026/11/19/111111111111_CloudTrail-Insight_us-east-1_20261119T2300Z_abcdef0123456789.json.gz"
	f.put(t, "trail", insightKey, gzipBytes(t, []byte(`{"Records":[{"eventVersion":"1.08","eventTime":"2026-11-19T22:58:00Z",`+
		`"awsRegion":"us-east-1","eventID":"654a30ff-b0f3-4527-81b6-EXAMPLEf2393","eventType":"AwsCloudTrailInsight",`+
		`"recipientAccountId":"111111111111","sharedEventID":"bcbfc274-8559-4a56-beb0-EXAMPLEa6c34",`+
		`"insightDetails":{"state":"Start","eventSource":"ssm.amazonaws.com","eventName":"UpdateInstanceInformation",`+
		`"insightType":"ApiCallRateInsight","insightContext":{"statistics":{"baseline":{"average":84.4},"insight":{"average":669}}}},`+
		`"eventCategory":"Insight"}]}`)))
	f.reset()
	q := source.Query{Start: archiveEnd.Add(-2 * time.Hour), End: archiveEnd}
	for _, insights := range []bool{false, true} {
		q.Insights = insights
		events, problems, _ := readS3(t, NewS3(f.client, S3Location{Bucket: "trail"}, S3Options{}), q)
		if len(problems) > 0 {
			t.Errorf("insights=%v: problems %v", insights, problems)
		}
		gotInsight := slices.Contains(f.gets(), insightKey)
		if gotInsight != insights {
			t.Errorf("insights=%v: the Insights file downloaded = %v", insights, gotInsight)
		}
		if insights && (len(events) != 1 || !events[0].Insight) {
			t.Errorf("insights query read %d events, want the one Insights event", len(events))
		}
		if !insights && (len(events) == 0 || slices.ContainsFunc(events, func(e model.Event) bool { return e.Insight })) {
			t.Errorf("log query read %d events, some of them Insights", len(events))
		}
		f.reset()
	}
}

func FuzzParseS3URL(f *testing.F) {
	for _, s := range []string{"s3://trail", "s3://trail/logs/AWSLogs/o-abcdefghij/123456789012/CloudTrail/eu-west-1/", "s3://b/AWSLogs/x", "s3://b//a//"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		loc, err := ParseS3URL(raw)
		if err != nil {
			return
		}
		if loc.Bucket == "" {
			t.Errorf("ParseS3URL(%q) accepted an empty bucket", raw)
		}
		if loc.Prefix != normalizePrefix(loc.Prefix) || strings.Contains("/"+loc.Prefix, "/AWSLogs/") {
			t.Errorf("ParseS3URL(%q) prefix %q is not normalized", raw, loc.Prefix)
		}
		for _, a := range loc.Accounts {
			if !isAccountID(a) {
				t.Errorf("ParseS3URL(%q) account %q", raw, a)
			}
		}
	})
}
