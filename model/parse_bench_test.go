package model

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"time"
)

// benchRecords builds n records shaped like the ones
// /work/shared/tools/gen_archive.py writes (and like real delivery files):
// the same users, calls, regions, user agents, error rate and fields, with
// compact JSON in the key order CloudTrail uses.
func benchRecords(n int) [][]byte {
	const account = "123456789012"
	type user struct{ kind, name string }
	users := []user{{"IAMUser", "alice"}, {"IAMUser", "bob"}, {"IAMUser", "carol"}, {"AssumedRole", "deploy-bot"},
		{"AssumedRole", "ci-runner"}, {"Root", ""}, {"AWSService", ""}, {"IAMUser", "dave"},
		{"AssumedRole", "AWSReservedSSO_Admin_abc/erin@example.com"}, {"IAMUser", "frank"}}
	type call struct {
		source, name string
		readOnly     bool
		resource     string
	}
	calls := []call{
		{"ec2.amazonaws.com", "RunInstances", false, "AWS::EC2::Instance"},
		{"ec2.amazonaws.com", "TerminateInstances", false, "AWS::EC2::Instance"},
		{"ec2.amazonaws.com", "DescribeInstances", true, ""},
		{"ec2.amazonaws.com", "AuthorizeSecurityGroupIngress", false, "AWS::EC2::SecurityGroup"},
		{"s3.amazonaws.com", "CreateBucket", false, "AWS::S3::Bucket"},
		{"s3.amazonaws.com", "ListBuckets", true, ""},
		{"iam.amazonaws.com", "CreateUser", false, "AWS::IAM::User"},
		{"iam.amazonaws.com", "ListRoles", true, ""},
		{"sts.amazonaws.com", "AssumeRole", true, "AWS::IAM::Role"},
		{"sts.amazonaws.com", "GetCallerIdentity", true, ""},
		{"cloudtrail.amazonaws.com", "LookupEvents", true, ""},
		{"lambda.amazonaws.com", "Invoke", false, "AWS::Lambda::Function"},
		{"kms.amazonaws.com", "Decrypt", true, "AWS::KMS::Key"},
		{"signin.amazonaws.com", "ConsoleLogin", false, ""},
		{"rds.amazonaws.com", "CreateDBInstance", false, "AWS::RDS::DBInstance"},
	}
	regions := []string{"us-east-1", "us-west-2", "eu-west-1"}
	agents := []string{"aws-cli/2.15.30 Python/3.11.8 Linux/6.1.0 exe/x86_64.debian.12 prompt/off command/ec2.run-instances",
		"console.amazonaws.com", "Boto3/1.34.69 md/Botocore#1.34.69 ua/2.0 os/linux#6.1.0 lang/python#3.11.8",
		"aws-sdk-go-v2/1.30.3 os/linux lang/go#1.22.5 md/GOOS#linux md/GOARCH#amd64 api/ec2#1.171.0",
		"Terraform/1.8.5 (+https://www.terraform.io) terraform-provider-aws/5.58.0", "AWS Internal"}
	rng := rand.New(rand.NewPCG(1, 2))
	uuid := func() string {
		return fmt.Sprintf("%08x-%04x-%04x-%04x-%012x", rng.Uint32(), rng.Uint32()&0xffff, rng.Uint32()&0xffff,
			rng.Uint32()&0xffff, rng.Uint64()&0xffffffffffff)
	}
	q := func(s string) string {
		b, _ := json.Marshal(s)
		return string(b)
	}
	start := time.Date(2026, 11, 17, 0, 0, 0, 0, time.UTC)
	out := make([][]byte, n)
	for i := range out {
		u := users[rng.IntN(len(users))]
		c := calls[rng.IntN(len(calls))]
		region := regions[rng.IntN(len(regions))]
		key := fmt.Sprintf("AKIA%016X", rng.Uint64())
		var ident string
		switch u.kind {
		case "IAMUser":
			ident = fmt.Sprintf(`{"type":"IAMUser","accountId":%q,"principalId":"AIDA%sEXAMPLE","arn":"arn:aws:iam::%s:user/%s","userName":%q,"accessKeyId":%q}`,
				account, strings.ToUpper(u.name), account, u.name, u.name, key)
		case "AssumedRole":
			role, session, ok := strings.Cut(u.name, "/")
			if !ok {
				session = fmt.Sprintf("session-%d", 1000+rng.IntN(9000))
			}
			ident = fmt.Sprintf(`{"type":"AssumedRole","accountId":%q,"principalId":"AROAEXAMPLE:%s","arn":"arn:aws:sts::%s:assumed-role/%s/%s","accessKeyId":"ASIA%s","sessionContext":{"sessionIssuer":{"type":"Role","principalId":"AROAEXAMPLE","arn":"arn:aws:iam::%s:role/%s","accountId":%q,"userName":%q},"attributes":{"creationDate":"2024-05-31T04:42:22Z","mfaAuthenticated":"false"}}}`,
				account, session, account, role, session, key[4:], account, role, account, role)
		case "Root":
			ident = fmt.Sprintf(`{"type":"Root","accountId":%q,"principalId":%q,"arn":"arn:aws:iam::%s:root","accessKeyId":%q}`, account, account, account, key)
		default:
			ident = `{"type":"AWSService","invokedBy":"autoscaling.amazonaws.com"}`
		}
		t := start.Add(time.Duration(i) * 250 * time.Millisecond)
		params := "null"
		switch {
		case c.name == "RunInstances":
			params = `{"instancesSet":{"items":[{"imageId":"ami-0abcdef1234567890","minCount":1,"maxCount":1}]},"instanceType":"t3.micro"}`
		case c.source == "s3.amazonaws.com":
			params = fmt.Sprintf(`{"bucketName":"logs-%d"}`, 1+rng.IntN(50))
		}
		failed := rng.IntN(100) < 6
		response := "null"
		if !failed && !c.readOnly {
			response = fmt.Sprintf(`{"requestId":%q}`, uuid())
		}
		eventType := "AwsApiCall"
		if c.name == "ConsoleLogin" {
			eventType = "AwsConsoleSignIn"
		}
		var b strings.Builder
		fmt.Fprintf(&b, `{"eventVersion":"1.%02d","userIdentity":%s,"eventTime":%q,"eventSource":%q,"eventName":%q,"awsRegion":%q,"sourceIPAddress":"%d.%d.%d.%d","userAgent":%s,"requestParameters":%s,"responseElements":%s,"requestID":%q,"eventID":%q,"readOnly":%t,"eventType":%q,"managementEvent":true,"recipientAccountId":%q,"eventCategory":"Management","tlsDetails":{"tlsVersion":"TLSv1.3","cipherSuite":"TLS_AES_128_GCM_SHA256","clientProvidedHostHeader":%q}`,
			8+rng.IntN(4), ident, t.Format("2006-01-02T15:04:05Z"), c.source, c.name, region,
			1+rng.IntN(223), rng.IntN(256), rng.IntN(256), 1+rng.IntN(254), q(agents[rng.IntN(len(agents))]),
			params, response, uuid(), uuid(), c.readOnly, eventType, account,
			strings.Replace(c.source, "amazonaws", region+".amazonaws", 1))
		if failed {
			b.WriteString(`,"errorCode":"AccessDenied","errorMessage":"User is not authorized to perform this operation"`)
		}
		if c.resource != "" && rng.IntN(10) < 7 {
			fmt.Fprintf(&b, `,"resources":[{"ARN":"arn:aws:%s:%s:%s:thing/%d","accountId":%q,"type":%q}]`,
				strings.TrimSuffix(c.source, ".amazonaws.com"), region, account, 1+rng.IntN(999), account, c.resource)
		}
		b.WriteByte('}')
		out[i] = []byte(b.String())
	}
	return out
}

// BenchmarkParseRecord parses realistic records with one Parser, as an
// ingest goroutine does; MB/s counts record bytes.
func BenchmarkParseRecord(b *testing.B) {
	records := benchRecords(4096)
	for _, r := range records {
		if _, err := ParseRecord(r); err != nil {
			b.Fatalf("benchmark record does not parse: %v\n%s", err, r)
		}
	}
	total := 0
	for _, r := range records {
		total += len(r)
	}
	p := NewParser()
	b.SetBytes(int64(total / len(records)))
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		if _, err := p.Parse(records[i%len(records)]); err != nil {
			b.Fatal(err)
		}
	}
}
