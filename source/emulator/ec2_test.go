package emulator

import (
	"context"
	"encoding/json"
	"encoding/xml"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudtrail"
	cttypes "github.com/aws/aws-sdk-go-v2/service/cloudtrail/types"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/aws/smithy-go"
)

const testAccount = "123456789012"

// callLog collects the calls a service records.
type callLog struct {
	mu    sync.Mutex
	calls []Call
}

func (l *callLog) record(c Call) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.calls = append(l.calls, c)
}

// last returns the most recent call, encoded as its CloudTrail parts are.
func (l *callLog) last(t *testing.T) (Call, map[string]any) {
	t.Helper()
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.calls) == 0 {
		t.Fatal("no call recorded")
	}
	c := l.calls[len(l.calls)-1]
	raw, err := json.Marshal(map[string]any{"requestParameters": c.RequestParameters, "responseElements": c.ResponseElements})
	if err != nil {
		t.Fatalf("encode recorded call: %v", err)
	}
	var doc map[string]any
	if err := json.Unmarshal(raw, &doc); err != nil {
		t.Fatal(err)
	}
	return c, doc
}

var scopeRE = regexp.MustCompile(`Credential=[^/]+/\d{8}/([^/]+)/([^/]+)/aws4_request`)

// serveDirect is a real HTTP server that hands requests to h the way the
// emulator's router does, with the region taken from the SigV4 scope.
func serveDirect(t *testing.T, service string, h func(http.ResponseWriter, *Request)) string {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		region := "us-east-1"
		if m := scopeRE.FindStringSubmatch(r.Header.Get("Authorization")); m != nil {
			region = m[1]
		}
		h(w, &Request{
			HTTP:      r,
			Service:   service,
			Region:    region,
			Caller:    Caller{AccessKeyID: "AKIDTEST", AccountID: testAccount},
			Body:      body,
			RequestID: "11111111-2222-3333-4444-555555555555",
			SourceIP:  "127.0.0.1",
			UserAgent: r.UserAgent(),
			Received:  time.Now(),
		})
	}))
	t.Cleanup(srv.Close)
	return srv.URL
}

func testEC2(t *testing.T, region string) (*ec2.Client, *callLog) {
	t.Helper()
	log := &callLog{}
	endpoint := serveDirect(t, "ec2", newEC2(log.record).serve)
	return ec2Client(endpoint, region), log
}

// ec2Client is an EC2 client that never retries.
func ec2Client(endpoint, region string) *ec2.Client {
	return ec2.NewFromConfig(testConfig(endpoint, "AKIDTEST", region))
}

func apiCode(err error) string {
	var api smithy.APIError
	if errors.As(err, &api) {
		return api.ErrorCode()
	}
	return ""
}

func states(t *testing.T, c *ec2.Client, ids ...string) map[string]string {
	t.Helper()
	out, err := c.DescribeInstances(context.Background(), &ec2.DescribeInstancesInput{InstanceIds: ids})
	if err != nil {
		t.Fatalf("DescribeInstances: %v", err)
	}
	got := map[string]string{}
	for _, r := range out.Reservations {
		for _, inst := range r.Instances {
			got[aws.ToString(inst.InstanceId)] = string(inst.State.Name)
		}
	}
	return got
}

