package lookup

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/lazytrail/lazytrail/source"
)

// scopeRegion is the region of a request's SigV4 credential scope.
func scopeRegion(r *http.Request) string {
	_, cred, _ := strings.Cut(r.Header.Get("Authorization"), "Credential=")
	parts := strings.Split(cred, "/")
	if len(parts) < 3 {
		return ""
	}
	return parts[2]
}

// lookupPage answers LookupEvents with entries whose CloudTrailEvent is
// given verbatim (already JSON-encoded as a string, or absent when "").
func lookupPage(w http.ResponseWriter, records ...string) {
	var entries []string
	for i, rec := range records {
		e := fmt.Sprintf(`{"EventId":"id-%d","EventName":"RunInstances","EventTime":1763700000`, i)
		if rec != "" {
			e += `,"CloudTrailEvent":` + rec
		}
		entries = append(entries, e+"}")
	}
	w.Header().Set("Content-Type", "application/x-amz-json-1.1")
	fmt.Fprintf(w, `{"Events":[%s]}`, strings.Join(entries, ","))
}

const goodRecord = `"{\"eventVersion\":\"1.11\",\"eventID\":\"e-1\",\"eventTime\":\"2025-11-21T04:40:00Z\",` +
	`\"eventName\":\"RunInstances\",\"eventSource\":\"ec2.amazonaws.com\",\"awsRegion\":\"%s\"}"`

func TestDamagedEntriesAreReportedAndSkipped(t *testing.T) {
	isolateAWS(t, "AKIAEXAMPLEKEY", "us-east-1")
	stub := stubAWS{cloudtrail: func(w http.ResponseWriter, r *http.Request) {
		lookupPage(w, fmt.Sprintf(goodRecord, "us-east-1"), `"{not json"`, "")
	}}
	endpoint := stub.start(t)
	src, err := New(context.Background(), Config{EndpointURL: endpoint, Rate: 100})
	if err != nil {
		t.Fatal(err)
	}
	cur := mustOpen(t, src, source.Query{})
	page, err := cur.Next(context.Background())
	if !errors.Is(err, io.EOF) {
		t.Fatalf("Next = %v, want io.EOF", err)
	}
	if len(page.Events) != 1 || page.Events[0].ID != "e-1" {
		t.Fatalf("events = %+v, want the one good record", page.Events)
	}
	if len(page.Problems) != 2 || !strings.Contains(page.Problems[0].Where, "us-east-1 event id-1") ||
		!strings.Contains(page.Problems[1].Error(), "no CloudTrailEvent") {
		t.Fatalf("problems = %v", page.Problems)
	}
}

func TestDeniedRegionIsGivenUpWhileOthersGoOn(t *testing.T) {
	isolateAWS(t, "AKIAEXAMPLEKEY", "us-east-1")
	stub := stubAWS{cloudtrail: func(w http.ResponseWriter, r *http.Request) {
		region := scopeRegion(r)
		if region == "me-south-1" {
			w.Header().Set("Content-Type", "application/x-amz-json-1.1")
			w.WriteHeader(http.StatusBadRequest)
			fmt.Fprint(w, `{"__type":"UnrecognizedClientException","Message":"The security token included in the request is invalid."}`)
			return
		}
		lookupPage(w, fmt.Sprintf(goodRecord, region))
	}}
	endpoint := stub.start(t)
	src, err := New(context.Background(), Config{Regions: []string{"us-east-1,me-south-1"}, EndpointURL: endpoint, Rate: 100})
	if err != nil {
		t.Fatal(err)
	}
	cur := mustOpen(t, src, source.Query{})
	page, err := cur.Next(context.Background())
	if !errors.Is(err, io.EOF) || len(page.Events) != 1 || page.Events[0].Region != "us-east-1" {
		t.Fatalf("Next = %d events, %v; want us-east-1's event and io.EOF", len(page.Events), err)
	}
	if len(page.Problems) != 1 || page.Problems[0].Where != "me-south-1" ||
		!strings.Contains(page.Problems[0].Error(), "AWS rejected the credentials") {
		t.Fatalf("problems = %v", page.Problems)
	}
	for _, r := range cur.(*Cursor).Regions() {
		if r.Region == "me-south-1" && (r.Err == nil || !r.Done) {
			t.Fatalf("me-south-1 progress = %+v, want given up", r)
		}
	}
}
