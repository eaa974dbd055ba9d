package emulator

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

// awsCLI runs the real AWS CLI against an emulator, isolated from any
// configuration or credentials of the machine.
type awsCLI struct {
	t   *testing.T
	bin string
	env []string
}

func newAWSCLI(t *testing.T, endpoint string) *awsCLI {
	t.Helper()
	bin, err := exec.LookPath("aws")
	if err != nil {
		t.Skip("the AWS CLI is not installed")
	}
	if testing.Short() {
		t.Skip("the AWS CLI takes seconds per call")
	}
	home := t.TempDir()
	env := []string{}
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "AWS_") && !strings.HasPrefix(kv, "HOME=") {
			env = append(env, kv)
		}
	}
	env = append(env,
		"HOME="+home,
		"AWS_CONFIG_FILE="+filepath.Join(home, "config"),
		"AWS_SHARED_CREDENTIALS_FILE="+filepath.Join(home, "credentials"),
		"AWS_ACCESS_KEY_ID="+KeyAlice,
		"AWS_SECRET_ACCESS_KEY=secret",
		"AWS_DEFAULT_REGION=us-east-1",
		"AWS_ENDPOINT_URL="+endpoint,
		"AWS_ENDPOINT_URL_S3="+endpoint,
		"AWS_EC2_METADATA_DISABLED=true",
		"AWS_PAGER=",
		"AWS_MAX_ATTEMPTS=3",
	)
	return &awsCLI{t: t, bin: bin, env: env}
}

// run runs the CLI and returns its standard output; a failure ends the test.
func (c *awsCLI) run(args ...string) string {
	c.t.Helper()
	cmd := exec.Command(c.bin, args...)
	cmd.Env = c.env
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		c.t.Fatalf("aws %s: %v\nstdout: %s\nstderr: %s", strings.Join(args, " "), err, out, stderr.String())
	}
	return string(out)
}

// json runs the CLI with JSON output and decodes it into v.
func (c *awsCLI) json(v any, args ...string) {
	c.t.Helper()
	out := c.run(append(args, "--output", "json")...)
	if err := json.Unmarshal([]byte(out), v); err != nil {
		c.t.Fatalf("aws %s: output %q: %v", strings.Join(args, " "), out, err)
	}
}

type cliEvents struct {
	Events []struct {
		EventID         string
		EventName       string
		CloudTrailEvent string
	}
	NextToken string
}

func (e cliEvents) ids() []string {
	var ids []string
	for _, ev := range e.Events {
		ids = append(ids, ev.EventID)
	}
	return ids
}

