package lookup

import (
	"strings"
	"testing"
	"time"

	"github.com/lazytrail/lazytrail/model"
	"github.com/lazytrail/lazytrail/source"
)

func term(key string, values ...string) model.Term { return model.Term{Key: key, Values: values} }

func TestPushdownChoosesMostSelective(t *testing.T) {
	everything := []model.Term{
		term("readonly", "false"),
		term("source", "ec2"),
		term("resource", "AWS::EC2::Instance"),
		term("event", "RunInstances"),
		term("resource", "i-0abc"),
		term("user", "alice"),
		term("accesskey", "akiaexample"),
		term("id", "3F2E0C1A-0000-4000-8000-000000000001"),
	}
	want := []source.Attribute{
		{Key: source.AttrEventID, Value: "3f2e0c1a-0000-4000-8000-000000000001"},
		{Key: source.AttrAccessKeyID, Value: "AKIAEXAMPLE"},
		{Key: source.AttrUsername, Value: "alice"},
		{Key: source.AttrResourceName, Value: "i-0abc"},
		{Key: source.AttrEventName, Value: "RunInstances"},
		{Key: source.AttrResourceType, Value: "AWS::EC2::Instance"},
		{Key: source.AttrEventSource, Value: "ec2.amazonaws.com"},
		{Key: source.AttrReadOnly, Value: "false"},
	}
	// Drop the most selective term each round: the next one must win.
	terms := everything
	for _, w := range want {
		attr, local := pushdown(terms, false)
		if attr == nil || *attr != w {
			t.Fatalf("terms %v: pushed %v, want %v", terms, attr, w)
		}
		if len(local) != len(terms)-1 {
			t.Fatalf("terms %v: %d local terms, want %d", terms, len(local), len(terms)-1)
		}
		terms = terms[:len(terms)-1]
	}
	if attr, _ := pushdown(terms, false); attr != nil {
		t.Fatalf("no terms left, pushed %v", attr)
	}
}

func TestPushdownRefusesWhatTheServerCannotMatch(t *testing.T) {
	cases := map[string]model.Term{
		"negated":        {Key: "user", Values: []string{"alice"}, Negated: true},
		"two values":     term("event", "RunInstances", "TerminateInstances"),
		"wildcard":       term("user", "ali*"),
		"role/session":   term("user", "deploy/github-actions"),
		"lower-case API": term("event", "runinstances"),
		"bad bool":       term("readonly", "maybe"),
		"local only key": term("region", "us-east-1"),
		"free text":      term("", "alice"),
		"empty":          term("user", " "),
	}
	for name, tm := range cases {
		attr, local := pushdown([]model.Term{tm}, false)
		if attr != nil || len(local) != 1 {
			t.Errorf("%s: pushed %v with %d local terms, want nothing pushed", name, attr, len(local))
		}
	}
}

func TestPushdownSourceKeepsFullName(t *testing.T) {
	attr, _ := pushdown([]model.Term{term("source", "S3.amazonaws.com")}, false)
	if attr == nil || attr.Value != "s3.amazonaws.com" {
		t.Fatalf("pushed %v, want s3.amazonaws.com", attr)
	}
}

func TestInsightsPushdownOnlyInsightAttributes(t *testing.T) {
	attr, local := pushdown([]model.Term{term("user", "alice"), term("event", "RunInstances")}, true)
	if attr == nil || attr.Key != source.AttrEventName || len(local) != 1 || local[0].Key != "user" {
		t.Fatalf("pushed %v, local %v; want EventName pushed and user local", attr, local)
	}
}

func TestPlanForSaysWhereEachPartRuns(t *testing.T) {
	terms := []model.Term{
		term("since", "3h"),
		term("event", "RunInstances"),
		term("user", "alice"),
		{Key: "region", Values: []string{"us-east-1", "eu-west-1"}, Negated: true},
		term("", "some text"),
	}
	p := PlanFor(terms, false)
	if p.Server != "since:3h user:alice" {
		t.Errorf("Server = %q", p.Server)
	}
	if p.Local != `event:RunInstances -region:us-east-1,eu-west-1 "some text"` {
		t.Errorf("Local = %q", p.Local)
	}
	if p.Attribute == nil || p.Attribute.Key != source.AttrUsername {
		t.Errorf("Attribute = %v", p.Attribute)
	}
}

func TestSourcePushdownOfParsedFilter(t *testing.T) {
	now := time.Date(2026, 11, 21, 12, 0, 0, 0, time.UTC)
	f, err := model.ParseFilter(`since:3h Event:RunInstances user:alice region:us-east-1 "free text"`, now)
	if err != nil {
		t.Fatal(err)
	}
	src := &Source{}
	if attr := src.Pushdown(f, false); attr == nil || *attr != (source.Attribute{Key: source.AttrUsername, Value: "alice"}) {
		t.Fatalf("Pushdown = %v, want Username=alice", attr)
	}
	plan := src.Plan(f, false)
	if !strings.Contains(plan.Server, "since:3h") || !strings.Contains(plan.Server, "user:alice") ||
		strings.Contains(plan.Local, "alice") || !strings.Contains(plan.Local, "region:us-east-1") {
		t.Fatalf("Plan = %+v", plan)
	}
	if attr := src.Pushdown(f, true); attr == nil || attr.Key != source.AttrEventName {
		t.Fatalf("Insights Pushdown = %v, want EventName", attr)
	}
	if plan := src.Plan(f, true); !strings.Contains(plan.Server, "event:RunInstances") || !strings.Contains(plan.Local, "user:alice") {
		t.Fatalf("Insights Plan = %+v, want the event name on the server and the user local", plan)
	}
	if src.Pushdown(nil, false) != nil || src.Plan(nil, true) != (Plan{}) {
		t.Fatal("a nil filter must push nothing")
	}
}
