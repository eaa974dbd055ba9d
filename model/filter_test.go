package model

import (
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"
)

var now = time.Date(2026, 11, 20, 12, 0, 0, 0, time.UTC)

func TestParseFilterTerms(t *testing.T) {
	tests := []struct {
		q     string
		terms []Term
		canon string
	}{
		{"", nil, ""},
		{"   \t ", nil, ""},
		{"user:alice", []Term{{Key: "user", Values: []string{"alice"}}}, "user:alice"},
		{"USER:Alice", []Term{{Key: "user", Values: []string{"Alice"}}}, "user:Alice"},
		{"event:RunInstances,TerminateInstances", []Term{{Key: "event", Values: []string{"RunInstances", "TerminateInstances"}}}, ""},
		{"-region:us-east-1", []Term{{Key: "region", Values: []string{"us-east-1"}, Negated: true}}, ""},
		{`user:"two words",bob`, []Term{{Key: "user", Values: []string{"two words", "bob"}}}, ""},
		{`user:"say \"hi\"" agent:"a\\b"`, []Term{{Key: "user", Values: []string{`say "hi"`}}, {Key: "agent", Values: []string{`a\b`}}}, `user:"say \"hi\"" agent:a\b`},
		{`agent:C:\path`, []Term{{Key: "agent", Values: []string{`C:\path`}}}, ""},
		{`"quoted free" runinst -noise`, []Term{{Values: []string{"quoted free"}}, {Values: []string{"runinst"}}, {Values: []string{"noise"}, Negated: true}}, ""},
		{`"arn:aws:s3"`, []Term{{Values: []string{"arn:aws:s3"}}}, ""},
		{"readonly:TRUE err:ANY,AccessDenied", []Term{{Key: "readonly", Values: []string{"true"}}, {Key: "err", Values: []string{"any", "AccessDenied"}}}, "readonly:true err:any,AccessDenied"},
		{"user:a  user:b", []Term{{Key: "user", Values: []string{"a"}}, {Key: "user", Values: []string{"b"}}}, "user:a user:b"},
		{"since:3h until:1h", []Term{{Key: "since", Values: []string{"3h"}}, {Key: "until", Values: []string{"1h"}}}, ""},
		{"ip:10.0.0.0/8,10.1.,1.2.3.4 id:abc* accesskey:AKIA* resource:bucket",
			[]Term{{Key: "ip", Values: []string{"10.0.0.0/8", "10.1.", "1.2.3.4"}}, {Key: "id", Values: []string{"abc*"}},
				{Key: "accesskey", Values: []string{"AKIA*"}}, {Key: "resource", Values: []string{"bucket"}}}, ""},
		{"account:1234 type:AwsApiCall category:insight source:ec2",
			[]Term{{Key: "account", Values: []string{"1234"}}, {Key: "type", Values: []string{"AwsApiCall"}},
				{Key: "category", Values: []string{"insight"}}, {Key: "source", Values: []string{"ec2"}}}, ""},
		{`user:"-x" "-y" "a,b" user:"a,b"`, []Term{{Key: "user", Values: []string{"-x"}}, {Values: []string{"-y"}}, {Values: []string{"a,b"}}, {Key: "user", Values: []string{"a,b"}}}, `user:-x "-y" a,b user:"a,b"`},
	}
	for _, tt := range tests {
		f, err := ParseFilter(tt.q, now)
		if err != nil {
			t.Errorf("ParseFilter(%q): %v", tt.q, err)
			continue
		}
		if got := f.Terms(); !reflect.DeepEqual(got, tt.terms) && !(len(got) == 0 && len(tt.terms) == 0) {
			t.Errorf("ParseFilter(%q).Terms() = %#v, want %#v", tt.q, got, tt.terms)
		}
		canon := tt.canon
		if canon == "" && len(tt.terms) > 0 {
			canon = tt.q
		}
		if got := f.String(); got != canon {
			t.Errorf("ParseFilter(%q).String() = %q, want %q", tt.q, got, canon)
		}
		if f.Empty() != (len(tt.terms) == 0) {
			t.Errorf("ParseFilter(%q).Empty() = %v", tt.q, f.Empty())
		}
	}
}

