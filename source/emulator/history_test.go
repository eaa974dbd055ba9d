package emulator

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudtrail"
	"github.com/aws/aws-sdk-go-v2/service/cloudtrail/types"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

func TestSeedIsDeterministicAndRealistic(t *testing.T) {
	clock := func() time.Time { return testNow }
	a := newServer(t, Config{Seed: 42, HistoryDays: 5, Now: clock}).history.all()
	b := newServer(t, Config{Seed: 42, HistoryDays: 5, Now: clock}).history.all()
	c := newServer(t, Config{Seed: 43, HistoryDays: 5, Now: clock}).history.all()
	if len(a) != len(b) {
		t.Fatalf("same seed, %d and %d events", len(a), len(b))
	}
	for i := range a {
		if !bytes.Equal(a[i], b[i]) {
			t.Fatalf("same seed, event %d differs:\n%s\n%s", i, a[i], b[i])
		}
	}
	if len(a) == len(c) && bytes.Equal(a[0], c[0]) {
		t.Fatal("another seed gave the same history")
	}
	users, sources, regions := map[string]bool{}, map[string]bool{}, map[string]bool{}
	failed, logins, rootLogins, insights := 0, 0, 0, 0
	for _, raw := range a {
		var r struct {
			EventTime    time.Time      `json:"eventTime"`
			EventSource  string         `json:"eventSource"`
			EventName    string         `json:"eventName"`
			EventType    string         `json:"eventType"`
			AwsRegion    string         `json:"awsRegion"`
			ErrorMessage string         `json:"errorMessage"`
			UserIdentity map[string]any `json:"userIdentity"`
		}
		if err := json.Unmarshal(raw, &r); err != nil {
			t.Fatalf("seeded record is not JSON: %v\n%s", err, raw)
		}
		if r.EventTime.After(testNow) || r.EventTime.Before(testNow.Add(-5*24*time.Hour)) {
			t.Fatalf("event at %v is outside the seeded days", r.EventTime)
		}
		if r.EventType == "AwsCloudTrailInsight" {
			insights++
			continue
		}
		users[usernameOf(r.UserIdentity)+"/"+r.UserIdentity["type"].(string)] = true
		sources[r.EventSource] = true
		regions[r.AwsRegion] = true
		if r.ErrorMessage != "" {
			failed++
		}
		if r.EventName == "ConsoleLogin" && r.EventType == "AwsConsoleSignIn" {
			logins++
			if r.UserIdentity["type"] == "Root" {
				rootLogins++
			}
		}
	}
	rate := float64(failed) / float64(len(a))
	if rate < 0.04 || rate > 0.09 {
		t.Errorf("error rate %.3f, want about 6%%", rate)
	}
	if len(users) < 6 || len(sources) < 10 || len(regions) < 4 {
		t.Errorf("%d identities, %d services, %d regions: not varied enough", len(users), len(sources), len(regions))
	}
	if logins < 10 || rootLogins != 1 {
		t.Errorf("%d console sign-ins, %d root sign-ins", logins, rootLogins)
	}
	if insights != 6 { // a Start and an End for each of the built-in profile's three
		t.Errorf("%d Insights events, want 6", insights)
	}
}

func TestSeedProfileFile(t *testing.T) {
	s := newServer(t, Config{HistoryDays: 2, SeedProfile: "../../testdata/emulator/profile-small.json", Now: func() time.Time { return testNow }})
	if got := s.Stats().Events; got != 2*5 {
		t.Fatalf("%d events, want 10", got)
	}
	if _, err := New(Config{HistoryDays: 1, SeedProfile: "../../testdata/emulator/keytable.json"}); err == nil {
		t.Fatal("a file that is not a profile was accepted")
	}
}

