package emulator

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/cloudtrail"
	"github.com/aws/aws-sdk-go-v2/service/cloudtrail/types"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/aws/smithy-go"
	smithyhttp "github.com/aws/smithy-go/transport/http"
)

// testNow is the fixed clock of tests that need deterministic history.
var testNow = time.Date(2026, 3, 14, 12, 0, 0, 0, time.UTC)

// newServer creates an emulator that logs to the test, and closes it when
// the test ends, failing the test if closing fails.
func newServer(t testing.TB, cfg Config) *Server {
	t.Helper()
	if cfg.Logf == nil {
		cfg.Logf = t.Logf
	}
	s, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Errorf("close: %v", err)
		}
	})
	return s
}

// startServer starts an emulator on a free port and stops it with the test.
func startServer(t *testing.T, cfg Config) (*Server, string) {
	t.Helper()
	s := newServer(t, cfg)
	endpoint, err := s.Start("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	return s, endpoint
}

// testConfig is the SDK configuration of the tests' clients: calls to
// endpoint in region, signed with key, over HTTPClient, never retried.
func testConfig(endpoint, key, region string) aws.Config {
	return aws.Config{
		Region:       region,
		BaseEndpoint: aws.String(endpoint),
		Credentials:  credentials.NewStaticCredentialsProvider(key, "secret", ""),
		Retryer:      func() aws.Retryer { return aws.NopRetryer{} },
		HTTPClient:   HTTPClient(),
	}
}

// pathStyle addresses buckets in the path, as the emulator serves them.
func pathStyle(o *s3.Options) { o.UsePathStyle = true }

// ctClient is a CloudTrail client with the SDK's standard retryer.
func ctClient(endpoint, key, region string) *cloudtrail.Client {
	cfg := testConfig(endpoint, key, region)
	cfg.Retryer = nil // the SDK's standard one
	return cloudtrail.NewFromConfig(cfg)
}

// ctClientNoRetry is a CloudTrail client whose failed calls are never
// retried.
func ctClientNoRetry(endpoint, key, region string) *cloudtrail.Client {
	return cloudtrail.NewFromConfig(testConfig(endpoint, key, region))
}

func stsClient(endpoint, key string) *sts.Client {
	return sts.NewFromConfig(testConfig(endpoint, key, "us-east-1"))
}

// errorCode returns the AWS error code of err, "" when it has none.
func errorCode(err error) string {
	var apiErr smithy.APIError
	if errors.As(err, &apiErr) {
		return apiErr.ErrorCode()
	}
	return ""
}

func httpStatus(err error) int {
	var respErr *smithyhttp.ResponseError
	if errors.As(err, &respErr) {
		return respErr.HTTPStatusCode()
	}
	return 0
}

// expectedLookup lists, newest first, the history events LookupEvents
// should return for a region and time range without an attribute.
func expectedLookup(s *Server, region string, start, end time.Time) []string {
	var ids []string
	s.history.mu.RLock()
	defer s.history.mu.RUnlock()
	for i := len(s.history.events) - 1; i >= 0; i-- {
		ev := s.history.events[i]
		if ev.region == region && ev.category == "Management" && ev.account == s.cfg.AccountID &&
			!ev.time.Before(start) && !ev.time.After(end) {
			ids = append(ids, ev.id)
		}
	}
	return ids
}

func TestLookupEventsPagingReturnsEveryEventOnceInOrder(t *testing.T) {
	s, endpoint := startServer(t, Config{Seed: 7, HistoryDays: 3, Rate: -1, Now: func() time.Time { return testNow }})
	ct := ctClient(endpoint, KeyAlice, "eu-west-1")
	start, end := testNow.Add(-48*time.Hour), testNow.Add(-time.Minute)
	want := expectedLookup(s, "eu-west-1", start, end)
	if len(want) < 100 {
		t.Fatalf("seeded only %d events in eu-west-1; the test needs more", len(want))
	}
	in := &cloudtrail.LookupEventsInput{StartTime: &start, EndTime: &end, MaxResults: aws.Int32(7)}
	var got []string
	var last time.Time
	pages := 0
	for p := cloudtrail.NewLookupEventsPaginator(ct, in); p.HasMorePages(); {
		out, err := p.NextPage(context.Background())
		if err != nil {
			t.Fatalf("page %d: %v", pages, err)
		}
		pages++
		if len(out.Events) > 7 {
			t.Fatalf("page %d has %d events, more than MaxResults", pages, len(out.Events))
		}
		for _, e := range out.Events {
			if !last.IsZero() && e.EventTime.After(last) {
				t.Fatalf("event %s at %v is newer than the one before it (%v)", *e.EventId, *e.EventTime, last)
			}
			last = *e.EventTime
			got = append(got, *e.EventId)
		}
	}
	if len(got) != len(want) {
		t.Fatalf("got %d events in %d pages, want %d", len(got), pages, len(want))
	}
	seen := map[string]bool{}
	for i := range got {
		if seen[got[i]] {
			t.Fatalf("event %s returned twice", got[i])
		}
		seen[got[i]] = true
		if got[i] != want[i] {
			t.Fatalf("event %d is %s, want %s", i, got[i], want[i])
		}
	}
}

func TestLookupEventsAttributeAndShape(t *testing.T) {
	_, endpoint := startServer(t, Config{Seed: 3, HistoryDays: 2, Rate: -1, Now: func() time.Time { return testNow }})
	ct := ctClient(endpoint, KeyAlice, "us-east-1")
	ctx := context.Background()
	for _, attr := range []types.LookupAttribute{
		{AttributeKey: types.LookupAttributeKeyEventName, AttributeValue: aws.String("ConsoleLogin")},
		{AttributeKey: types.LookupAttributeKeyUsername, AttributeValue: aws.String("alice")},
		{AttributeKey: types.LookupAttributeKeyReadOnly, AttributeValue: aws.String("false")},
		{AttributeKey: types.LookupAttributeKeyEventSource, AttributeValue: aws.String("iam.amazonaws.com")},
		{AttributeKey: types.LookupAttributeKeyResourceType, AttributeValue: aws.String("AWS::EC2::Instance")},
	} {
		out, err := ct.LookupEvents(ctx, &cloudtrail.LookupEventsInput{LookupAttributes: []types.LookupAttribute{attr}})
		if err != nil {
			t.Fatalf("%s: %v", attr.AttributeKey, err)
		}
		if len(out.Events) == 0 {
			t.Fatalf("%s=%s: no events", attr.AttributeKey, *attr.AttributeValue)
		}
		for _, e := range out.Events {
			var rec map[string]any
			if err := json.Unmarshal([]byte(*e.CloudTrailEvent), &rec); err != nil {
				t.Fatalf("CloudTrailEvent is not JSON: %v", err)
			}
			if rec["eventID"] != *e.EventId || rec["awsRegion"] != "us-east-1" {
				t.Fatalf("record %v does not match event %s", rec, *e.EventId)
			}
			v := *attr.AttributeValue
			var ok bool
			switch attr.AttributeKey {
			case types.LookupAttributeKeyEventName:
				ok = aws.ToString(e.EventName) == v
			case types.LookupAttributeKeyUsername:
				ok = aws.ToString(e.Username) == v
			case types.LookupAttributeKeyReadOnly:
				ok = aws.ToString(e.ReadOnly) == v && rec["readOnly"] == false
			case types.LookupAttributeKeyEventSource:
				ok = aws.ToString(e.EventSource) == v
			case types.LookupAttributeKeyResourceType:
				for _, r := range e.Resources {
					ok = ok || aws.ToString(r.ResourceType) == v && strings.HasPrefix(aws.ToString(r.ResourceName), "i-")
				}
			}
			if !ok {
				t.Fatalf("%s=%s returned %s", attr.AttributeKey, v, *e.CloudTrailEvent)
			}
		}
	}
	// EventId finds exactly one event.
	all, err := ct.LookupEvents(ctx, &cloudtrail.LookupEventsInput{MaxResults: aws.Int32(1)})
	if err != nil || len(all.Events) != 1 {
		t.Fatalf("lookup one: %v, %d events", err, len(all.Events))
	}
	one, err := ct.LookupEvents(ctx, &cloudtrail.LookupEventsInput{LookupAttributes: []types.LookupAttribute{
		{AttributeKey: types.LookupAttributeKeyEventId, AttributeValue: all.Events[0].EventId}}})
	if err != nil || len(one.Events) != 1 || *one.Events[0].EventId != *all.Events[0].EventId {
		t.Fatalf("lookup by EventId: %v %+v", err, one)
	}
}

func TestLookupEventsErrors(t *testing.T) {
	_, endpoint := startServer(t, Config{Seed: 1, HistoryDays: 1, Rate: -1})
	ct := ctClient(endpoint, KeyAlice, "us-east-1")
	ctx := context.Background()
	name := func(k types.LookupAttributeKey, v string) types.LookupAttribute {
		return types.LookupAttribute{AttributeKey: k, AttributeValue: aws.String(v)}
	}
	now := time.Now()
	first, err := ct.LookupEvents(ctx, &cloudtrail.LookupEventsInput{MaxResults: aws.Int32(2)})
	if err != nil || first.NextToken == nil {
		t.Fatalf("first page: %v (token %v)", err, first)
	}
	cases := []struct {
		name string
		in   cloudtrail.LookupEventsInput
		code string
	}{
		{"two attributes", cloudtrail.LookupEventsInput{LookupAttributes: []types.LookupAttribute{
			name(types.LookupAttributeKeyEventName, "A"), name(types.LookupAttributeKeyUsername, "b")}}, "InvalidLookupAttributesException"},
		{"unknown attribute", cloudtrail.LookupEventsInput{LookupAttributes: []types.LookupAttribute{
			name("Color", "blue")}}, "InvalidLookupAttributesException"},
		{"empty value", cloudtrail.LookupEventsInput{LookupAttributes: []types.LookupAttribute{
			name(types.LookupAttributeKeyEventName, "")}}, "InvalidLookupAttributesException"},
		{"long value", cloudtrail.LookupEventsInput{LookupAttributes: []types.LookupAttribute{
			name(types.LookupAttributeKeyEventName, strings.Repeat("x", 2001))}}, "InvalidLookupAttributesException"},
		{"max results 0", cloudtrail.LookupEventsInput{MaxResults: aws.Int32(0)}, "InvalidMaxResultsException"},
		{"max results 51", cloudtrail.LookupEventsInput{MaxResults: aws.Int32(51)}, "InvalidMaxResultsException"},
		{"start after end", cloudtrail.LookupEventsInput{StartTime: aws.Time(now), EndTime: aws.Time(now.Add(-time.Hour))}, "InvalidTimeRangeException"},
		{"bad category", cloudtrail.LookupEventsInput{EventCategory: "data"}, "InvalidEventCategoryException"},
		{"insight with username", cloudtrail.LookupEventsInput{EventCategory: types.EventCategoryInsight, LookupAttributes: []types.LookupAttribute{
			name(types.LookupAttributeKeyUsername, "alice")}}, "InvalidLookupAttributesException"},
		{"garbage token", cloudtrail.LookupEventsInput{NextToken: aws.String("not-a-token")}, "InvalidNextTokenException"},
		{"token with other parameters", cloudtrail.LookupEventsInput{NextToken: first.NextToken, LookupAttributes: []types.LookupAttribute{
			name(types.LookupAttributeKeyEventName, "ConsoleLogin")}}, "InvalidNextTokenException"},
	}
	for _, c := range cases {
		_, err := ct.LookupEvents(ctx, &c.in)
		if got := errorCode(err); got != c.code {
			t.Errorf("%s: error %v, want %s", c.name, err, c.code)
		}
		if st := httpStatus(err); st != http.StatusBadRequest {
			t.Errorf("%s: HTTP status %d, want 400", c.name, st)
		}
	}
	// The same token with the same parameters continues.
	if _, err := ct.LookupEvents(ctx, &cloudtrail.LookupEventsInput{MaxResults: aws.Int32(2), NextToken: first.NextToken}); err != nil {
		t.Fatalf("continuing with the token: %v", err)
	}
}

func TestLookupEventsIsRecorded(t *testing.T) {
	_, endpoint := startServer(t, Config{Rate: -1})
	ct := ctClient(endpoint, KeyDeploy, "ap-south-1")
	ctx := context.Background()
	if _, err := ct.LookupEvents(ctx, &cloudtrail.LookupEventsInput{MaxResults: aws.Int32(5)}); err != nil {
		t.Fatal(err)
	}
	out, err := ct.LookupEvents(ctx, &cloudtrail.LookupEventsInput{LookupAttributes: []types.LookupAttribute{
		{AttributeKey: types.LookupAttributeKeyEventName, AttributeValue: aws.String("LookupEvents")}}})
	if err != nil {
		t.Fatal(err)
	}
	if len(out.Events) != 1 {
		t.Fatalf("got %d LookupEvents events, want the 1 made before", len(out.Events))
	}
	e := out.Events[0]
	if aws.ToString(e.Username) != "github-actions" || aws.ToString(e.AccessKeyId) != KeyDeploy || aws.ToString(e.ReadOnly) != "true" {
		t.Fatalf("event %+v", e)
	}
	var rec struct {
		EventVersion      string         `json:"eventVersion"`
		UserIdentity      map[string]any `json:"userIdentity"`
		SourceIPAddress   string         `json:"sourceIPAddress"`
		UserAgent         string         `json:"userAgent"`
		AwsRegion         string         `json:"awsRegion"`
		RequestParameters map[string]any `json:"requestParameters"`
		EventType         string         `json:"eventType"`
		EventCategory     string         `json:"eventCategory"`
		ManagementEvent   bool           `json:"managementEvent"`
		RequestID         string         `json:"requestID"`
		TLSDetails        map[string]any `json:"tlsDetails"`
	}
	if err := json.Unmarshal([]byte(*e.CloudTrailEvent), &rec); err != nil {
		t.Fatal(err)
	}
	if rec.EventVersion != "1.11" || rec.UserIdentity["type"] != "AssumedRole" || rec.SourceIPAddress != "127.0.0.1" ||
		!strings.Contains(rec.UserAgent, "aws-sdk-go-v2") || rec.AwsRegion != "ap-south-1" ||
		rec.RequestParameters["maxResults"] != 5.0 || rec.EventType != "AwsApiCall" || rec.EventCategory != "Management" ||
		!rec.ManagementEvent || rec.RequestID == "" || rec.TLSDetails["clientProvidedHostHeader"] == "" {
		t.Fatalf("recorded %s", *e.CloudTrailEvent)
	}
	if !strings.HasPrefix(*e.CloudTrailEvent, `{"eventVersion":"1.11","userIdentity":{"type":"AssumedRole","principalId":`) {
		t.Fatalf("record fields are not in CloudTrail's order: %s", *e.CloudTrailEvent)
	}
}

func TestLookupEventsThrottling(t *testing.T) {
	// A rate so low that no token comes back during the test: exactly Burst
	// calls per account and region succeed.
	_, endpoint := startServer(t, Config{Rate: 0.0001, Burst: 3})
	ctx := context.Background()
	count := func(ct *cloudtrail.Client, n int) (ok, throttled int) {
		for range n {
			_, err := ct.LookupEvents(ctx, &cloudtrail.LookupEventsInput{})
			switch {
			case err == nil:
				ok++
			case errorCode(err) == "ThrottlingException" && httpStatus(err) == http.StatusBadRequest:
				throttled++
			default:
				t.Fatalf("unexpected error %v", err)
			}
		}
		return ok, throttled
	}
	if ok, th := count(ctClientNoRetry(endpoint, KeyAlice, "us-east-1"), 10); ok != 3 || th != 7 {
		t.Fatalf("us-east-1: %d ok, %d throttled; want 3 and 7", ok, th)
	}
	// Another region of the same account has its own budget.
	if ok, th := count(ctClientNoRetry(endpoint, KeyAlice, "eu-west-1"), 4); ok != 3 || th != 1 {
		t.Fatalf("eu-west-1: %d ok, %d throttled; want 3 and 1", ok, th)
	}
	// Other operations are not throttled.
	ct := ctClient(endpoint, KeyAlice, "us-east-1")
	for range 5 {
		if _, err := ct.DescribeTrails(ctx, &cloudtrail.DescribeTrailsInput{}); err != nil {
			t.Fatal(err)
		}
	}
}

func TestGetCallerIdentity(t *testing.T) {
	_, endpoint := startServer(t, Config{})
	cases := []struct{ key, arn, userID string }{
		{KeyAlice, "arn:aws:iam::123456789012:user/alice", "AIDA"},
		{KeyDeploy, "arn:aws:sts::123456789012:assumed-role/deploy/github-actions", "AROA"},
		{KeyRoot, "arn:aws:iam::123456789012:root", "123456789012"},
		{"AKIANOBODYKNOWSTHIS", "arn:aws:iam::123456789012:user/AKIANOBODYKNOWSTHIS", "AIDA"},
	}
	for _, c := range cases {
		out, err := stsClient(endpoint, c.key).GetCallerIdentity(context.Background(), &sts.GetCallerIdentityInput{})
		if err != nil {
			t.Fatalf("%s: %v", c.key, err)
		}
		if aws.ToString(out.Arn) != c.arn || aws.ToString(out.Account) != DefaultAccountID ||
			!strings.HasPrefix(aws.ToString(out.UserId), c.userID) {
			t.Fatalf("%s: %s %s %s", c.key, aws.ToString(out.Arn), aws.ToString(out.Account), aws.ToString(out.UserId))
		}
	}
}

func TestKeyTableFile(t *testing.T) {
	ids, err := LoadKeyTable("../../testdata/emulator/keytable.json")
	if err != nil {
		t.Fatal(err)
	}
	_, endpoint := startServer(t, Config{KeyTable: ids})
	out, err := stsClient(endpoint, "AKIAOTHERACCOUNT0001").GetCallerIdentity(context.Background(), &sts.GetCallerIdentityInput{})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(out.Account) != "210987654321" || aws.ToString(out.Arn) != "arn:aws:iam::210987654321:user/dave" {
		t.Fatalf("got %s %s", aws.ToString(out.Account), aws.ToString(out.Arn))
	}
	if _, err := LoadKeyTable("../../testdata/emulator/keytable-bad.json"); err == nil {
		t.Fatal("a key table entry without a type loaded")
	}
}

// rawCall makes an HTTP request and returns the status and body.
func rawCall(t *testing.T, req *http.Request) (int, string) {
	t.Helper()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

const testAuth = "AWS4-HMAC-SHA256 Credential=" + KeyAlice + "/20260314/us-east-1/cloudtrail/aws4_request, SignedHeaders=host, Signature=00"

func TestProtocolErrors(t *testing.T) {
	s, endpoint := startServer(t, Config{MaxBodyBytes: 1024})
	newReq := func(method, body, ctype, target, auth string) *http.Request {
		r, _ := http.NewRequest(method, endpoint+"/", strings.NewReader(body))
		if ctype != "" {
			r.Header.Set("Content-Type", ctype)
		}
		if target != "" {
			r.Header.Set("X-Amz-Target", target)
		}
		if auth != "" {
			r.Header.Set("Authorization", auth)
		}
		return r
	}
	const ctype = "application/x-amz-json-1.1"
	const target = "CloudTrail_20131101.LookupEvents"
	cases := []struct {
		name   string
		req    *http.Request
		status int
		want   string
	}{
		{"no credentials, JSON", newReq("POST", "{}", ctype, target, ""), 403, `"__type":"MissingAuthenticationTokenException"`},
		{"no credentials, STS", newReq("POST", "Action=GetCallerIdentity&Version=2011-06-15", "application/x-www-form-urlencoded", "", ""), 403, "<Code>MissingAuthenticationToken</Code>"},
		{"no credentials, EC2", newReq("POST", "Action=DescribeInstances&Version=2016-11-15", "application/x-www-form-urlencoded", "", ""), 401, "<Code>AuthFailure</Code>"},
		{"no credentials, S3", newReq("GET", "", "", "", ""), 403, "<Code>AccessDenied</Code>"},
		{"malformed JSON", newReq("POST", "{", ctype, target, testAuth), 400, `"__type":"SerializationException"`},
		{"JSON not an object", newReq("POST", "[1]", ctype, target, testAuth), 400, `"__type":"SerializationException"`},
		{"wrong field type", newReq("POST", `{"MaxResults":"ten"}`, ctype, target, testAuth), 400, `"__type":"SerializationException"`},
		{"unknown target", newReq("POST", "{}", ctype, "CloudTrail_20131101.Explode", testAuth), 400, `"__type":"UnknownOperationException"`},
		{"foreign target", newReq("POST", "{}", ctype, "DynamoDB_20120810.LookupEvents", testAuth), 400, `"__type":"UnknownOperationException"`},
		{"wrong content type", newReq("POST", "{}", "text/plain", target, testAuth), 400, `"__type":"SerializationException"`},
		{"GET", newReq("GET", "", ctype, target, testAuth), 400, `"__type":"UnknownOperationException"`},
		{"body too large", newReq("POST", `{"x":"`+strings.Repeat("a", 2000)+`"}`, ctype, target, testAuth), 413, `"__type":"RequestEntityTooLarge"`},
		{"unknown service", newReq("POST", "{}", ctype, "X", strings.Replace(testAuth, "/cloudtrail/", "/iam/", 1)), 400, "UnknownService"},
		{"long target form", newReq("POST", "{}", ctype, ctTargetLong+"ListTrails", testAuth), 200, `"Trails":[]`},
		{"empty body", newReq("POST", "", ctype, ctTargetShort+"DescribeTrails", testAuth), 200, `"trailList":[]`},
	}
	for _, c := range cases {
		status, body := rawCall(t, c.req)
		if status != c.status || !strings.Contains(body, c.want) {
			t.Errorf("%s: %d %s; want %d with %s", c.name, status, body, c.status, c.want)
		}
	}
	// A presigned URL's credential scope routes too.
	r, _ := http.NewRequest("POST", endpoint+"/?X-Amz-Credential="+KeyAlice+"%2F20260314%2Fus-east-1%2Fsts%2Faws4_request",
		strings.NewReader("Action=GetCallerIdentity&Version=2011-06-15"))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if status, body := rawCall(t, r); status != 200 || !strings.Contains(body, "user/alice") {
		t.Errorf("presigned: %d %s", status, body)
	}
	// Failed CloudTrail calls are recorded with their error.
	s.history.mu.RLock()
	defer s.history.mu.RUnlock()
	found := false
	for _, ev := range s.history.events {
		found = found || strings.Contains(string(ev.raw), `"errorCode":"SerializationException"`)
	}
	if !found {
		t.Error("no recorded event carries the SerializationException")
	}
}

func TestParseKeyTable(t *testing.T) {
	ids, err := ParseKeyTable("AKIA1=IAMUser:alice, ASIA2=AssumedRole:deploy/ci@210987654321,AKIA3=Root")
	if err != nil {
		t.Fatal(err)
	}
	want := []Identity{
		{AccessKeyID: "AKIA1", Type: "IAMUser", Name: "alice"},
		{AccessKeyID: "ASIA2", Type: "AssumedRole", Name: "deploy", Session: "ci", AccountID: "210987654321"},
		{AccessKeyID: "AKIA3", Type: "Root"},
	}
	if len(ids) != len(want) {
		t.Fatalf("got %+v", ids)
	}
	for i := range want {
		if !reflect.DeepEqual(ids[i], want[i]) {
			t.Fatalf("entry %d: %+v, want %+v", i, ids[i], want[i])
		}
	}
	ids, err = ParseKeyTable("AKIA4=IAMUser:bob;deny=cloudtrail:LookupEvents;deny=s3:*,ASIA5=AssumedRole:ci;expired")
	if err != nil {
		t.Fatal(err)
	}
	if len(ids) != 2 || !reflect.DeepEqual(ids[0].Deny, []string{"cloudtrail:LookupEvents", "s3:*"}) || ids[0].Expired ||
		ids[1].Deny != nil || !ids[1].Expired {
		t.Fatalf("options: %+v", ids)
	}
	for _, bad := range []string{"AKIA1", "AKIA1=Robot:x", "AKIA1=IAMUser", "=Root", "AKIA1=Root;deny=", "AKIA1=Root;expire"} {
		if _, err := ParseKeyTable(bad); err == nil {
			t.Errorf("%q parsed", bad)
		}
	}
}
