package lookup

import (
	"context"
	"errors"
	"io"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/lazytrail/lazytrail/model"
	"github.com/lazytrail/lazytrail/source"
	"github.com/lazytrail/lazytrail/source/emulator"
	"github.com/lazytrail/lazytrail/source/emulator/emulatortest"
)

// base is the newest seeded eventTime: well before the calls a test makes,
// which the emulator records too, and which the tests' queries exclude.
var base = time.Now().UTC().Add(-2 * time.Hour).Truncate(time.Second)

// seeded describes one event to record.
type seeded struct {
	region, user, name, source, resource string
	readOnly                             bool
	at                                   time.Time
}

// seed records events into the emulator's history as calls by alice's
// account (the default one).
func seed(srv *emulator.Server, events []seeded) {
	for _, s := range events {
		call := emulator.Call{
			Request: &emulator.Request{
				Service:  "cloudtrail",
				Region:   s.region,
				Received: s.at,
				SourceIP: "192.0.2.10",
				Caller: emulator.Caller{
					AccessKeyID: "AKIA" + strings.ToUpper(s.user),
					AccountID:   srv.AccountID(),
					UserIdentity: map[string]any{
						"type": "IAMUser", "userName": s.user, "accountId": srv.AccountID(),
						"arn": "arn:aws:iam::" + srv.AccountID() + ":user/" + s.user, "accessKeyId": "AKIA" + strings.ToUpper(s.user),
					},
				},
			},
			EventSource: s.source,
			EventName:   s.name,
			ReadOnly:    s.readOnly,
		}
		if s.resource != "" {
			call.Resources = []emulator.Resource{{
				ARN: "arn:aws:ec2:" + s.region + ":" + srv.AccountID() + ":instance/" + s.resource, AccountID: srv.AccountID(),
				Type: "AWS::EC2::Instance",
			}}
		}
		srv.Record(call)
	}
}

// series makes n events in region, one every step back from base.
func series(region string, n int, step time.Duration) []seeded {
	users := []string{"alice", "bob", "carol"}
	names := []string{"DescribeInstances", "RunInstances", "GetObject", "ListBuckets"}
	out := make([]seeded, n)
	for i := range out {
		out[i] = seeded{
			region: region, user: users[i%len(users)], name: names[i%len(names)],
			source: "ec2.amazonaws.com", readOnly: i%2 == 0, at: base.Add(-time.Duration(i) * step),
		}
		if out[i].name == "GetObject" || out[i].name == "ListBuckets" {
			out[i].source = "s3.amazonaws.com"
		}
	}
	return out
}

// newSource opens a lookup source on the emulator as alice.
func newSource(t testing.TB, endpoint string, regions []string, rate float64) *Source {
	t.Helper()
	isolateAWS(t, emulator.KeyAlice, "us-east-1")
	src, err := New(context.Background(), Config{Regions: regions, EndpointURL: endpoint, Rate: rate})
	if err != nil {
		t.Fatal(Explain(err))
	}
	return src
}

// seededQuery selects the seeded events and none of the recorded calls.
func seededQuery() source.Query {
	return source.Query{Start: base.Add(-30 * 24 * time.Hour), End: base}
}

// readAll drains a cursor, checking the contract on the way.
func readAll(t testing.TB, cur source.Cursor) ([]model.Event, source.Progress) {
	t.Helper()
	var all []model.Event
	var last source.Progress
	for {
		page, err := cur.Next(context.Background())
		all = append(all, page.Events...)
		last = page.Progress
		for _, p := range page.Problems {
			t.Errorf("problem: %v", p)
		}
		if errors.Is(err, io.EOF) {
			return all, last
		}
		if err != nil {
			t.Fatal(Explain(err))
		}
	}
}

// checkOrder fails unless events are newest first with no eventID twice.
func checkOrder(t testing.TB, events []model.Event) {
	t.Helper()
	seen := map[string]bool{}
	for i, e := range events {
		if seen[e.ID] {
			t.Fatalf("event %s (%d) returned twice", e.ID, i)
		}
		seen[e.ID] = true
		if i > 0 && e.Time.After(events[i-1].Time) {
			t.Fatalf("event %d at %s follows one at %s: not newest first", i, e.Time, events[i-1].Time)
		}
	}
}

