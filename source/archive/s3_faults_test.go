package archive

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/lazytrail/lazytrail/model"
	"github.com/lazytrail/lazytrail/source"
	"github.com/lazytrail/lazytrail/source/emulator"
	"github.com/lazytrail/lazytrail/source/emulator/emulatortest"
	"github.com/lazytrail/lazytrail/source/internal/faultproxy"
	"github.com/lazytrail/lazytrail/source/lookup"
)

// faultyBucket is an archive in the emulator's S3, reachable straight and
// through a fault proxy.
type faultyBucket struct {
	proxy  *faultproxy.Proxy
	direct *s3.Client // straight to the emulator
	faulty *s3.Client // through the proxy, configured as lazytrail does
	files  []logFile
}

const faultBucket = "trail"

// newFaultyBucket starts an emulator on loopback, fills a bucket with a
// day of log files in two regions and puts a fault proxy in front of it.
func newFaultyBucket(t *testing.T) *faultyBucket {
	t.Helper()
	_, endpoint := emulatortest.Start(t, emulator.Config{Rate: -1, Logf: t.Logf})
	p, err := faultproxy.New(endpoint)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = p.Close() })

	b := &faultyBucket{proxy: p, direct: emulatortest.S3(endpoint, emulator.KeyAlice)}
	ctx := context.Background()
	emulatortest.CreateBucket(t, b.direct, faultBucket)
	for _, region := range []string{"us-east-1", "eu-west-1"} {
		for at := archiveEnd.Add(-6 * time.Hour); !at.After(archiveEnd); at = at.Add(30 * time.Minute) {
			lf := logFile{base: "AWSLogs/111111111111/", account: "111111111111", region: region, at: at, events: 5}
			if _, err := b.direct.PutObject(ctx, &s3.PutObjectInput{
				Bucket: aws.String(faultBucket), Key: aws.String(lf.key()), Body: strings.NewReader(string(lf.body(t))),
			}); err != nil {
				t.Fatal(err)
			}
			b.files = append(b.files, lf)
		}
	}
	// The faulty client is built the way the lazytrail command builds it:
	// the live source's configuration (its retryer), path-style addressing,
	// and an HTTP client that gives up on a silent server.
	emulatortest.IsolateAWS(t)
	cfg, err := lookup.AWSConfig(ctx, lookup.Config{
		Regions: []string{"us-east-1"}, EndpointURL: p.URL(), Rate: 1000,
		Credentials: credentials.NewStaticCredentialsProvider(emulator.KeyAlice, emulatortest.Secret, ""),
		HTTPClient:  &http.Client{Timeout: 300 * time.Millisecond},
	})
	if err != nil {
		t.Fatal(lookup.Explain(err))
	}
	b.faulty = s3.NewFromConfig(cfg, func(o *s3.Options) { o.UsePathStyle = true })
	return b
}

// faultQuery covers every file of the bucket.
var faultQuery = source.Query{Start: archiveEnd.Add(-7 * time.Hour), End: archiveEnd}

// read reads the whole archive through client with one download at a time,
// so that rules counting requests hit the same objects on every run.
func (b *faultyBucket) read(t *testing.T, client *s3.Client) ([]model.Event, []source.Problem) {
	t.Helper()
	events, problems, _ := readS3(t, NewS3(client, S3Location{Bucket: faultBucket}, S3Options{Concurrency: 1}), faultQuery)
	return events, problems
}

// eventIDs returns the events' IDs, sorted, failing on any ID seen twice.
func eventIDs(t *testing.T, events []model.Event) []string {
	t.Helper()
	out := ids(events)
	for i := 1; i < len(out); i++ {
		if out[i] == out[i-1] {
			t.Fatalf("event %s delivered twice", out[i])
		}
	}
	return out
}

// isGet matches object downloads; isList matches listings.
func isGet(r *faultproxy.Request) bool {
	return r.Method == http.MethodGet && strings.HasSuffix(r.Path, ".json.gz")
}

func isList(r *faultproxy.Request) bool {
	return r.Method == http.MethodGet && strings.Contains(r.Query, "list-type=2")
}

