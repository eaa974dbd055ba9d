package ui

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"testing"
	"time"

	"charm.land/bubbles/v2/spinner"
	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/colorprofile"
	"github.com/charmbracelet/x/ansi"

	"github.com/lazytrail/lazytrail/model"
	"github.com/lazytrail/lazytrail/source"
)

// testNow is the clock of every test model: an hour after the newest
// generated event.
var testNow = time.Date(2026, 11, 20, 13, 0, 0, 0, time.UTC)

// identities used by genRecord, in turn.
var identities = []string{
	`{"type":"IAMUser","principalId":"AIDA1","arn":"arn:aws:iam::123456789012:user/alice","accountId":"123456789012","accessKeyId":"AKIAALICE","userName":"alice"}`,
	`{"type":"AssumedRole","principalId":"AROA1:deploy","arn":"arn:aws:sts::123456789012:assumed-role/deploy-bot/session-42","accountId":"123456789012","accessKeyId":"ASIADEPLOY","sessionContext":{"sessionIssuer":{"type":"Role","principalId":"AROA1","arn":"arn:aws:iam::123456789012:role/deploy-bot","accountId":"123456789012","userName":"deploy-bot"}}}`,
	`{"type":"IAMUser","principalId":"AIDA2","arn":"arn:aws:iam::123456789012:user/bob","accountId":"123456789012","accessKeyId":"AKIABOB","userName":"bob"}`,
	`{"type":"AWSService","invokedBy":"ec2.amazonaws.com"}`,
	`{"type":"Root","principalId":"123456789012","arn":"arn:aws:iam::123456789012:root","accountId":"123456789012"}`,
}

var calls = []struct{ source, name, region, ip string }{
	{"ec2.amazonaws.com", "RunInstances", "us-east-1", "203.0.113.10"},
	{"s3.amazonaws.com", "PutBucketPolicy", "eu-west-1", "198.51.100.7"},
	{"iam.amazonaws.com", "CreateUser", "us-east-1", "203.0.113.99"},
	{"ec2.amazonaws.com", "DescribeInstances", "ap-southeast-2", "ec2.amazonaws.com"},
	{"sts.amazonaws.com", "AssumeRole", "us-west-2", "192.0.2.200"},
	{"cloudtrail.amazonaws.com", "LookupEvents", "us-east-1", "2001:db8::1234:5678"},
}

// genRecord returns the i-th generated CloudTrail record, one a minute back
// from an hour before testNow; every seventh call failed.
func genRecord(i int) []byte {
	c := calls[i%len(calls)]
	t := testNow.Add(-time.Hour - time.Duration(i)*time.Minute)
	errPart := ""
	if i%7 == 3 {
		errPart = `,"errorCode":"AccessDenied","errorMessage":"User is not authorized to perform this operation"`
	}
	q := func(s string) string { b, _ := json.Marshal(s); return string(b) }
	return fmt.Appendf(nil, `{"eventVersion":"1.09","userIdentity":%s,"eventTime":%s,"eventSource":%s,"eventName":%s,`+
		`"awsRegion":%s,"sourceIPAddress":%s,"userAgent":"aws-cli/2.15.30","requestParameters":{"instanceType":"t3.micro","count":%d,"dryRun":false,"tags":null}%s,`+
		`"eventID":"evt-%04d","readOnly":%t,"resources":[{"ARN":"arn:aws:ec2:us-east-1:123456789012:instance/i-%04d","type":"AWS::EC2::Instance"}],`+
		`"eventType":"AwsApiCall","eventCategory":"Management","recipientAccountId":"123456789012"}`,
		identities[i%len(identities)], q(t.Format(time.RFC3339)), q(c.source), q(c.name), q(c.region), q(c.ip), i%3+1, errPart,
		i, c.name == "DescribeInstances", i)
}

// genEvents parses n generated records.
func genEvents(tb testing.TB, n int) []model.Event {
	tb.Helper()
	p := model.NewParser()
	out := make([]model.Event, n)
	for i := range out {
		ev, err := p.Parse(genRecord(i))
		if err != nil {
			tb.Fatalf("parse record %d: %v", i, err)
		}
		out[i] = ev
	}
	return out
}