func TestEC2Lifecycle(t *testing.T) {
	ctx := context.Background()
	c, log := testEC2(t, "eu-west-1")
	run, err := c.RunInstances(ctx, &ec2.RunInstancesInput{
		ImageId:      aws.String("ami-0abcdef1234567890"),
		InstanceType: types.InstanceTypeT3Micro,
		MinCount:     aws.Int32(2),
		MaxCount:     aws.Int32(2),
		KeyName:      aws.String("demo"),
		TagSpecifications: []types.TagSpecification{{
			ResourceType: types.ResourceTypeInstance,
			Tags:         []types.Tag{{Key: aws.String("Name"), Value: aws.String("web")}},
		}},
	})
	if err != nil {
		t.Fatalf("RunInstances: %v", err)
	}
	if len(run.Instances) != 2 || aws.ToString(run.OwnerId) != testAccount || !strings.HasPrefix(aws.ToString(run.ReservationId), "r-") {
		t.Fatalf("RunInstances answered %d instances, owner %q, reservation %q", len(run.Instances), aws.ToString(run.OwnerId), aws.ToString(run.ReservationId))
	}
	idRE := regexp.MustCompile(`^i-[0-9a-f]{17}$`)
	var ids []string
	for _, inst := range run.Instances {
		id := aws.ToString(inst.InstanceId)
		if !idRE.MatchString(id) {
			t.Errorf("instance id %q is not i-<17 hex>", id)
		}
		if inst.State.Name != types.InstanceStateNamePending || inst.InstanceType != types.InstanceTypeT3Micro {
			t.Errorf("new instance is %s/%s, want pending/t3.micro", inst.State.Name, inst.InstanceType)
		}
		if az := aws.ToString(inst.Placement.AvailabilityZone); az != "eu-west-1a" {
			t.Errorf("zone %q, want eu-west-1a", az)
		}
		if inst.LaunchTime == nil || time.Since(*inst.LaunchTime) > time.Hour {
			t.Errorf("launch time %v", inst.LaunchTime)
		}
		if len(inst.Tags) != 1 || aws.ToString(inst.Tags[0].Value) != "web" {
			t.Errorf("tags %+v", inst.Tags)
		}
		ids = append(ids, id)
	}

	call, doc := log.last(t)
	if call.EventName != "RunInstances" || call.EventSource != "ec2.amazonaws.com" || call.ReadOnly || call.ErrorCode != "" {
		t.Errorf("recorded %+v", call)
	}
	items := dig(t, doc, "responseElements", "instancesSet", "items").([]any)
	if got := items[0].(map[string]any)["instanceId"]; got != ids[0] {
		t.Errorf("responseElements instanceId %v, want %s", got, ids[0])
	}
	if got := dig(t, doc, "requestParameters", "instancesSet", "items").([]any)[0].(map[string]any)["imageId"]; got != "ami-0abcdef1234567890" {
		t.Errorf("requestParameters imageId %v", got)
	}
	if got := items[0].(map[string]any)["launchTime"]; got == nil || got.(float64) < 1e12 {
		t.Errorf("responseElements launchTime %v, want epoch milliseconds", got)
	}
	if len(call.Resources) != 2 || call.Resources[0].ARN != "arn:aws:ec2:eu-west-1:"+testAccount+":instance/"+ids[0] {
		t.Errorf("resources %+v", call.Resources)
	}

	if got := states(t, c); got[ids[0]] != "running" || got[ids[1]] != "running" {
		t.Fatalf("after describe: %v, want running", got)
	}
	if c, _ := log.last(t); !c.ReadOnly || c.EventName != "DescribeInstances" || c.ResponseElements != nil {
		t.Errorf("DescribeInstances recorded as %+v", c)
	}

	stop, err := c.StopInstances(ctx, &ec2.StopInstancesInput{InstanceIds: ids[:1]})
	if err != nil {
		t.Fatalf("StopInstances: %v", err)
	}
	if ch := stop.StoppingInstances[0]; ch.CurrentState.Name != types.InstanceStateNameStopping || ch.PreviousState.Name != types.InstanceStateNameRunning {
		t.Errorf("stop changed %s -> %s", ch.PreviousState.Name, ch.CurrentState.Name)
	}
	_, doc = log.last(t)
	if got := dig(t, doc, "responseElements", "instancesSet", "items").([]any)[0].(map[string]any)["currentState"].(map[string]any)["name"]; got != "stopping" {
		t.Errorf("recorded currentState %v", got)
	}
	if got := states(t, c, ids[0]); got[ids[0]] != "stopped" || len(got) != 1 {
		t.Errorf("after stop: %v", got)
	}

	start, err := c.StartInstances(ctx, &ec2.StartInstancesInput{InstanceIds: ids[:1]})
	if err != nil {
		t.Fatalf("StartInstances: %v", err)
	}
	if ch := start.StartingInstances[0]; ch.CurrentState.Name != types.InstanceStateNamePending || ch.PreviousState.Name != types.InstanceStateNameStopped {
		t.Errorf("start changed %s -> %s", ch.PreviousState.Name, ch.CurrentState.Name)
	}

	term, err := c.TerminateInstances(ctx, &ec2.TerminateInstancesInput{InstanceIds: ids})
	if err != nil {
		t.Fatalf("TerminateInstances: %v", err)
	}
	for _, ch := range term.TerminatingInstances {
		if ch.CurrentState.Name != types.InstanceStateNameShuttingDown || ch.PreviousState.Name != types.InstanceStateNameRunning {
			t.Errorf("terminate changed %s -> %s", ch.PreviousState.Name, ch.CurrentState.Name)
		}
	}
	if got := states(t, c); got[ids[0]] != "terminated" || got[ids[1]] != "terminated" {
		t.Errorf("after terminate: %v", got)
	}
	_, err = c.StartInstances(ctx, &ec2.StartInstancesInput{InstanceIds: ids[:1]})
	if apiCode(err) != "IncorrectInstanceState" {
		t.Errorf("starting a terminated instance: %v, want IncorrectInstanceState", err)
	}
	if call, _ := log.last(t); call.ErrorCode != "Client.IncorrectInstanceState" || call.ErrorMessage == "" || call.ResponseElements != nil {
		t.Errorf("failed call recorded as %+v", call)
	}
}

