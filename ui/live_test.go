package ui

import (
	"context"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/charmbracelet/colorprofile"
	"github.com/charmbracelet/x/exp/teatest/v2"

	"github.com/lazytrail/lazytrail/model"
	"github.com/lazytrail/lazytrail/source"
	"github.com/lazytrail/lazytrail/source/emulator"
	"github.com/lazytrail/lazytrail/source/emulator/emulatortest"
	"github.com/lazytrail/lazytrail/source/lookup"
)

// The live source is what follow mode is for.
var _ source.Follower = (*lookup.Source)(nil)

// startLive starts an emulator with a few recorded calls by bob in the
// last hour and opens the live source on it as alice.
func startLive(t *testing.T) (*emulator.Server, string, *lookup.Source) {
	t.Helper()
	emulatortest.IsolateAWS(t)
	srv, endpoint := emulatortest.Start(t, emulator.Config{Rate: -1, Logf: t.Logf})
	now := time.Now().UTC()
	for i := range 12 {
		srv.Record(emulator.Call{
			Request: &emulator.Request{
				Service: "ec2", Region: "us-east-1", Received: now.Add(-time.Duration(i+1) * 3 * time.Minute),
				SourceIP: "192.0.2.10",
				Caller: emulator.Caller{AccessKeyID: "AKIABOB", AccountID: srv.AccountID(), UserIdentity: map[string]any{
					"type": "IAMUser", "userName": "bob", "accountId": srv.AccountID(),
					"arn": "arn:aws:iam::" + srv.AccountID() + ":user/bob", "accessKeyId": "AKIABOB",
				}},
			},
			EventSource: "ec2.amazonaws.com", EventName: "DescribeInstances", ReadOnly: true,
		})
	}
	src, err := lookup.New(context.Background(), lookup.Config{
		Regions: []string{"us-east-1"}, EndpointURL: endpoint, Rate: 100,
		Credentials: credentials.NewStaticCredentialsProvider(emulator.KeyAlice, "test-secret", ""),
	})
	if err != nil {
		t.Fatal(lookup.Explain(err))
	}
	return srv, endpoint, src
}

// liveOptions are the options main.go gives the interface for the live
// API, with fast polling.
func liveOptions(src *lookup.Source) Options {
	return Options{
		Follow:      true,
		FollowEvery: 100 * time.Millisecond,
		Pushdown:    src.Pushdown,
		Plan: func(f *model.Filter, insights bool) (string, string) {
			p := src.Plan(f, insights)
			return p.Server, p.Local
		},
		Explain: lookup.Explain,
	}
}

// runInstances launches an instance on the emulator with the real EC2
// client, as the deploy role.
func runInstances(t *testing.T, endpoint string) {
	t.Helper()
	_, err := ec2.NewFromConfig(emulatortest.AWSConfig(endpoint, emulator.KeyDeploy)).RunInstances(context.Background(), &ec2.RunInstancesInput{
		ImageId: aws.String("ami-12345678"), MinCount: aws.Int32(1), MaxCount: aws.Int32(1),
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestLiveFlow drives the real program over the live source and the
// emulator: follow mode picks up an instance launched after the start
// without moving the selection, the insights key reads the source again,
// and a poll the server refuses shows one clean line with the events kept.
func TestLiveFlow(t *testing.T) {
	srv, endpoint, src := startLive(t)
	p := &probe{Model: New(src, liveOptions(src))}
	tm := teatest.NewTestModel(t, p,
		teatest.WithInitialTermSize(100, 30),
		teatest.WithProgramOptions(tea.WithColorProfile(colorprofile.Ascii)))
	p.waitFor(t, "the load and the first poll", func(s snapshot) bool {
		return s.state == loadDone && s.names["DescribeInstances"] && strings.Contains(s.status, "following, polled")
	})
	// Rows keep arriving (the source's own polls are recorded too), so the
	// event chosen is the one highlighted once the key has been handled.
	tm.Type("j")
	var selected string
	p.waitFor(t, "a row below the newest", func(s snapshot) bool {
		selected = s.selected
		return s.cursor > 0
	})

	runInstances(t, endpoint)
	p.waitFor(t, "RunInstances to arrive", func(s snapshot) bool { return s.names["RunInstances"] })
	if s := p.last.Load(); s.selected != selected {
		t.Fatalf("selection moved from %s to %s when new events arrived", selected, s.selected)
	}

	before := p.last.Load().reqID
	tm.Type("i")
	p.waitFor(t, "the Insights read", func(s snapshot) bool {
		return s.reqID > before && s.state == loadDone && strings.Contains(s.status, "insights")
	})
	tm.Type("i")
	p.waitFor(t, "management events again", func(s snapshot) bool {
		return s.state == loadDone && !strings.Contains(s.status, "insights") && s.names["RunInstances"]
	})

	// A call that fails reads as one line, and the events stay.
	total := p.last.Load().total
	if err := srv.Close(); err != nil {
		t.Fatal(err)
	}
	// Follow mode polls every 100 ms, so the next poll is the call refused.
	p.waitFor(t, "the failed poll", func(s snapshot) bool { return strings.Contains(s.status, "follow failed") })
	s := p.last.Load()
	if !strings.Contains(s.status, " follow failed (r retries): cannot reach "+endpoint) {
		t.Errorf("status = %q, want the reason on one line", s.status)
	}
	if s.total < total {
		t.Errorf("the store holds %d events after the failure, %d before", s.total, total)
	}
	tm.Type("q")
	tm.FinalModel(t, teatest.WithFinalTimeout(10*time.Second))
}