func TestScanReturnsEveryEventOnceInOrder(t *testing.T) {
	srv, endpoint := emulatortest.Start(t, emulator.Config{})
	events := series("us-east-1", 237, time.Minute)
	// Several events share a second, as in busy accounts.
	for i := 100; i < 110; i++ {
		events[i].at = events[100].at
	}
	seed(srv, events)
	src := newSource(t, endpoint, nil, 0)
	cur, err := src.Open(context.Background(), seededQuery())
	if err != nil {
		t.Fatal(err)
	}
	got, progress := readAll(t, cur)
	checkOrder(t, got)
	if len(got) != len(events) {
		t.Fatalf("got %d events, want %d", len(got), len(events))
	}
	for i, e := range got {
		if !e.Time.Equal(events[i].at) || e.Region != "us-east-1" || len(e.Raw) == 0 {
			t.Fatalf("event %d: time %s region %q raw %d bytes; want time %s", i, e.Time, e.Region, len(e.Raw), events[i].at)
		}
	}
	wantPages := (len(events) + pageSize - 1) / pageSize
	// Requests may exceed pages: an attempt the SDK retried counts too.
	if progress.Events != len(events) || progress.UnitsDone != wantPages || progress.Requests < wantPages ||
		!progress.Reached.Equal(seededQuery().Start) {
		t.Fatalf("progress = %+v, want %d events in %d pages, reached %s", progress, len(events), wantPages, seededQuery().Start)
	}
}

func TestPushedAttributeReachesTheServer(t *testing.T) {
	srv, endpoint := emulatortest.Start(t, emulator.Config{Rate: -1})
	events := series("us-east-1", 60, time.Minute)
	events[7].resource = "i-0123456789abcdef0"
	seed(srv, events)
	src := newSource(t, endpoint, nil, 100)
	all, _ := readAll(t, mustOpen(t, src, seededQuery()))
	target := all[5]
	cases := []struct {
		terms []model.Term
		want  func(e model.Event) bool
	}{
		{[]model.Term{term("id", target.ID)}, func(e model.Event) bool { return e.ID == target.ID }},
		{[]model.Term{term("accesskey", "akiabob")}, func(e model.Event) bool { return e.AccessKeyID == "AKIABOB" }},
		{[]model.Term{term("user", "carol")}, func(e model.Event) bool { return e.Who == "carol" }},
		{[]model.Term{term("resource", "i-0123456789abcdef0")}, func(e model.Event) bool { return len(e.Resources) > 0 }},
		{[]model.Term{term("event", "RunInstances")}, func(e model.Event) bool { return e.Name == "RunInstances" }},
		{[]model.Term{term("resource", "AWS::EC2::Instance")}, func(e model.Event) bool { return len(e.Resources) > 0 }},
		{[]model.Term{term("source", "s3")}, func(e model.Event) bool { return e.Source == "s3.amazonaws.com" }},
		{[]model.Term{term("readonly", "false")}, func(e model.Event) bool { return e.ReadOnly == model.ReadOnlyFalse }},
	}
	for _, c := range cases {
		attr, _ := pushdown(c.terms, false)
		if attr == nil {
			t.Fatalf("%v: nothing pushed", c.terms)
		}
		q := seededQuery()
		q.Attribute = attr
		got, _ := readAll(t, mustOpen(t, src, q))
		want := slices.DeleteFunc(slices.Clone(all), func(e model.Event) bool { return !c.want(e) })
		if len(want) == 0 || len(got) != len(want) {
			t.Fatalf("%s=%s: got %d events, want %d (of %d)", attr.Key, attr.Value, len(got), len(want), len(all))
		}
		for i := range got {
			if got[i].ID != want[i].ID {
				t.Fatalf("%s=%s: event %d is %s, want %s", attr.Key, attr.Value, i, got[i].ID, want[i].ID)
			}
		}
	}
}

func mustOpen(t testing.TB, src *Source, q source.Query) source.Cursor {
	t.Helper()
	cur, err := src.Open(context.Background(), q)
	if err != nil {
		t.Fatal(err)
	}
	return cur
}