func TestHistoryCapDropsOldest(t *testing.T) {
	s, endpoint := startServer(t, Config{Seed: 5, HistoryDays: 2, HistoryCap: 50, Rate: -1, Now: func() time.Time { return testNow }})
	const seeded = 2*300 + 2*3 + 1 + 3*2 // calls, console and root sign-ins, Insights pairs
	st := s.Stats()
	if st.Events != 50 || st.Dropped != seeded-50 {
		t.Fatalf("stats %+v", st)
	}
	regions := []string{"us-east-1", "eu-west-1", "us-west-2", "ap-southeast-2"}
	total := 0
	for _, region := range regions {
		for _, insight := range []bool{false, true} {
			evs, _ := s.history.lookup(lookupQuery{account: DefaultAccountID, region: region, start: testNow.Add(-lookupWindow), end: testNow, insight: insight, limit: 50})
			total += len(evs)
		}
	}
	if total != 50 {
		t.Fatalf("the history answers %d events, want the 50 kept", total)
	}
	// Recorded calls push out the oldest events; what LookupEvents returns
	// is never older than what the history keeps.
	for _, region := range regions {
		var oldest struct {
			EventTime time.Time `json:"eventTime"`
		}
		json.Unmarshal(s.history.all()[0], &oldest)
		out, err := ctClient(endpoint, KeyAlice, region).LookupEvents(context.Background(), &cloudtrail.LookupEventsInput{})
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range out.Events {
			if e.EventTime.Before(oldest.EventTime) {
				t.Fatalf("event at %v is older than the oldest kept (%v)", e.EventTime, oldest.EventTime)
			}
		}
	}
	if st := s.Stats(); st.Events != 50 || st.Dropped != seeded-50+4 {
		t.Fatalf("after 4 recorded calls: stats %+v", st)
	}
}

func TestPersistenceAcrossRestarts(t *testing.T) {
	dir := t.TempDir()
	clock := func() time.Time { return testNow }
	s1, endpoint := startServer(t, Config{DataDir: dir, Seed: 9, HistoryDays: 1, Rate: -1, Now: clock})
	ct := ctClient(endpoint, KeyAlice, "us-east-1")
	ctx := context.Background()
	if _, err := ct.LookupEvents(ctx, &cloudtrail.LookupEventsInput{}); err != nil {
		t.Fatal(err)
	}
	keys1, err := ct.ListPublicKeys(ctx, &cloudtrail.ListPublicKeysInput{})
	if err != nil || len(keys1.PublicKeyList) != 1 {
		t.Fatalf("list public keys: %v %+v", err, keys1)
	}
	if _, err := bucketClient(endpoint).CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("kept-bucket")}); err != nil {
		t.Fatal(err)
	}
	if _, err := ct.CreateTrail(ctx, &cloudtrail.CreateTrailInput{Name: aws.String("kept"), S3BucketName: aws.String("kept-bucket"),
		EnableLogFileValidation: aws.Bool(true)}); err != nil {
		t.Fatal(err)
	}
	if _, err := ct.StartLogging(ctx, &cloudtrail.StartLoggingInput{Name: aws.String("kept")}); err != nil {
		t.Fatal(err)
	}
	s1.Deliver(testNow.Add(time.Minute))
	before := s1.history.all()
	if err := s1.Close(); err != nil {
		t.Fatal(err)
	}

	// Another seed: the stored history must win over seeding.
	s2, endpoint2 := startServer(t, Config{DataDir: dir, Seed: 10, HistoryDays: 1, Rate: -1, Now: clock})
	after := s2.history.all()
	if len(after) != len(before) {
		t.Fatalf("%d events after restart, %d before", len(after), len(before))
	}
	for i := range before {
		if !bytes.Equal(before[i], after[i]) {
			t.Fatalf("event %d changed across the restart", i)
		}
	}
	ct2 := ctClient(endpoint2, KeyAlice, "us-east-1")
	keys2, err := ct2.ListPublicKeys(ctx, &cloudtrail.ListPublicKeysInput{})
	if err != nil || len(keys2.PublicKeyList) != 1 ||
		*keys2.PublicKeyList[0].Fingerprint != *keys1.PublicKeyList[0].Fingerprint {
		t.Fatalf("signing key changed across the restart: %v", err)
	}
	st, err := ct2.GetTrailStatus(ctx, &cloudtrail.GetTrailStatusInput{Name: aws.String("kept")})
	if err != nil || !aws.ToBool(st.IsLogging) || st.LatestDigestDeliveryTime == nil {
		t.Fatalf("trail after restart: %v %+v", err, st)
	}
	// The digest chain continues across the restart.
	s2.Deliver(testNow.Add(2 * time.Minute))
	sc := bucketClient(endpoint2)
	digests := listKeys(t, sc, "kept-bucket", "AWSLogs/123456789012/CloudTrail-Digest/us-east-1/")
	if len(digests) != 2 {
		t.Fatalf("digests %v", digests)
	}
	body, _, _, err := getObject(ctx, sc, "kept-bucket", digests[1])
	if err != nil || !bytes.Contains(body, []byte(`"previousDigestS3Object":"`+strings.ReplaceAll(digests[0], "/", `\/`)+`"`)) {
		t.Fatalf("second digest does not chain to the first: %v %s", err, body)
	}
}