// dig walks nested JSON objects by key.
func dig(t *testing.T, doc any, keys ...string) any {
	t.Helper()
	for _, k := range keys {
		m, ok := doc.(map[string]any)
		if !ok {
			t.Fatalf("no object at %q in %v", k, doc)
		}
		doc = m[k]
	}
	return doc
}

func TestEC2DescribeFilters(t *testing.T) {
	ctx := context.Background()
	c, log := testEC2(t, "us-east-1")
	var ids []string
	for _, typ := range []types.InstanceType{types.InstanceTypeT3Micro, types.InstanceTypeM5Large} {
		out, err := c.RunInstances(ctx, &ec2.RunInstancesInput{ImageId: aws.String("ami-12345678"), InstanceType: typ, MinCount: aws.Int32(1), MaxCount: aws.Int32(1)})
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, aws.ToString(out.Instances[0].InstanceId))
	}
	if _, err := c.StopInstances(ctx, &ec2.StopInstancesInput{InstanceIds: ids[1:]}); err != nil {
		t.Fatal(err)
	}
	filter := func(name string, values ...string) []types.Filter {
		return []types.Filter{{Name: aws.String(name), Values: values}}
	}
	tests := []struct {
		name    string
		filters []types.Filter
		want    []string
	}{
		{"state", filter("instance-state-name", "running"), ids[:1]},
		{"two states", filter("instance-state-name", "running", "stopped"), ids},
		{"id", filter("instance-id", ids[1]), ids[1:]},
		{"wildcard", filter("instance-type", "m5.*"), ids[1:]},
		{"none", filter("instance-state-name", "terminated"), nil},
		{"and", append(filter("instance-state-name", "stopped"), filter("instance-type", "t3.micro")...), nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, err := c.DescribeInstances(ctx, &ec2.DescribeInstancesInput{Filters: tt.filters})
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, r := range out.Reservations {
				for _, inst := range r.Instances {
					got = append(got, aws.ToString(inst.InstanceId))
				}
			}
			if strings.Join(got, ",") != strings.Join(tt.want, ",") {
				t.Errorf("got %v, want %v", got, tt.want)
			}
		})
	}
	_, doc := log.last(t)
	f := dig(t, doc, "requestParameters", "filterSet", "items").([]any)
	if len(f) != 2 || f[0].(map[string]any)["name"] != "instance-state-name" {
		t.Errorf("recorded filterSet %v", f)
	}
}

func TestEC2DescribePages(t *testing.T) {
	ctx := context.Background()
	c, _ := testEC2(t, "us-east-1")
	var want []string
	for range 3 {
		out, err := c.RunInstances(ctx, &ec2.RunInstancesInput{ImageId: aws.String("ami-12345678"), MinCount: aws.Int32(4), MaxCount: aws.Int32(4)})
		if err != nil {
			t.Fatal(err)
		}
		for _, inst := range out.Instances {
			want = append(want, aws.ToString(inst.InstanceId))
		}
	}
	var got []string
	pages := 0
	p := ec2.NewDescribeInstancesPaginator(c, &ec2.DescribeInstancesInput{MaxResults: aws.Int32(5)})
	for p.HasMorePages() {
		out, err := p.NextPage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		pages++
		for _, r := range out.Reservations {
			for _, inst := range r.Instances {
				got = append(got, aws.ToString(inst.InstanceId))
			}
		}
	}
	if pages != 3 || strings.Join(got, ",") != strings.Join(want, ",") {
		t.Errorf("%d pages of %v\nwant %v", pages, got, want)
	}
	_, err := c.DescribeInstances(ctx, &ec2.DescribeInstancesInput{NextToken: aws.String("bogus")})
	if apiCode(err) != "InvalidParameterValue" {
		t.Errorf("bad token: %v", err)
	}
	_, err = c.DescribeInstances(ctx, &ec2.DescribeInstancesInput{MaxResults: aws.Int32(2)})
	if apiCode(err) != "InvalidParameterValue" {
		t.Errorf("MaxResults 2: %v", err)
	}
	_, err = c.DescribeInstances(ctx, &ec2.DescribeInstancesInput{MaxResults: aws.Int32(5), InstanceIds: want[:1]})
	if apiCode(err) != "InvalidParameterCombination" {
		t.Errorf("MaxResults with ids: %v", err)
	}
}