// sliceSource serves fixed events in pages, newest first as given, keeping
// the events inside the query's time range.
type sliceSource struct {
	events   []model.Event
	problems []source.Problem // reported with the first page
	pageSize int
	opens    []source.Query
	cursors  []*sliceCursor
}

func (s *sliceSource) Name() string { return "test source" }

func (s *sliceSource) Open(ctx context.Context, q source.Query) (source.Cursor, error) {
	s.opens = append(s.opens, q)
	var evs []model.Event
	for _, e := range s.events {
		if (q.Start.IsZero() || !e.Time.Before(q.Start)) && (q.End.IsZero() || !e.Time.After(q.End)) {
			evs = append(evs, e)
		}
	}
	c := &sliceCursor{events: evs, problems: s.problems, size: max(s.pageSize, 1)}
	s.cursors = append(s.cursors, c)
	return c, nil
}

type sliceCursor struct {
	events   []model.Event
	problems []source.Problem
	size     int
	pos      int
	closed   bool
}

func (c *sliceCursor) Next(ctx context.Context) (source.Page, error) {
	if err := ctx.Err(); err != nil {
		return source.Page{}, err
	}
	end := min(c.pos+c.size, len(c.events))
	page := source.Page{Events: c.events[c.pos:end], Problems: c.problems}
	c.problems = nil
	c.pos = end
	page.Progress = source.Progress{UnitsDone: (end + c.size - 1) / c.size, Events: end}
	if end == len(c.events) {
		return page, io.EOF
	}
	return page, nil
}

func (c *sliceCursor) Close() error {
	c.closed = true
	return nil
}

// newTestModel returns a model over src with the test clock, ASCII styles
// and the given size.
func newTestModel(src source.Source, opts Options, w, h int) *Model {
	m := newModel(src, opts, func() time.Time { return testNow })
	m.Update(tea.ColorProfileMsg{Profile: colorprofile.Ascii})
	m.Update(tea.WindowSizeMsg{Width: w, Height: h})
	return m
}

// drive runs cmd and every command the messages it produces lead to, feeding
// the messages to m, until none are left. Spinner ticks are dropped, so
// loads run to completion without waiting on frames.
func drive(tb testing.TB, m *Model, cmd tea.Cmd) {
	tb.Helper()
	queue := []tea.Cmd{cmd}
	for steps := 0; len(queue) > 0; steps++ {
		if steps > 100000 {
			tb.Fatal("drive: commands do not settle")
		}
		c := queue[0]
		queue = queue[1:]
		if c == nil {
			continue
		}
		switch msg := c().(type) {
		case nil, spinner.TickMsg:
		case tea.BatchMsg:
			queue = append(queue, msg...)
		default:
			_, next := m.Update(msg)
			queue = append(queue, next)
		}
	}
}

// press sends key presses to m and runs what they lead to. Named keys are
// given by name ("enter", "esc", "down"); other strings are typed rune by
// rune.
func press(tb testing.TB, m *Model, keys ...string) {
	tb.Helper()
	named := map[string]tea.KeyPressMsg{
		"enter": {Code: tea.KeyEnter}, "esc": {Code: tea.KeyEscape}, "down": {Code: tea.KeyDown},
		"up": {Code: tea.KeyUp}, "backspace": {Code: tea.KeyBackspace}, "pgdown": {Code: tea.KeyPgDown},
		"ctrl+d": {Code: 'd', Mod: tea.ModCtrl}, "ctrl+u": {Code: 'u', Mod: tea.ModCtrl},
	}
	for _, k := range keys {
		if msg, ok := named[k]; ok {
			_, cmd := m.Update(msg)
			drive(tb, m, cmd)
			continue
		}
		for _, r := range k {
			_, cmd := m.Update(tea.KeyPressMsg{Code: r, Text: string(r)})
			drive(tb, m, cmd)
		}
	}
}

// frame returns the screen text without styling.
func frame(m *Model) string {
	return ansi.Strip(m.View().Content)
}