func TestParseFilterErrors(t *testing.T) {
	tests := []struct {
		q    string
		pos  int
		want string
	}{
		{"colour:red", 0, `unknown key "colour"; keys are user, event, source`},
		{"user:alice bogus:1", 11, `unknown key "bogus"`},
		{"user:", 5, `empty value for "user"`},
		{"user:a,", 7, "empty value"},
		{"user:a,,b", 7, "empty value"},
		{`user:""`, 5, "empty value"},
		{`""`, 0, "empty quoted text"},
		{"- user:a", 0, `"-" must be followed`},
		{"a -", 2, `"-" must be followed`},
		{":x", 0, "missing key"},
		{`user:"alice`, 5, "unterminated quote"},
		{`"abc`, 0, "unterminated quote"},
		{`user:"a"b`, 8, "unexpected text after a closing quote"},
		{"readonly:maybe", 9, "readonly is true or false"},
		{"readonly:true,no", 14, "readonly is true or false"},
		{"ip:10.0.0.0/33", 3, "bad CIDR"},
		{"ip:1.2.3.4,foo/8", 11, "bad CIDR"},
		{"since:yesterday", 6, "bad time"},
		{"since:3x", 6, "bad time"},
		{"until:3", 6, "bad time"},
		{"since:99999999w", 6, "bad time"},
		{"since:1h,2h", 9, "takes one time"},
		{"-since:1h", 0, "cannot be negated"},
		{"since:1h until:3h", 9, "is after until"},
		{"until:2026-11-01 since:2026-11-02T00:00:00Z", 17, "is after until"},
	}
	for _, tt := range tests {
		f, err := ParseFilter(tt.q, now)
		var fe *FilterError
		if !errors.As(err, &fe) {
			t.Errorf("ParseFilter(%q) = %v, %v; want a *FilterError", tt.q, f, err)
			continue
		}
		if fe.Pos != tt.pos || !strings.Contains(fe.Msg, tt.want) {
			t.Errorf("ParseFilter(%q) error at %d %q; want at %d containing %q", tt.q, fe.Pos, fe.Msg, tt.pos, tt.want)
		}
		if !strings.Contains(err.Error(), fe.Msg) {
			t.Errorf("Error() = %q does not say %q", err.Error(), fe.Msg)
		}
	}
}

func TestFilterTimeRange(t *testing.T) {
	tests := []struct {
		q          string
		start, end time.Time
	}{
		{"user:a", time.Time{}, time.Time{}},
		{"since:3h", now.Add(-3 * time.Hour), time.Time{}},
		{"since:1h30m", now.Add(-90 * time.Minute), time.Time{}},
		{"since:7d until:2w", time.Time{}, time.Time{}}, // an error case, checked below
		{"until:15m", time.Time{}, now.Add(-15 * time.Minute)},
		{"since:2026-11-19T08:00:00Z until:2026-11-19T09:30:00.5+01:00",
			time.Date(2026, 11, 19, 8, 0, 0, 0, time.UTC), time.Date(2026, 11, 19, 8, 30, 0, 5e8, time.UTC)},
		{"since:2026-11-01", time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC), time.Time{}},
		{"since:3d since:1d until:1h until:2h", now.Add(-24 * time.Hour), now.Add(-2 * time.Hour)},
	}
	for _, tt := range tests {
		f, err := ParseFilter(tt.q, now)
		if tt.q == "since:7d until:2w" {
			if err == nil {
				t.Errorf("ParseFilter(%q) succeeded; since is after until", tt.q)
			}
			continue
		}
		if err != nil {
			t.Fatalf("ParseFilter(%q): %v", tt.q, err)
		}
		start, end := f.TimeRange()
		if !start.Equal(tt.start) || !end.Equal(tt.end) {
			t.Errorf("ParseFilter(%q).TimeRange() = %v, %v; want %v, %v", tt.q, start, end, tt.start, tt.end)
		}
	}
}