func TestEC2Errors(t *testing.T) {
	ctx := context.Background()
	c, log := testEC2(t, "us-east-1")
	missing := "i-0123456789abcdef0"
	tests := []struct {
		name string
		call func() error
		code string
	}{
		{"unknown id", func() error {
			_, err := c.DescribeInstances(ctx, &ec2.DescribeInstancesInput{InstanceIds: []string{missing}})
			return err
		}, "InvalidInstanceID.NotFound"},
		{"malformed id", func() error {
			_, err := c.StopInstances(ctx, &ec2.StopInstancesInput{InstanceIds: []string{"bogus"}})
			return err
		}, "InvalidInstanceID.Malformed"},
		{"malformed ami", func() error {
			_, err := c.RunInstances(ctx, &ec2.RunInstancesInput{ImageId: aws.String("ubuntu"), MinCount: aws.Int32(1), MaxCount: aws.Int32(1)})
			return err
		}, "InvalidAMIID.Malformed"},
		{"no ami", func() error {
			_, err := c.RunInstances(ctx, &ec2.RunInstancesInput{MinCount: aws.Int32(1), MaxCount: aws.Int32(1)})
			return err
		}, "MissingParameter"},
		{"min over max", func() error {
			_, err := c.RunInstances(ctx, &ec2.RunInstancesInput{ImageId: aws.String("ami-12345678"), MinCount: aws.Int32(3), MaxCount: aws.Int32(2)})
			return err
		}, "InvalidParameterValue"},
		{"over limit", func() error {
			_, err := c.RunInstances(ctx, &ec2.RunInstancesInput{ImageId: aws.String("ami-12345678"), MinCount: aws.Int32(ec2MaxPerCall + 1), MaxCount: aws.Int32(50)})
			return err
		}, "InstanceLimitExceeded"},
		{"bad filter", func() error {
			_, err := c.DescribeInstances(ctx, &ec2.DescribeInstancesInput{Filters: []types.Filter{{Name: aws.String("colour"), Values: []string{"red"}}}})
			return err
		}, "InvalidParameterValue"},
		{"dry run", func() error {
			_, err := c.RunInstances(ctx, &ec2.RunInstancesInput{ImageId: aws.String("ami-12345678"), MinCount: aws.Int32(1), MaxCount: aws.Int32(1), DryRun: aws.Bool(true)})
			return err
		}, "DryRunOperation"},
		{"unknown region", func() error {
			_, err := c.DescribeRegions(ctx, &ec2.DescribeRegionsInput{RegionNames: []string{"mars-north-1"}})
			return err
		}, "InvalidParameterValue"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.call()
			if got := apiCode(err); got != tt.code {
				t.Fatalf("error %v, want code %s", err, tt.code)
			}
			if call, _ := log.last(t); call.ErrorCode != "Client."+tt.code || call.ErrorMessage == "" {
				t.Errorf("recorded error %q %q", call.ErrorCode, call.ErrorMessage)
			}
		})
	}
	if _, err := c.DescribeInstances(ctx, &ec2.DescribeInstancesInput{InstanceIds: []string{missing}}); !strings.Contains(err.Error(), "The instance ID '"+missing+"' does not exist") {
		t.Errorf("message: %v", err)
	}
	if got := states(t, c); len(got) != 0 {
		t.Errorf("failed and dry-run calls launched %v", got)
	}
}