func TestCancelledScanResumes(t *testing.T) {
	srv, endpoint := emulatortest.Start(t, emulator.Config{Rate: -1})
	events := series("us-east-1", 130, time.Minute)
	seed(srv, events)
	// One request a second: the second page cannot come before the test
	// cancels it.
	src := newSource(t, endpoint, nil, 1)
	cur := mustOpen(t, src, seededQuery())
	first, err := cur.Next(context.Background())
	if err != nil || len(first.Events) != pageSize {
		t.Fatalf("first page: %d events, %v", len(first.Events), err)
	}
	if err := cancelledNext(cur); !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled Next = %v, want context.Canceled", err)
	}
	// The same cursor resumes where it stopped: the rest comes exactly once.
	rest, _ := readAll(t, cur)
	all := append(first.Events, rest...)
	checkOrder(t, all)
	if len(all) != len(events) {
		t.Fatalf("got %d events after resuming, want %d", len(all), len(events))
	}
}

func TestThrottlingIsAbsorbed(t *testing.T) {
	// The emulator allows 2 requests a second; the source is told it may
	// send 20, so the server throttles and the retries must carry the scan.
	srv, endpoint := emulatortest.Start(t, emulator.Config{})
	events := series("us-east-1", 400, time.Minute)
	seed(srv, events)
	src := newSource(t, endpoint, nil, 20)
	cur := mustOpen(t, src, seededQuery())
	got, progress := readAll(t, cur)
	checkOrder(t, got)
	if len(got) != len(events) {
		t.Fatalf("got %d events, want %d", len(got), len(events))
	}
	regions := cur.(*Cursor).Regions()
	if regions[0].Throttled == 0 {
		t.Fatalf("no attempt was throttled (%+v): the test did not exercise retries", regions[0])
	}
	if r := regions[0]; progress.Requests != r.Requests || r.Requests < r.Pages+r.Throttled {
		t.Fatalf("progress %+v and region %+v disagree on the requests sent", progress, r)
	}
}

func TestRegionsMergeIntoOneTimeline(t *testing.T) {
	srv, endpoint := emulatortest.Start(t, emulator.Config{Rate: -1})
	// A dense region, a sparse one whose events sit between the dense
	// region's pages, and one with a burst of ties at the same second.
	dense := series("us-east-1", 180, 20*time.Second)
	sparse := series("eu-west-1", 25, 7*time.Minute+13*time.Second)
	ties := series("ap-south-1", 60, 0)
	for i := range ties {
		ties[i].at = base.Add(-30 * time.Minute)
	}
	seed(srv, dense)
	seed(srv, sparse)
	seed(srv, ties)
	want := slices.Concat(dense, sparse, ties)
	slices.SortStableFunc(want, func(a, b seeded) int { return b.at.Compare(a.at) })

	src := newSource(t, endpoint, []string{"us-east-1", "eu-west-1", "ap-south-1"}, 100)
	if src.Name() != "us-east-1,eu-west-1,ap-south-1 via "+endpoint {
		t.Errorf("Name() = %q", src.Name())
	}
	cur := mustOpen(t, src, seededQuery())
	got, progress := readAll(t, cur)
	checkOrder(t, got)
	if len(got) != len(want) || progress.Events != len(want) {
		t.Fatalf("got %d events (progress %d), want %d", len(got), progress.Events, len(want))
	}
	for i := range got {
		if !got[i].Time.Equal(want[i].at) {
			t.Fatalf("event %d at %s (%s), want %s", i, got[i].Time, got[i].Region, want[i].at)
		}
	}
	for _, r := range cur.(*Cursor).Regions() {
		if !r.Done || r.Err != nil {
			t.Errorf("region %+v not done", r)
		}
	}
}