func TestDeliveryLoopAndFailures(t *testing.T) {
	_, endpoint := startServer(t, Config{Rate: -1, DeliveryInterval: 20 * time.Millisecond, DigestInterval: 20 * time.Millisecond})
	ctx := context.Background()
	sc := bucketClient(endpoint)
	ct := ctClient(endpoint, KeyAlice, "us-east-1")
	if _, err := sc.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("flaky-bucket")}); err != nil {
		t.Fatal(err)
	}
	if _, err := ct.CreateTrail(ctx, &cloudtrail.CreateTrailInput{Name: aws.String("loop"), S3BucketName: aws.String("flaky-bucket"),
		EnableLogFileValidation: aws.Bool(true)}); err != nil {
		t.Fatal(err)
	}
	if _, err := sc.DeleteBucket(ctx, &s3.DeleteBucketInput{Bucket: aws.String("flaky-bucket")}); err != nil {
		t.Fatal(err)
	}
	if _, err := ct.StartLogging(ctx, &cloudtrail.StartLoggingInput{Name: aws.String("loop")}); err != nil {
		t.Fatal(err)
	}
	status := func(done func(*cloudtrail.GetTrailStatusOutput) bool) *cloudtrail.GetTrailStatusOutput {
		t.Helper()
		for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
			st, err := ct.GetTrailStatus(ctx, &cloudtrail.GetTrailStatusInput{Name: aws.String("loop")})
			if err != nil {
				t.Fatal(err)
			}
			if done(st) {
				return st
			}
		}
		t.Fatal("the delivery loop did not get there")
		return nil
	}
	st := status(func(st *cloudtrail.GetTrailStatusOutput) bool { return aws.ToString(st.LatestDeliveryError) != "" })
	if aws.ToString(st.LatestDeliveryError) != "NoSuchBucket" || st.LatestDeliveryTime != nil {
		t.Fatalf("status with the bucket gone: %+v", st)
	}
	// Once the bucket is back, the events held back are delivered.
	if _, err := sc.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("flaky-bucket")}); err != nil {
		t.Fatal(err)
	}
	status(func(st *cloudtrail.GetTrailStatusOutput) bool {
		return st.LatestDeliveryTime != nil && st.LatestDigestDeliveryTime != nil && aws.ToString(st.LatestDeliveryError) == ""
	})
	logs := listKeys(t, sc, "flaky-bucket", "AWSLogs/123456789012/CloudTrail/")
	found := false
	for _, k := range logs {
		body, _, _, err := getObject(ctx, sc, "flaky-bucket", k)
		if err != nil {
			t.Fatal(err)
		}
		found = found || bytes.Contains(body, []byte(`"eventName":"StartLogging"`))
	}
	if !found {
		t.Fatalf("the StartLogging event held back was never delivered (%d log files)", len(logs))
	}
}