// sample is an event every key has something to match in.
func sample() Event {
	return Event{
		ID: "0b5a7e2c-1f00-4c1e-9a55-1234567890ab", Time: now.Add(-2 * time.Hour),
		Name: "RunInstances", Source: "ec2.amazonaws.com", Region: "us-east-1",
		SourceIP: "10.1.2.3", UserAgent: "aws-cli/2.15.30 Python/3.11.8", ErrorCode: "Client.UnauthorizedOperation",
		ErrorMessage: "not authorized", ReadOnly: ReadOnlyFalse, Type: "AwsApiCall", Category: "Management",
		Account: "123456789012", AccessKeyID: "ASIAEXAMPLE", IdentityType: "AssumedRole", Who: "deploy-bot/session-1234",
		Resources: []Resource{{ARN: "arn:aws:ec2:us-east-1:123456789012:instance/i-0abc", Type: "AWS::EC2::Instance"}},
	}
}

func TestFilterMatch(t *testing.T) {
	tests := []struct {
		q    string
		want bool
	}{
		{"", true},
		{"user:deploy-bot/session-1234", true},
		{"user:deploy-bot", true},
		{"user:SESSION-1234", true},
		{"user:deploy", false},
		{"user:deploy*", true},
		{"user:*1234", true},
		{"user:alice,deploy-bot", true},
		{"-user:deploy-bot", false},
		{"-user:alice", true},
		{"user:alice user:deploy-bot", false},
		{"event:runinstances", true},
		{"event:Run*", true},
		{"event:*Instances", true},
		{"event:Run", false},
		{"event:r*n*s", true},
		{"event:r*n*x", false},
		{"source:ec2", true},
		{"source:ec2.amazonaws.com", true},
		{"source:ec", false},
		{"source:s3", false},
		{"region:us-east-1", true},
		{"region:us-*", true},
		{"region:eu-west-1", false},
		{"ip:10.1.2.3", true},
		{"ip:10.1.", true},
		{"ip:10.2.", false},
		{"ip:10.0.0.0/8", true},
		{"ip:10.1.2.0/24", true},
		{"ip:192.168.0.0/16", false},
		{"ip:10.*", true},
		{"ip:10.*.", false},
		{"ip:10.*.3", true},
		{"ip:10.1.2", false},
		{"err:any", true},
		{"err:none", false},
		{"-err:any", false},
		{"err:client.unauthorizedoperation", true},
		{"err:AccessDenied", false},
		{"err:*Unauthorized*", true},
		{"readonly:false", true},
		{"readonly:true", false},
		{"readonly:true,false", true},
		{"resource:instance/i-0abc", true},
		{"resource:ec2::instance", true},
		{"resource:AWS::S3", false},
		{"resource:arn:*/i-0abc", true},
		{"resource:arn:*:i-0abc", false},
		{"account:123456789012", true},
		{"account:1234", false},
		{"since:3h", true},
		{"since:1h", false},
		{"until:1h", true},
		{"until:3h", false},
		{"id:0B5A7E2C-1F00-4C1E-9A55-1234567890AB", true},
		{"id:0b5a*", true},
		{"id:0b5a", false},
		{"accesskey:asiaexample", true},
		{"accesskey:AKIA*", false},
		{"agent:python", true},
		{"agent:aws-cli/*python", true},
		{"agent:boto", false},
		{"type:awsapicall", true},
		{"type:AwsConsoleSignIn", false},
		{"category:management", true},
		{"category:insight", false},
		{"runinst", true},
		{"rnst", true},
		{"deploybot", true},
		{"ec2amazon", true},
		{"10123", true},
		{"i-0abc", true},
		{"zzz", false},
		{"-zzz", true},
		{"-runinst", false},
		{"runinst deploybot", true},
		{"runinst zzz", false},
		{"user:deploy-bot region:us-east-1 event:RunInstances,TerminateInstances err:any readonly:false since:3h run", true},
	}
	e := sample()
	for _, tt := range tests {
		f, err := ParseFilter(tt.q, now)
		if err != nil {
			t.Fatalf("ParseFilter(%q): %v", tt.q, err)
		}
		if got := f.Match(&e); got != tt.want {
			t.Errorf("ParseFilter(%q).Match(sample) = %v, want %v", tt.q, got, tt.want)
		}
	}
	var nilFilter *Filter
	if !nilFilter.Match(&e) || !nilFilter.Empty() || nilFilter.String() != "" || nilFilter.Terms() != nil {
		t.Error("a nil Filter must match everything and be empty")
	}
}