func TestAllRegionsComeFromDescribeRegions(t *testing.T) {
	srv, endpoint := emulatortest.Start(t, emulator.Config{Rate: -1})
	seed(srv, series("sa-east-1", 3, time.Minute))
	seed(srv, series("us-west-2", 3, time.Minute+time.Second))
	// No default region: "all" needs none.
	isolateAWS(t, emulator.KeyAlice, "")
	src, err := New(context.Background(), Config{Regions: []string{AllRegions}, EndpointURL: endpoint, Rate: 100})
	if err != nil {
		t.Fatal(Explain(err))
	}
	regions := src.Regions()
	if len(regions) < 2 || !slices.Contains(regions, "sa-east-1") || !slices.Contains(regions, "us-east-1") {
		t.Fatalf("regions = %v", regions)
	}
	got, _ := readAll(t, mustOpen(t, src, seededQuery()))
	checkOrder(t, got)
	if len(got) != 6 {
		t.Fatalf("got %d events from %d regions, want 6", len(got), len(regions))
	}
}

func TestFollowPicksUpNewEventsOnce(t *testing.T) {
	srv, endpoint := emulatortest.Start(t, emulator.Config{Rate: -1})
	src := newSource(t, endpoint, []string{"us-east-1", "eu-west-1"}, 100)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	follow := src.Follow(source.Query{}, time.Now().Add(-time.Minute), 20*time.Millisecond)
	defer follow.Close()

	// Events made after the follow started, in both regions, reach it.
	now := time.Now().UTC().Truncate(time.Second)
	seed(srv, []seeded{
		{region: "eu-west-1", user: "bob", name: "TerminateInstances", source: "ec2.amazonaws.com", at: now},
		{region: "us-east-1", user: "alice", name: "RunInstances", source: "ec2.amazonaws.com", at: now},
	})
	found := map[string]int{}
	for polls := 0; found["RunInstances"] == 0 || found["TerminateInstances"] == 0 || polls < 5; polls++ {
		page, err := follow.Next(ctx)
		if err != nil {
			t.Fatalf("follow: %v (found %v)", Explain(err), found)
		}
		checkOrder(t, page.Events)
		for _, e := range page.Events {
			found[e.Name]++
			if found[e.Name] > 1 && (e.Name == "RunInstances" || e.Name == "TerminateInstances") {
				t.Fatalf("%s yielded twice", e.Name)
			}
		}
	}
	// The source's own polls are recorded as LookupEvents calls, as AWS
	// does; they too arrive, and each only once.
	if found["LookupEvents"] == 0 {
		t.Fatalf("found %v, want the source's own LookupEvents calls too", found)
	}
}

func TestFollowCancelReturnsPromptly(t *testing.T) {
	_, endpoint := emulatortest.Start(t, emulator.Config{Rate: -1})
	src := newSource(t, endpoint, nil, 100)
	follow := src.Follow(source.Query{Attribute: &source.Attribute{Key: source.AttrEventName, Value: "NeverCalled"}},
		time.Now(), time.Hour)
	if err := cancelledNext(follow); !errors.Is(err, context.Canceled) {
		t.Fatalf("Next = %v, want context.Canceled", err)
	}
}

func TestInsightsQuerySendsOnlyInsightAttributes(t *testing.T) {
	srv, endpoint := emulatortest.Start(t, emulator.Config{Rate: -1})
	seed(srv, series("us-east-1", 10, time.Minute))
	src := newSource(t, endpoint, nil, 100)
	q := seededQuery()
	q.Insights = true
	// Username cannot be sent with insight; the server would refuse it.
	q.Attribute = &source.Attribute{Key: source.AttrUsername, Value: "alice"}
	got, _ := readAll(t, mustOpen(t, src, q))
	if len(got) != 0 {
		t.Fatalf("got %d management events for an Insights query", len(got))
	}
}

func TestClosedCursorFails(t *testing.T) {
	_, endpoint := emulatortest.Start(t, emulator.Config{Rate: -1})
	src := newSource(t, endpoint, nil, 100)
	cur := mustOpen(t, src, seededQuery())
	if err := cur.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := cur.Next(context.Background()); !errors.Is(err, errClosed) {
		t.Fatalf("Next after Close = %v", err)
	}
}

// cancelledNext calls cur.Next with a context cancelled while the call is
// under way and returns its error.
func cancelledNext(cur source.Cursor) error {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		_, err := cur.Next(ctx)
		done <- err
	}()
	cancel()
	return <-done
}