func FuzzCloudTrailHandler(f *testing.F) {
	for _, seed := range []struct{ target, ctype, body string }{
		{"CloudTrail_20131101.LookupEvents", "application/x-amz-json-1.1", `{"MaxResults":3}`},
		{"CloudTrail_20131101.LookupEvents", "application/x-amz-json-1.1", `{"LookupAttributes":[{"AttributeKey":"EventName","AttributeValue":"x"}],"StartTime":1.5e9,"EndTime":1.7e9}`},
		{"CloudTrail_20131101.LookupEvents", "application/x-amz-json-1.1", `{"NextToken":"abc","EventCategory":"insight"}`},
		{"CloudTrail_20131101.CreateTrail", "application/x-amz-json-1.1", `{"Name":"t1","S3BucketName":"b"}`},
		{"CloudTrail_20131101.GetTrailStatus", "application/x-amz-json-1.1", `{"Name":"arn:aws:cloudtrail:us-east-1:123456789012:trail/t1"}`},
		{"com.amazonaws.cloudtrail.v20131101.CloudTrail_20131101.DescribeTrails", "application/x-amz-json-1.1", `{"trailNameList":["a"]}`},
		{"CloudTrail_20131101.ListPublicKeys", "application/x-amz-json-1.1", `{"StartTime":1e20}`},
		{"CloudTrail_20131101.StartLogging", "text/plain", `{`},
	} {
		f.Add(seed.target, seed.ctype, []byte(seed.body))
	}
	s := newServer(f, Config{Rate: -1, HistoryCap: 1000, Logf: func(string, ...any) {}})
	h := s.Handler()
	f.Fuzz(func(t *testing.T, target, ctype string, body []byte) {
		r := httptest.NewRequest(http.MethodPost, "/", bytes.NewReader(body))
		r.Header.Set("Authorization", testAuth)
		r.Header.Set("X-Amz-Target", target)
		r.Header.Set("Content-Type", ctype)
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		if w.Code != http.StatusOK && w.Code != http.StatusBadRequest {
			t.Fatalf("status %d for %q %q", w.Code, target, body)
		}
		if !json.Valid(w.Body.Bytes()) {
			t.Fatalf("answer is not JSON: %q", w.Body.String())
		}
		if w.Code == http.StatusBadRequest && !strings.Contains(w.Body.String(), `"__type"`) {
			t.Fatalf("error without __type: %s", w.Body.String())
		}
	})
}

// BenchmarkLookupEvents measures one LookupEvents page over real HTTP with
// 90 days of seeded history (about 27,000 events).
func BenchmarkLookupEvents(b *testing.B) {
	s := newServer(b, Config{Seed: 1, HistoryDays: 90, Rate: -1, Logf: func(string, ...any) {}})
	endpoint, err := s.Start("127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	ct := ctClient(endpoint, KeyAlice, "us-west-2")
	in := &cloudtrail.LookupEventsInput{LookupAttributes: []types.LookupAttribute{
		{AttributeKey: types.LookupAttributeKeyUsername, AttributeValue: aws.String("alice")}}}
	b.ResetTimer()
	for b.Loop() {
		if _, err := ct.LookupEvents(context.Background(), in); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkRecord measures recording one call into a full history.
func BenchmarkRecord(b *testing.B) {
	s := newServer(b, Config{Seed: 1, HistoryDays: 30, HistoryCap: 5000, Logf: func(string, ...any) {}})
	req := &Request{Region: "us-east-1", Caller: s.keys.caller(KeyAlice, testNow), SourceIP: "127.0.0.1", UserAgent: "bench"}
	b.ResetTimer()
	for b.Loop() {
		req.Received = time.Now()
		s.Record(Call{Request: req, EventSource: "ec2.amazonaws.com", EventName: "DescribeInstances", ReadOnly: true,
			RequestParameters: map[string]any{"instancesSet": map[string]any{}}})
	}
}