func TestAWSCLIInterop(t *testing.T) {
	s, endpoint := startServer(t, Config{Rate: -1})
	cli := newAWSCLI(t, endpoint)
	start := time.Now().UTC().Add(-time.Minute)

	// S3: bucket, policy, objects.
	cli.run("s3", "mb", "s3://interop-trail")
	cli.run("s3api", "put-bucket-policy", "--bucket", "interop-trail", "--policy", testPolicy)
	notes := filepath.Join(t.TempDir(), "hello.txt")
	if err := os.WriteFile(notes, []byte("hello from the CLI\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	cli.run("s3", "cp", notes, "s3://interop-trail/notes/hello.txt")
	if out := cli.run("s3", "ls", "s3://interop-trail/notes/"); !strings.Contains(out, "hello.txt") {
		t.Errorf("s3 ls: %q", out)
	}
	if out := cli.run("s3", "cp", "s3://interop-trail/notes/hello.txt", "-"); out != "hello from the CLI\n" {
		t.Errorf("s3 cp back: %q", out)
	}

	// CloudTrail: a validating trail that logs.
	var trail struct {
		Name                     string
		TrailARN                 string
		LogFileValidationEnabled bool
	}
	cli.json(&trail, "cloudtrail", "create-trail", "--name", "interop", "--s3-bucket-name", "interop-trail", "--enable-log-file-validation")
	if trail.Name != "interop" || !trail.LogFileValidationEnabled || !strings.HasPrefix(trail.TrailARN, "arn:aws:cloudtrail:us-east-1:") {
		t.Fatalf("create-trail: %+v", trail)
	}
	cli.run("cloudtrail", "start-logging", "--name", "interop")
	var trails struct {
		TrailList []struct{ Name, S3BucketName string }
	}
	cli.json(&trails, "cloudtrail", "describe-trails")
	if len(trails.TrailList) != 1 || trails.TrailList[0].S3BucketName != "interop-trail" {
		t.Errorf("describe-trails: %+v", trails)
	}

	// EC2.
	var run struct{ Instances []struct{ InstanceID string } }
	cli.json(&run, "ec2", "run-instances", "--image-id", "ami-12345678", "--count", "2", "--instance-type", "t3.micro")
	if len(run.Instances) != 2 || !regexp.MustCompile(`^i-[0-9a-f]{17}$`).MatchString(run.Instances[0].InstanceID) {
		t.Fatalf("run-instances: %+v", run)
	}
	if out := cli.run("ec2", "describe-instances", "--filters", "Name=instance-state-name,Values=running",
		"--query", "Reservations[].Instances[].InstanceId", "--output", "text"); len(strings.Fields(out)) != 2 {
		t.Errorf("describe-instances: %q", out)
	}
	cli.run("ec2", "terminate-instances", "--instance-ids", run.Instances[1].InstanceID)

	// lookup-events with an attribute.
	var found cliEvents
	cli.json(&found, "cloudtrail", "lookup-events", "--lookup-attributes", "AttributeKey=EventName,AttributeValue=RunInstances")
	if len(found.Events) != 1 || !strings.Contains(found.Events[0].CloudTrailEvent, run.Instances[0].InstanceID) {
		t.Fatalf("lookup-events by name: %+v", found)
	}

	// lookup-events paged: pages of 2, three items at a time, then the rest.
	var all cliEvents
	cli.json(&all, "cloudtrail", "lookup-events")
	if len(all.Events) < 8 {
		t.Fatalf("only %d events recorded", len(all.Events))
	}
	var paged []string
	var page cliEvents
	cli.json(&page, "cloudtrail", "lookup-events", "--max-items", "3", "--page-size", "2")
	paged = append(paged, page.ids()...)
	if len(page.Events) != 3 || page.NextToken == "" {
		t.Fatalf("first page: %d events, next token %q", len(page.Events), page.NextToken)
	}
	var rest cliEvents
	cli.json(&rest, "cloudtrail", "lookup-events", "--page-size", "2", "--starting-token", page.NextToken)
	paged = append(paged, rest.ids()...)
	// The later calls recorded LookupEvents events of their own, newer than
	// the first listing: compare the events that listing saw.
	want := all.ids()
	if i := slices.Index(paged, want[0]); i < 0 || !slices.Equal(paged[i:], want) {
		t.Errorf("paged ids %v\nwant tail %v", paged, want)
	}

	// validate-logs over a forced delivery and digest, S3 read through
	// AWS_ENDPOINT_URL_S3.
	s.Deliver(time.Now())
	out := cli.run("cloudtrail", "validate-logs", "--trail-arn", trail.TrailARN,
		"--start-time", start.Format(time.RFC3339), "--verbose")
	t.Logf("validate-logs:\n%s", out)
	m := regexp.MustCompile(`(\d+)/(\d+) digest files valid[\s\S]*?(\d+)/(\d+) log files valid`).FindStringSubmatch(out)
	if m == nil || m[1] != m[2] || m[3] != m[4] || m[1] == "0" || m[3] == "0" {
		t.Fatalf("validate-logs:\n%s", out)
	}
	if n, _ := strconv.Atoi(m[3]); n < 1 {
		t.Errorf("validated %d log files", n)
	}
}
