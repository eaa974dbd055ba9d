package emulator

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/cloudtrail"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

// demoWithoutPauses loads the demo with its pauses removed, so tests do not
// wait for a presenter.
func demoWithoutPauses(t *testing.T) *Scenario {
	t.Helper()
	sc, err := LoadScenario("demo")
	if err != nil {
		t.Fatal(err)
	}
	for i := range sc.Steps {
		sc.Steps[i].Pause = 0
	}
	return sc
}

func TestLoadScenario(t *testing.T) {
	if !slices.Contains(ScenarioNames(), "demo") {
		t.Fatalf("built-in scenarios %v lack demo", ScenarioNames())
	}
	sc, err := LoadScenario("demo")
	if err != nil {
		t.Fatal(err)
	}
	var ops []string
	for _, st := range sc.Steps {
		ops = append(ops, st.Operation)
	}
	want := "GetCallerIdentity CreateBucket PutBucketPolicy CreateTrail StartLogging RunInstances DescribeInstances StopInstances TerminateInstances"
	if strings.Join(ops, " ") != want {
		t.Errorf("demo steps %v", ops)
	}
	if sc.Steps[1].Pause != 1500*time.Millisecond {
		t.Errorf("pause %v", sc.Steps[1].Pause)
	}
	if _, err := LoadScenario("no-such-scenario"); err == nil || !strings.Contains(err.Error(), "demo") {
		t.Errorf("missing scenario: %v (the error should list the known ones)", err)
	}
}

func TestParseScenarioRejects(t *testing.T) {
	tests := map[string]string{
		"unknown-operation.json":    "unknown operation",
		"misspelled-parameter.json": "InstanceTyep",
		"unsaved-variable.json":     "${instance} is not saved",
		"bad-pause.json":            "pause",
		"unknown-field.json":        "wait",
		"no-steps.json":             "at least one step",
		"wrong-type.json":           "MinCount",
	}
	for file, want := range tests {
		data, err := os.ReadFile(filepath.Join("..", "..", "testdata", "emulator", "scenarios", file))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := ParseScenario(data); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: error %v, want one mentioning %q", file, err, want)
		}
	}
}

func TestPlayDemo(t *testing.T) {
	s, endpoint := startServer(t, Config{Rate: -1})
	creds := credentials.NewStaticCredentialsProvider(KeyAlice, "secret", "")
	var lines []string
	if err := demoWithoutPauses(t).Play(context.Background(), endpoint, creds, func(step string) { lines = append(lines, step) }); err != nil {
		t.Fatalf("play: %v", err)
	}
	if len(lines) != 9 || !strings.HasPrefix(lines[5], "ec2 RunInstances instance=i-") {
		t.Fatalf("log lines %q", lines)
	}
	instance := strings.TrimPrefix(lines[5], "ec2 RunInstances instance=")

	// The calls arrive over the wire as events, newest first.
	ct := ctClient(endpoint, KeyAlice, "us-east-1")
	out, err := ct.LookupEvents(context.Background(), &cloudtrail.LookupEventsInput{})
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range out.Events {
		if aws.ToString(e.Username) == "alice" {
			names = append(names, aws.ToString(e.EventName))
		}
	}
	slices.Reverse(names)
	want := []string{"GetCallerIdentity", "CreateBucket", "PutBucketPolicy", "CreateTrail", "StartLogging",
		"RunInstances", "DescribeInstances", "StopInstances", "TerminateInstances"}
	if !slices.Equal(names, want) {
		t.Errorf("events %v\nwant   %v", names, want)
	}

	status, err := ct.GetTrailStatus(context.Background(), &cloudtrail.GetTrailStatusInput{Name: aws.String("lazytrail-demo")})
	if err != nil || !aws.ToBool(status.IsLogging) {
		t.Errorf("trail status: %v %+v", err, status)
	}
	trails, err := ct.DescribeTrails(context.Background(), &cloudtrail.DescribeTrailsInput{})
	if err != nil || len(trails.TrailList) != 1 || !aws.ToBool(trails.TrailList[0].LogFileValidationEnabled) {
		t.Errorf("trails: %v %+v", err, trails)
	}
	pol, err := s3Client(endpoint).GetBucketPolicy(context.Background(), &s3.GetBucketPolicyInput{Bucket: aws.String("lazytrail-demo-" + s.AccountID())})
	if err != nil || !strings.Contains(aws.ToString(pol.Policy), `"arn:aws:s3:::lazytrail-demo-`+s.AccountID()+`/AWSLogs/`+s.AccountID()+`/*"`) {
		t.Errorf("bucket policy: %v %s", err, aws.ToString(pol.Policy))
	}
	inst, err := ec2Client(endpoint, "us-east-1").DescribeInstances(context.Background(), &ec2.DescribeInstancesInput{InstanceIds: []string{instance}})
	if err != nil || inst.Reservations[0].Instances[0].State.Name != "terminated" {
		t.Errorf("instance after the demo: %v %+v", err, inst)
	}

	// Played again, the bucket and trail exist: those errors are expected.
	lines = nil
	if err := demoWithoutPauses(t).Play(context.Background(), endpoint, creds, func(step string) { lines = append(lines, step) }); err != nil {
		t.Fatalf("play again: %v", err)
	}
	if !strings.Contains(lines[1], "(BucketAlreadyExists, expected)") || !strings.Contains(lines[3], "(TrailAlreadyExistsException, expected)") {
		t.Errorf("second run %q", lines)
	}
}