func TestS3TransientFaultsLoseNothing(t *testing.T) {
	b := newFaultyBucket(t)
	truth, problems := b.read(t, b.direct)
	if len(problems) > 0 || len(truth) != len(b.files)*5 {
		t.Fatalf("straight read: %d events (want %d), problems %v", len(truth), len(b.files)*5, problems)
	}
	want := eventIDs(t, truth)

	faults := []faultproxy.Fault{faultproxy.Reset, faultproxy.Truncate, faultproxy.Status500, faultproxy.Status503, faultproxy.Delay}
	for i, f := range faults {
		// Spread over the scan: the 2nd, 5th, 8th... download.
		b.proxy.Add(faultproxy.Rule{Match: isGet, Fault: f, Skip: 1 + 2*i, Times: 1, Delay: 2 * time.Second})
	}
	b.proxy.Add(faultproxy.Rule{Match: isList, Fault: faultproxy.Status503, Times: 1})
	b.proxy.Add(faultproxy.Rule{Match: isList, Fault: faultproxy.Reset, Skip: 1, Times: 1})

	events, problems := b.read(t, b.faulty)
	for _, p := range problems {
		t.Errorf("problem: %v", p)
	}
	if got := eventIDs(t, events); !slices.Equal(got, want) {
		t.Fatalf("read %d events through the faults, want the %d the bucket holds", len(got), len(want))
	}
	c := b.proxy.Counts()
	if c.Injected() != len(faults)+2 {
		t.Fatalf("proxy counts %+v, want %d faults injected", c, len(faults)+2)
	}
	t.Logf("faults injected %d (%v), all survived; %d events, none lost or doubled", c.Injected(), c.Faults, len(events))
}

func TestS3ObjectThatKeepsFailingIsReportedByName(t *testing.T) {
	b := newFaultyBucket(t)
	truth, _ := b.read(t, b.direct)
	lf := b.files[3]
	bad := lf.key()
	badIDs := fmt.Sprintf("%s-%s-%d-", lf.account, lf.region, lf.at.Unix())
	for _, f := range []faultproxy.Fault{faultproxy.Status500, faultproxy.Truncate} {
		t.Run(f.String(), func(t *testing.T) {
			b.proxy.Clear()
			b.proxy.Add(faultproxy.Rule{Match: func(r *faultproxy.Request) bool { return strings.HasSuffix(r.Path, bad) }, Fault: f})
			events, problems := b.read(t, b.faulty)
			if len(problems) != 1 || problems[0].Where != "s3://"+faultBucket+"/"+bad {
				t.Fatalf("problems %v, want one naming s3://%s/%s", problems, faultBucket, bad)
			}
			var want []model.Event
			for _, e := range truth {
				if !strings.HasPrefix(e.ID, badIDs) {
					want = append(want, e)
				}
			}
			if got := eventIDs(t, events); !slices.Equal(got, eventIDs(t, want)) {
				t.Fatalf("read %d events, want the %d of the other objects", len(got), len(want))
			}
		})
	}
}

func TestS3ExpiredSessionKeepsWhatWasLoaded(t *testing.T) {
	b := newFaultyBucket(t)
	b.proxy.Add(faultproxy.Rule{Match: isGet, Fault: faultproxy.ExpiredToken, Skip: 4})
	c, err := NewS3(b.faulty, S3Location{Bucket: faultBucket}, S3Options{Concurrency: 1}).Open(context.Background(), faultQuery)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	var loaded []model.Event
	var problems []source.Problem
	for err == nil {
		var page source.Page
		page, err = c.Next(context.Background())
		loaded = append(loaded, page.Events...)
		problems = append(problems, page.Problems...)
	}
	if errors.Is(err, io.EOF) || !strings.Contains(err.Error(), "ExpiredToken") {
		t.Fatalf("the read ended with %v, want the expired session named once", err)
	}
	if len(loaded) == 0 || len(problems) > 0 {
		t.Fatalf("kept %d events and %d problems, want the events read before the session expired and no problems", len(loaded), len(problems))
	}
	// Fresh credentials: the read goes on with the object it stopped at.
	b.proxy.Clear()
	for err = nil; err == nil; {
		var page source.Page
		page, err = c.Next(context.Background())
		loaded = append(loaded, page.Events...)
		problems = append(problems, page.Problems...)
	}
	if !errors.Is(err, io.EOF) || len(problems) > 0 {
		t.Fatalf("resumed read ended with %v and problems %v", err, problems)
	}
	if got := len(eventIDs(t, loaded)); got != 5*len(b.files) {
		t.Fatalf("read %d events, the bucket holds %d", got, 5*len(b.files))
	}
	t.Logf("kept %d events in all, each once", len(loaded))
}