func TestFilterMatchEmptyFields(t *testing.T) {
	e := Event{Insight: true, Category: "Insight"}
	tests := []struct {
		q    string
		want bool
	}{
		{"err:none", true},
		{"err:any", false},
		{"user:*", true},
		{"user:x", false},
		{"-user:x", true},
		{"readonly:true,false", false},
		{"resource:x", false},
		{"-resource:x", true},
		{"ip:10.0.0.0/8", false},
		{"x", false},
		{"category:insight", true},
		{"since:1h", false},
		{"until:1h", true}, // an event without a time is older than any
	}
	for _, tt := range tests {
		f, err := ParseFilter(tt.q, now)
		if err != nil {
			t.Fatalf("ParseFilter(%q): %v", tt.q, err)
		}
		if got := f.Match(&e); got != tt.want {
			t.Errorf("ParseFilter(%q).Match(empty insight) = %v, want %v", tt.q, got, tt.want)
		}
	}
}

func TestSetTerm(t *testing.T) {
	tests := []struct {
		q, key, value, want string
	}{
		{"", "user", "alice", "user:alice"},
		{"region:us-east-1", "user", "alice", "region:us-east-1 user:alice"},
		{"user:bob region:us-east-1", "user", "alice", "user:alice region:us-east-1"},
		{"-user:bob  x  USER:carol", "user", "alice", "user:alice x"},
		{"user:bob region:us-east-1", "user", "", "region:us-east-1"},
		{"since:3h err:any", "since", "15m", "since:15m err:any"},
		{"err:any", "user", "deploy-bot/session 1", `err:any user:"deploy-bot/session 1"`},
		{"err:any", "user", `a,"b"`, `err:any user:"a,\"b\""`},
		{`user:"a b" "free text"`, "since", "1h", `user:"a b" "free text" since:1h`},
		{`user:bob "unterminated`, "user", "x", `user:x "unterminated`},
		{"user:bob", "nokey", "x", "user:bob"},
	}
	for _, tt := range tests {
		if got := SetTerm(tt.q, tt.key, tt.value); got != tt.want {
			t.Errorf("SetTerm(%q, %q, %q) = %q, want %q", tt.q, tt.key, tt.value, got, tt.want)
		}
	}
}

func FuzzParseFilter(f *testing.F) {
	for _, q := range []string{
		"user:alice event:RunInstances,TerminateInstances region:us-east-1 err:any readonly:false since:3h some free text",
		`user:"a \"b\" c",d -ip:10.0.0.0/8 "x y" -z`, "since:2026-11-19T08:00:00Z until:1h", "ip:10.1.,::1 id:*",
		`agent:\" "\\"`, "-", ":", `"`, "user:,", "a:b:c", "résumé user:ünï",
	} {
		f.Add(q)
	}
	e := sample()
	f.Fuzz(func(t *testing.T, q string) {
		p, err := ParseFilter(q, now)
		if err != nil {
			var fe *FilterError
			if !errors.As(err, &fe) || fe.Pos < 0 || fe.Pos > len(q) {
				t.Fatalf("ParseFilter(%q): error %v is not a *FilterError inside the query", q, err)
			}
			return
		}
		p.Match(&e)
		canon := p.String()
		again, err := ParseFilter(canon, now)
		if err != nil {
			t.Fatalf("ParseFilter(%q) = %q, which does not parse: %v", q, canon, err)
		}
		if !reflect.DeepEqual(again.Terms(), p.Terms()) {
			t.Fatalf("ParseFilter(%q): String() %q parses to %#v, want %#v", q, canon, again.Terms(), p.Terms())
		}
		s1, e1 := p.TimeRange()
		s2, e2 := again.TimeRange()
		if !s1.Equal(s2) || !e1.Equal(e2) {
			t.Fatalf("ParseFilter(%q): String() %q changes the time range", q, canon)
		}
		if again.String() != canon {
			t.Fatalf("String() is not canonical: %q then %q", canon, again.String())
		}
		SetTerm(q, "user", q)
	})
}