func TestPlayStopsAtError(t *testing.T) {
	_, endpoint := startServer(t, Config{Rate: -1})
	data, err := os.ReadFile(filepath.Join("..", "..", "testdata", "emulator", "scenarios", "stop-missing-instance.json"))
	if err != nil {
		t.Fatal(err)
	}
	sc, err := ParseScenario(data)
	if err != nil {
		t.Fatal(err)
	}
	var lines []string
	err = sc.Play(context.Background(), endpoint, credentials.NewStaticCredentialsProvider(KeyAlice, "secret", ""), func(s string) { lines = append(lines, s) })
	if err == nil || apiCode(err) != "InvalidInstanceID.NotFound" || !strings.Contains(err.Error(), "step 2 (ec2 StopInstances)") {
		t.Errorf("error %v", err)
	}
	if len(lines) != 1 {
		t.Errorf("played %q, want only the first step", lines)
	}
}

func TestPlayCancelledDuringPause(t *testing.T) {
	_, endpoint := startServer(t, Config{Rate: -1})
	sc, err := ParseScenario([]byte(`{"name":"wait","steps":[{"service":"sts","operation":"GetCallerIdentity","pause":"1m"},{"service":"sts","operation":"GetCallerIdentity"}]}`))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	err = sc.Play(ctx, endpoint, credentials.NewStaticCredentialsProvider(KeyAlice, "secret", ""), func(string) { cancel() })
	if !errors.Is(err, context.Canceled) {
		t.Errorf("error %v, want context.Canceled", err)
	}
}

func TestDecodeParams(t *testing.T) {
	var in s3.PutBucketPolicyInput
	err := decodeParams([]byte(`{"Bucket":"b-${n}","Policy":{"Statement":[{"Resource":"arn:aws:s3:::b-${n}/*"}]}}`), map[string]string{"n": "7"}, &in)
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(in.Bucket) != "b-7" || aws.ToString(in.Policy) != `{"Statement":[{"Resource":"arn:aws:s3:::b-7/*"}]}` {
		t.Errorf("decoded %q %q", aws.ToString(in.Bucket), aws.ToString(in.Policy))
	}
	if err := decodeParams([]byte(`{"Bucket":"${gone}"}`), nil, &in); err == nil {
		t.Error("a placeholder without a value was accepted")
	}
}

func TestPathValue(t *testing.T) {
	doc := map[string]any{"Instances": []any{map[string]any{"InstanceId": "i-1", "Count": float64(2)}}}
	tests := []struct {
		path string
		want string
		ok   bool
	}{
		{"Instances.0.InstanceId", "i-1", true},
		{"Instances.0.Count", "2", true},
		{"Instances.1.InstanceId", "", false},
		{"Instances.x", "", false},
		{"Instances", "", false},
		{"Missing.Key", "", false},
	}
	for _, tt := range tests {
		got, ok := pathValue(doc, tt.path)
		if got != tt.want || ok != tt.ok {
			t.Errorf("pathValue(%q) = %q, %v", tt.path, got, ok)
		}
	}
}
