package emulator

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudtrail"
	"github.com/aws/aws-sdk-go-v2/service/cloudtrail/types"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/smithy-go"
)

// loadCounts is what the clients of the load test saw.
type loadCounts struct {
	served, throttled, other atomic.Int64 // LookupEvents answers
	// S3 calls: object calls are data events, which the history does not
	// hold; bucket calls (ListBuckets) are management events, which it does.
	s3Calls, s3Managed, s3Failed atomic.Int64
}

// TestUnderLoad runs many concurrent clients on loopback against
// LookupEvents and S3 for a bounded time: the server must stay up, throttle
// at the configured rate, say so for every call it does not serve, and
// record every call exactly once.
func TestUnderLoad(t *testing.T) {
	const (
		rate      = 5
		burst     = 5
		ctClients = 8
		s3Clients = 4
		duration  = 2 * time.Second
		pause     = 25 * time.Millisecond // between one client's calls
	)
	srv, endpoint := startServer(t, Config{Rate: rate, Burst: burst})
	if _, err := s3Client(endpoint).CreateBucket(context.Background(), &s3.CreateBucketInput{Bucket: aws.String("load")}); err != nil {
		t.Fatal(err)
	}
	before := srv.Stats().Events
	start := time.Now().UTC()
	// The lookups ask for a window that holds nothing, so every answer is
	// small and the load is the calls themselves.
	window := &cloudtrail.LookupEventsInput{StartTime: aws.Time(start.Add(-48 * time.Hour)), EndTime: aws.Time(start.Add(-24 * time.Hour))}

	var c loadCounts
	var wg sync.WaitGroup
	var firstCall, lastCall atomic.Int64
	for range ctClients {
		client := ctClientNoRetry(endpoint, KeyAlice, "us-east-1")
		wg.Go(func() {
			for time.Since(start) < duration {
				at := time.Now().UnixNano()
				firstCall.CompareAndSwap(0, at)
				_, err := client.LookupEvents(context.Background(), window)
				lastCall.Store(time.Now().UnixNano())
				var api smithy.APIError
				switch {
				case err == nil:
					c.served.Add(1)
				case errors.As(err, &api) && api.ErrorCode() == "ThrottlingException":
					c.throttled.Add(1)
				default:
					c.other.Add(1)
					t.Errorf("LookupEvents: %v", err)
				}
				time.Sleep(pause)
			}
		})
	}
	for i := range s3Clients {
		client := s3Client(endpoint)
		wg.Go(func() {
			for n := 0; time.Since(start) < duration; n++ {
				key := fmt.Sprintf("client-%d/object-%d", i, n)
				body := []byte(key + " body")
				_, err := client.PutObject(context.Background(), &s3.PutObjectInput{
					Bucket: aws.String("load"), Key: aws.String(key), Body: bytes.NewReader(body),
				})
				c.s3Calls.Add(1)
				if err != nil {
					c.s3Failed.Add(1)
					t.Errorf("PutObject %s: %v", key, err)
					continue
				}
				out, err := client.GetObject(context.Background(), &s3.GetObjectInput{Bucket: aws.String("load"), Key: aws.String(key)})
				c.s3Calls.Add(1)
				if err != nil {
					c.s3Failed.Add(1)
					t.Errorf("GetObject %s: %v", key, err)
					continue
				}
				got, err := io.ReadAll(out.Body)
				out.Body.Close()
				if err != nil || !bytes.Equal(got, body) {
					c.s3Failed.Add(1)
					t.Errorf("GetObject %s = %q, %v; want %q", key, got, err, body)
				}
				_, err = client.ListBuckets(context.Background(), &s3.ListBucketsInput{})
				c.s3Calls.Add(1)
				c.s3Managed.Add(1)
				if err != nil {
					c.s3Failed.Add(1)
					t.Errorf("ListBuckets: %v", err)
				}
				time.Sleep(pause)
			}
		})
	}
	wg.Wait()
	end := time.Now().UTC()
	calls := c.served.Load() + c.throttled.Load() + c.other.Load()
	elapsed := time.Duration(lastCall.Load() - firstCall.Load())

	// Honest throttling: never more than the bucket allows over the time
	// the calls took, and every other call told so. The lower bound only
	// checks that the budget is used at all, as the clients ask for far more.
	if c.other.Load() != 0 || c.s3Failed.Load() != 0 {
		t.Fatalf("failures besides throttling: %d lookups, %d S3 calls", c.other.Load(), c.s3Failed.Load())
	}
	maxServed := int64(burst + rate*elapsed.Seconds() + 1)
	if c.served.Load() > maxServed || c.served.Load() < int64(rate*elapsed.Seconds()/2) {
		t.Fatalf("served %d lookups in %s, want about %d/s (at most %d)", c.served.Load(), elapsed, rate, maxServed)
	}
	if c.throttled.Load() == 0 {
		t.Fatal("no call was throttled: the test did not load the server")
	}

	// Every call is recorded once: the history grew by exactly the calls
	// made, and reading the lookups back finds each once, with the
	// throttled ones marked as such.
	if grown := int64(srv.Stats().Events - before); grown != calls+c.s3Managed.Load() {
		t.Fatalf("history grew by %d events for %d lookups and %d S3 management calls", grown, calls, c.s3Managed.Load())
	}
	reader := ctClient(endpoint, KeyAlice, "us-east-1")
	in := &cloudtrail.LookupEventsInput{
		StartTime: aws.Time(start.Add(-time.Second)), EndTime: aws.Time(end.Add(time.Second)),
		LookupAttributes: []types.LookupAttribute{{AttributeKey: types.LookupAttributeKeyEventName, AttributeValue: aws.String("LookupEvents")}},
	}
	var ids []string
	throttledSeen := int64(0)
	for p := cloudtrail.NewLookupEventsPaginator(reader, in); p.HasMorePages(); {
		// The load drained the bucket the read-back shares, so it may be
		// throttled too: it is given the attempts to wait for tokens.
		page, err := p.NextPage(context.Background(), func(o *cloudtrail.Options) { o.RetryMaxAttempts = 10 })
		if err != nil {
			t.Fatalf("the server did not stay usable after the load: %v", err)
		}
		for _, e := range page.Events {
			if e.EventTime.After(end) {
				continue // a call of this read-back
			}
			ids = append(ids, aws.ToString(e.EventId))
			if bytes.Contains([]byte(aws.ToString(e.CloudTrailEvent)), []byte(`"errorCode":"ThrottlingException"`)) {
				throttledSeen++
			}
		}
	}
	slices.Sort(ids)
	if len(slices.Compact(slices.Clone(ids))) != len(ids) {
		t.Fatal("an event of the history was returned twice")
	}
	if int64(len(ids)) != calls || throttledSeen != c.throttled.Load() {
		t.Fatalf("history holds %d lookups (%d throttled), the clients made %d (%d throttled)",
			len(ids), throttledSeen, calls, c.throttled.Load())
	}
	t.Logf("%d lookups in %s: %d served (%.1f/s, configured %d/s), %d throttled; %d S3 calls; history consistent",
		calls, elapsed.Round(time.Millisecond), c.served.Load(), float64(c.served.Load())/elapsed.Seconds(), rate,
		c.throttled.Load(), c.s3Calls.Load())
}