func TestEC2RegionsAreSeparate(t *testing.T) {
	ctx := context.Background()
	log := &callLog{}
	endpoint := serveDirect(t, "ec2", newEC2(log.record).serve)
	east, west := ec2Client(endpoint, "us-east-1"), ec2Client(endpoint, "us-west-2")
	out, err := west.RunInstances(ctx, &ec2.RunInstancesInput{ImageId: aws.String("ami-12345678"), MinCount: aws.Int32(1), MaxCount: aws.Int32(1)})
	if err != nil {
		t.Fatal(err)
	}
	id := aws.ToString(out.Instances[0].InstanceId)
	if got := states(t, east); len(got) != 0 {
		t.Errorf("us-east-1 sees %v", got)
	}
	if got := states(t, west); got[id] != "running" {
		t.Errorf("us-west-2 sees %v", got)
	}
	if _, err := east.TerminateInstances(ctx, &ec2.TerminateInstancesInput{InstanceIds: []string{id}}); apiCode(err) != "InvalidInstanceID.NotFound" {
		t.Errorf("terminate from another region: %v", err)
	}
}

func TestEC2DescribeRegions(t *testing.T) {
	ctx := context.Background()
	c, log := testEC2(t, "us-east-1")
	out, err := c.DescribeRegions(ctx, &ec2.DescribeRegionsInput{})
	if err != nil {
		t.Fatal(err)
	}
	if len(out.Regions) != len(ec2Regions) {
		t.Errorf("%d regions, want %d", len(out.Regions), len(ec2Regions))
	}
	if call, _ := log.last(t); !call.ReadOnly || call.EventName != "DescribeRegions" {
		t.Errorf("recorded %+v", call)
	}
	out, err = c.DescribeRegions(ctx, &ec2.DescribeRegionsInput{Filters: []types.Filter{{Name: aws.String("region-name"), Values: []string{"eu-*"}}}})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range out.Regions {
		if !strings.HasPrefix(aws.ToString(r.RegionName), "eu-") || aws.ToString(r.Endpoint) == "" {
			t.Errorf("region %s (%s) does not match eu-*", aws.ToString(r.RegionName), aws.ToString(r.Endpoint))
		}
	}
	if len(out.Regions) != 6 {
		t.Errorf("%d eu regions, want 6", len(out.Regions))
	}
}

// ec2ErrorDoc is the error document EC2 answers with.
type ec2ErrorDoc struct {
	XMLName xml.Name `xml:"Response"`
	Errors  []struct {
		Code    string `xml:"Code"`
		Message string `xml:"Message"`
	} `xml:"Errors>Error"`
	RequestID string `xml:"RequestID"`
}

func postEC2(t *testing.T, endpoint, body string) (int, ec2ErrorDoc) {
	t.Helper()
	resp, err := http.Post(endpoint, "application/x-www-form-urlencoded", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var doc ec2ErrorDoc
	raw, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		if err := xml.Unmarshal(raw, &doc); err != nil {
			t.Fatalf("error body %q: %v", raw, err)
		}
	}
	return resp.StatusCode, doc
}

func TestEC2ProtocolErrors(t *testing.T) {
	log := &callLog{}
	endpoint := serveDirect(t, "ec2", newEC2(log.record).serve)
	tests := []struct{ body, code string }{
		{"Action=DescribeVolcanoes&Version=2016-11-15", "InvalidAction"},
		{"Version=2016-11-15", "MissingAction"},
		{"Action=%zz", "MalformedQueryString"},
		{"Action=StopInstances&Version=2016-11-15", "MissingParameter"},
		{"Action=RunInstances&ImageId=ami-12345678&MinCount=x&MaxCount=1", "InvalidParameterValue"},
	}
	for _, tt := range tests {
		status, doc := postEC2(t, endpoint, tt.body)
		if status != http.StatusBadRequest || len(doc.Errors) != 1 || doc.Errors[0].Code != tt.code || doc.RequestID == "" {
			t.Errorf("%q: status %d, %+v; want 400 %s", tt.body, status, doc, tt.code)
		}
	}
	for _, c := range log.calls {
		if c.EventName == "DescribeVolcanoes" || c.EventName == "" {
			t.Errorf("recorded a call to an action that does not exist: %+v", c)
		}
	}
}

