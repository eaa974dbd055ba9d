package emulator

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudtrail"
	"github.com/aws/aws-sdk-go-v2/service/cloudtrail/types"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/aws/smithy-go"
)

// Keys of testdata/emulator/keytable.json with denied actions and an
// expired session.
const (
	keyDenied  = "AKIAEMULATORDENIED01"
	keyExpired = "ASIAEMULATOREXPIRED1"
)

// accessClients are SDK clients of one access key, without retries.
type accessClients struct {
	ct  *cloudtrail.Client
	s3  *s3.Client
	ec2 *ec2.Client
	sts *sts.Client
}

func clientsFor(endpoint, key string) accessClients {
	cfg := testConfig(endpoint, key, "us-east-1")
	return accessClients{
		ct:  cloudtrail.NewFromConfig(cfg),
		s3:  s3.NewFromConfig(cfg, pathStyle),
		ec2: ec2.NewFromConfig(cfg),
		sts: sts.NewFromConfig(cfg),
	}
}

func accessServer(t *testing.T) (*Server, string) {
	t.Helper()
	ids, err := LoadKeyTable("../../testdata/emulator/keytable.json")
	if err != nil {
		t.Fatal(err)
	}
	return startServer(t, Config{KeyTable: ids, Rate: -1})
}

// wantAPIError checks that err is the service error code with status and a
// message containing each of parts.
func wantAPIError(t *testing.T, what string, err error, code string, status int, parts ...string) {
	t.Helper()
	var api smithy.APIError
	if !errors.As(err, &api) {
		t.Errorf("%s: got %v, want %s", what, err, code)
		return
	}
	if api.ErrorCode() != code || httpStatus(err) != status {
		t.Errorf("%s: got %s (HTTP %d), want %s (HTTP %d): %v", what, api.ErrorCode(), httpStatus(err), code, status, err)
	}
	for _, p := range parts {
		if !strings.Contains(api.ErrorMessage(), p) {
			t.Errorf("%s: message %q lacks %q", what, api.ErrorMessage(), p)
		}
	}
}

func TestDeniedActionsAnswerAccessDenied(t *testing.T) {
	ctx := context.Background()
	_, endpoint := accessServer(t)
	alice, denied := clientsFor(endpoint, KeyAlice), clientsFor(endpoint, keyDenied)
	const bucket, key = "shared", "report.txt"
	if _, err := alice.s3.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String(bucket)}); err != nil {
		t.Fatal(err)
	}
	if _, err := alice.s3.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String(bucket), Key: aws.String(key),
		Body: strings.NewReader("hello")}); err != nil {
		t.Fatal(err)
	}
	const arn = "arn:aws:iam::" + DefaultAccountID + ":user/intern"

	_, err := denied.ct.LookupEvents(ctx, &cloudtrail.LookupEventsInput{})
	wantAPIError(t, "LookupEvents", err, "AccessDeniedException", 400,
		"User: "+arn+" is not authorized to perform: cloudtrail:LookupEvents on resource: ",
		"because no identity-based policy allows the cloudtrail:LookupEvents action")
	_, err = denied.s3.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(bucket), Key: aws.String(key)})
	wantAPIError(t, "GetObject", err, "AccessDenied", 403, "s3:GetObject on resource: arn:aws:s3:::shared/report.txt")
	_, err = denied.s3.ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: aws.String(bucket)})
	wantAPIError(t, "ListObjectsV2", err, "AccessDenied", 403, "s3:ListBucket on resource: arn:aws:s3:::shared ")
	_, err = denied.ec2.RunInstances(ctx, &ec2.RunInstancesInput{ImageId: aws.String("ami-12345678"),
		InstanceType: ec2types.InstanceTypeT3Micro, MinCount: aws.Int32(1), MaxCount: aws.Int32(1)})
	wantAPIError(t, "RunInstances", err, "UnauthorizedOperation", 403,
		"You are not authorized to perform this operation. User: "+arn+" is not authorized to perform: ec2:RunInstances")
	_, err = denied.sts.GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	wantAPIError(t, "GetCallerIdentity", err, "AccessDenied", 403, "sts:GetCallerIdentity")

	// What the deny list does not name is served.
	if _, err := denied.ct.ListTrails(ctx, &cloudtrail.ListTrailsInput{}); err != nil {
		t.Errorf("ListTrails: %v", err)
	}
	if _, err := denied.s3.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String(bucket), Key: aws.String("upload.txt"),
		Body: strings.NewReader("x")}); err != nil {
		t.Errorf("PutObject: %v", err)
	}
	if _, err := denied.ec2.DescribeInstances(ctx, &ec2.DescribeInstancesInput{}); err != nil {
		t.Errorf("DescribeInstances: %v", err)
	}

	// The denied calls are recorded with their error, as AWS records them.
	out, err := alice.ct.LookupEvents(ctx, &cloudtrail.LookupEventsInput{LookupAttributes: []types.LookupAttribute{
		{AttributeKey: types.LookupAttributeKeyUsername, AttributeValue: aws.String("intern")}}})
	if err != nil {
		t.Fatal(err)
	}
	errs := map[string]string{}
	for _, e := range out.Events {
		var rec struct{ ErrorCode, ErrorMessage string }
		if err := json.Unmarshal([]byte(aws.ToString(e.CloudTrailEvent)), &rec); err != nil {
			t.Fatal(err)
		}
		errs[aws.ToString(e.EventName)] = rec.ErrorCode
		if rec.ErrorCode != "" && !strings.Contains(rec.ErrorMessage, "is not authorized to perform") {
			t.Errorf("%s recorded message %q", aws.ToString(e.EventName), rec.ErrorMessage)
		}
	}
	want := map[string]string{
		"LookupEvents": "AccessDeniedException", "RunInstances": "Client.UnauthorizedOperation",
		"GetCallerIdentity": "AccessDenied", "ListTrails": "", "DescribeInstances": "",
	}
	for name, code := range want {
		if got, ok := errs[name]; !ok || got != code {
			t.Errorf("recorded %s: errorCode %q (found %v), want %q", name, got, ok, code)
		}
	}
}

func TestExpiredTokenIsRefusedInEachProtocol(t *testing.T) {
	ctx := context.Background()
	s, endpoint := accessServer(t)
	expired := clientsFor(endpoint, keyExpired)
	before := s.Stats().Events

	_, err := expired.ct.LookupEvents(ctx, &cloudtrail.LookupEventsInput{})
	wantAPIError(t, "LookupEvents", err, "ExpiredTokenException", 400, "The security token included in the request is expired")
	_, err = expired.sts.GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	wantAPIError(t, "GetCallerIdentity", err, "ExpiredToken", 403, "The security token included in the request is expired")
	_, err = expired.s3.ListBuckets(ctx, &s3.ListBucketsInput{})
	wantAPIError(t, "ListBuckets", err, "ExpiredToken", 400, "The provided token has expired.")
	_, err = expired.ec2.DescribeInstances(ctx, &ec2.DescribeInstancesInput{})
	wantAPIError(t, "DescribeInstances", err, "RequestExpired", 400, "Request has expired.")

	// Rejected before authorization, so not recorded.
	if after := s.Stats().Events; after != before {
		t.Errorf("history grew from %d to %d events", before, after)
	}
}
