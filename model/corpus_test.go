package model

import (
	"fmt"
	"math/rand/v2"
	"time"
)

// synth generates CloudTrail-like events in process, newest first, with
// the mix /work/shared/tools/gen_archive.py uses: 10 callers, 20 calls,
// 4 regions, random source IPs and access keys, unique IDs, 6% errors,
// resources on 70% of the calls that have a resource type.
type synth struct {
	rng   *rand.Rand
	t     time.Time
	blob  *memBlob
	inBlb int
}

var synthUsers = []struct{ kind, name string }{
	{"IAMUser", "alice"}, {"IAMUser", "bob"}, {"IAMUser", "carol"}, {"AssumedRole", "deploy-bot"},
	{"AssumedRole", "ci-runner"}, {"Root", ""}, {"AWSService", ""}, {"IAMUser", "dave"},
	{"AssumedRole", "AWSReservedSSO_Admin_abc/erin@example.com"}, {"IAMUser", "frank"},
}

var synthCalls = []struct{ source, name, rtype string }{
	{"ec2.amazonaws.com", "RunInstances", "AWS::EC2::Instance"},
	{"ec2.amazonaws.com", "TerminateInstances", "AWS::EC2::Instance"},
	{"ec2.amazonaws.com", "DescribeInstances", ""},
	{"ec2.amazonaws.com", "AuthorizeSecurityGroupIngress", "AWS::EC2::SecurityGroup"},
	{"s3.amazonaws.com", "CreateBucket", "AWS::S3::Bucket"},
	{"s3.amazonaws.com", "PutBucketPolicy", "AWS::S3::Bucket"},
	{"s3.amazonaws.com", "ListBuckets", ""},
	{"iam.amazonaws.com", "CreateUser", "AWS::IAM::User"},
	{"iam.amazonaws.com", "AttachRolePolicy", "AWS::IAM::Role"},
	{"iam.amazonaws.com", "ListRoles", ""},
	{"sts.amazonaws.com", "AssumeRole", "AWS::IAM::Role"},
	{"sts.amazonaws.com", "GetCallerIdentity", ""},
	{"cloudtrail.amazonaws.com", "CreateTrail", "AWS::CloudTrail::Trail"},
	{"cloudtrail.amazonaws.com", "StartLogging", "AWS::CloudTrail::Trail"},
	{"cloudtrail.amazonaws.com", "LookupEvents", ""},
	{"lambda.amazonaws.com", "Invoke", "AWS::Lambda::Function"},
	{"kms.amazonaws.com", "Decrypt", "AWS::KMS::Key"},
	{"signin.amazonaws.com", "ConsoleLogin", ""},
	{"logs.amazonaws.com", "CreateLogGroup", "AWS::Logs::LogGroup"},
	{"rds.amazonaws.com", "CreateDBInstance", "AWS::RDS::DBInstance"},
}

var (
	synthRegions = []string{"us-east-1", "us-west-2", "eu-west-1", "ap-southeast-2"}
	synthAgents  = []string{
		"aws-cli/2.15.30 Python/3.11.8 Linux/6.1.0 exe/x86_64.debian.12 prompt/off command/ec2.run-instances",
		"console.amazonaws.com", "Boto3/1.34.69 md/Botocore#1.34.69 ua/2.0 os/linux#6.1.0 lang/python#3.11.8",
		"aws-sdk-go-v2/1.30.3 os/linux lang/go#1.22.5 md/GOOS#linux md/GOARCH#amd64 api/ec2#1.171.0",
		"Terraform/1.8.5 (+https://www.terraform.io) terraform-provider-aws/5.58.0", "AWS Internal"}
	synthCodes = []string{"AccessDenied", "Client.UnauthorizedOperation", "ThrottlingException", "NoSuchEntity"}
)

const synthAccount = "123456789012"

// memBlob is a Blob held in memory.
type memBlob struct {
	name string
	data []byte
}

func (b *memBlob) Name() string             { return b.name }
func (b *memBlob) Content() ([]byte, error) { return b.data, nil }

func newSynth(seed uint64) *synth {
	return &synth{rng: rand.New(rand.NewPCG(seed, 1)), t: time.Date(2026, 11, 20, 0, 0, 0, 0, time.UTC)}
}

// page returns the next n events, each no newer than the one before; about
// half share their second with a neighbour. Every 300 events share a blob.
func (g *synth) page(n int) []Event {
	out := make([]Event, n)
	for i := range out {
		g.t = g.t.Add(-time.Duration(g.rng.IntN(2)) * time.Second)
		out[i] = g.event()
	}
	return out
}

func (g *synth) event() Event {
	r := g.rng
	u := synthUsers[r.IntN(len(synthUsers))]
	c := synthCalls[r.IntN(len(synthCalls))]
	region := synthRegions[r.IntN(len(synthRegions))]
	e := Event{
		ID:           fmt.Sprintf("%08x-%04x-%04x-%04x-%012x", r.Uint32(), r.Uint32()&0xffff, r.Uint32()&0xffff, r.Uint32()&0xffff, r.Uint64()&0xffffffffffff),
		Time:         g.t,
		Name:         c.name,
		Source:       c.source,
		Region:       region,
		SourceIP:     fmt.Sprintf("%d.%d.%d.%d", 1+r.IntN(223), r.IntN(256), r.IntN(256), 1+r.IntN(254)),
		UserAgent:    synthAgents[r.IntN(len(synthAgents))],
		Type:         "AwsApiCall",
		Category:     "Management",
		Account:      synthAccount,
		IdentityType: u.kind,
		ReadOnly:     ReadOnlyFalse,
	}
	if c.name[:4] == "List" || c.name[:4] == "Desc" || c.name[:3] == "Get" || c.name == "Decrypt" || c.name == "AssumeRole" || c.name == "LookupEvents" {
		e.ReadOnly = ReadOnlyTrue
	}
	if c.name == "ConsoleLogin" {
		e.Type = "AwsConsoleSignIn"
	}
	key := make([]byte, 16)
	for i := range key {
		key[i] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"[r.IntN(36)]
	}
	switch u.kind {
	case "IAMUser":
		e.Who, e.AccessKeyID = u.name, "AKIA"+string(key)
	case "AssumedRole":
		e.Who = u.name
		if u.name[0] != 'A' {
			e.Who = fmt.Sprintf("%s/session-%d", u.name, 1000+r.IntN(9000))
		}
		e.AccessKeyID = "ASIA" + string(key)
	case "Root":
		e.Who, e.AccessKeyID = "root", "AKIA"+string(key)
	case "AWSService":
		e.Who = "autoscaling.amazonaws.com"
	}
	if r.Float64() < 0.06 {
		e.ErrorCode = synthCodes[r.IntN(len(synthCodes))]
		e.ErrorMessage = "User is not authorized to perform this operation"
	}
	if c.rtype != "" && r.Float64() < 0.7 {
		service := c.source[:len(c.source)-len(".amazonaws.com")]
		e.Resources = []Resource{{ARN: fmt.Sprintf("arn:aws:%s:%s:%s:thing/%d", service, region, synthAccount, 1+r.IntN(999)), Type: c.rtype}}
	}
	if g.blob == nil || g.inBlb == 300 {
		g.blob, g.inBlb = &memBlob{name: fmt.Sprintf("file-%d.json.gz", r.Uint32())}, 0
	}
	e.Blob, e.RawOffset, e.RawLength = g.blob, g.inBlb*1500, 1400+r.IntN(100)
	g.inBlb++
	return e
}