func TestEC2Wildcard(t *testing.T) {
	tests := []struct {
		pattern, s string
		want       bool
	}{
		{"", "", true},
		{"*", "", true},
		{"running", "running", true},
		{"run*", "running", true},
		{"*ing", "running", true},
		{"r?nning", "running", true},
		{"r*n*g", "running", true},
		{"r*x", "running", false},
		{"running", "runnin", false},
		{"?", "", false},
		{"a*b*c", "aXbYbZc", true},
		{"é?", "éa", true},
	}
	for _, tt := range tests {
		if got := ec2Wildcard(tt.pattern, tt.s); got != tt.want {
			t.Errorf("ec2Wildcard(%q, %q) = %v", tt.pattern, tt.s, got)
		}
	}
}

func FuzzEC2Handler(f *testing.F) {
	f.Add("Action=RunInstances&ImageId=ami-12345678&MinCount=1&MaxCount=3&TagSpecification.1.ResourceType=instance&TagSpecification.1.Tag.1.Key=a")
	f.Add("Action=DescribeInstances&Filter.1.Name=tag:Name&Filter.1.Value.1=*x?")
	f.Add("Action=StopInstances&InstanceId.1=i-0123456789abcdef0")
	f.Add("Action=DescribeRegions&RegionName.1=eu-west-1&AllRegions=true")
	e := newEC2(func(Call) {})
	f.Fuzz(func(t *testing.T, body string) {
		for _, action := range []string{"", "&Action=DescribeInstances", "&Action=TerminateInstances"} {
			r := httptest.NewRequest(http.MethodPost, "/", nil)
			w := httptest.NewRecorder()
			e.serve(w, &Request{HTTP: r, Service: "ec2", Region: "us-east-1", Caller: Caller{AccountID: testAccount}, Body: []byte(body + action), RequestID: "r"})
			if w.Code != http.StatusOK && w.Code != http.StatusBadRequest {
				t.Fatalf("status %d for %q", w.Code, body)
			}
			if _, err := url.ParseQuery(body); err == nil && w.Code == http.StatusOK {
				var v struct{}
				if err := xml.Unmarshal(w.Body.Bytes(), &v); err != nil {
					t.Fatalf("answer is not XML: %v", err)
				}
			}
		}
	})
}

func TestEC2RecordedThroughServer(t *testing.T) {
	ctx := context.Background()
	_, endpoint := startServer(t, Config{Rate: -1})
	c := ec2.NewFromConfig(testConfig(endpoint, KeyAlice, "eu-central-1"))
	run, err := c.RunInstances(ctx, &ec2.RunInstancesInput{ImageId: aws.String("ami-12345678"), MinCount: aws.Int32(1), MaxCount: aws.Int32(1)})
	if err != nil {
		t.Fatal(err)
	}
	id := aws.ToString(run.Instances[0].InstanceId)
	if _, err := c.StopInstances(ctx, &ec2.StopInstancesInput{InstanceIds: []string{"i-0000000000000000f"}}); apiCode(err) != "InvalidInstanceID.NotFound" {
		t.Fatalf("stop a missing instance: %v", err)
	}

	out, err := ctClient(endpoint, KeyAlice, "eu-central-1").LookupEvents(ctx, &cloudtrail.LookupEventsInput{
		LookupAttributes: []cttypes.LookupAttribute{{AttributeKey: cttypes.LookupAttributeKeyEventSource, AttributeValue: aws.String("ec2.amazonaws.com")}},
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(out.Events) != 2 {
		t.Fatalf("%d ec2 events, want 2", len(out.Events))
	}
	stop, launch := out.Events[0], out.Events[1]
	if len(launch.Resources) != 1 || aws.ToString(launch.Resources[0].ResourceName) != id || aws.ToString(launch.Resources[0].ResourceType) != "AWS::EC2::Instance" {
		t.Errorf("RunInstances resources %+v", launch.Resources)
	}
	var rec map[string]any
	if err := json.Unmarshal([]byte(aws.ToString(launch.CloudTrailEvent)), &rec); err != nil {
		t.Fatal(err)
	}
	if got := dig(t, rec, "responseElements", "instancesSet", "items").([]any)[0].(map[string]any)["instanceId"]; got != id || rec["awsRegion"] != "eu-central-1" || rec["readOnly"] != false {
		t.Errorf("RunInstances record %v", rec)
	}
	if err := json.Unmarshal([]byte(aws.ToString(stop.CloudTrailEvent)), &rec); err != nil {
		t.Fatal(err)
	}
	if rec["errorCode"] != "Client.InvalidInstanceID.NotFound" || rec["responseElements"] != nil {
		t.Errorf("failed StopInstances record %v", rec)
	}
}
