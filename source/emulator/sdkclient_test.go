package emulator

import (
	"context"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/cloudtrail"
)

// lookupFailures makes n LookupEvents calls of 50 events without retries
// through client (nil: the SDK's default) and counts the failed ones.
func lookupFailures(t *testing.T, endpoint string, client cloudtrail.HTTPClient, n int) int {
	t.Helper()
	ct := cloudtrail.New(cloudtrail.Options{
		Region:       "us-east-1",
		BaseEndpoint: aws.String(endpoint),
		Credentials:  credentials.NewStaticCredentialsProvider(KeyAlice, "secret", ""),
		Retryer:      aws.NopRetryer{},
		HTTPClient:   client,
	})
	failed := 0
	for range n {
		out, err := ct.LookupEvents(context.Background(), &cloudtrail.LookupEventsInput{MaxResults: aws.Int32(50)})
		if err != nil {
			if failed++; failed == 1 {
				t.Logf("first failure: %v", err)
			}
		} else if len(out.Events) != 50 {
			t.Fatalf("%d events, want 50", len(out.Events))
		}
	}
	return failed
}

// TestHTTPClientReadsEveryAnswer repeats the calls that fail now and then
// with the SDK's own HTTP client ("use of closed network connection") and
// requires every one to succeed through HTTPClient. It logs the failures of
// the SDK's client for comparison.
func TestHTTPClientReadsEveryAnswer(t *testing.T) {
	if testing.Short() {
		t.Skip("500 calls twice")
	}
	_, endpoint := startServer(t, Config{Seed: 3, HistoryDays: 3, Rate: -1, Now: func() time.Time { return testNow }})
	const n = 500
	if failed := lookupFailures(t, endpoint, HTTPClient(), n); failed > 0 {
		t.Errorf("%d of %d calls through HTTPClient failed", failed, n)
	}
	t.Logf("the SDK's default HTTP client failed %d of %d calls", lookupFailures(t, endpoint, nil, n), n)
}
