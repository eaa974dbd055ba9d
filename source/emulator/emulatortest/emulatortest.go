// Package emulatortest serves the emulator to tests in other packages and
// builds the AWS SDK clients and environment that talk to it: the setup
// those tests share, in one place.
package emulatortest

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/cloudtrail"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/lazytrail/lazytrail/source/emulator"
)

// Region is the region the configurations built here sign for.
const Region = "us-east-1"

// Secret is the secret access key the configurations built here sign with.
// The emulator takes the caller's identity from the access key ID alone.
const Secret = "test-secret"

// Start creates an emulator with cfg, serves it on a loopback port and
// closes it when the test ends. It returns the server and its endpoint URL.
func Start(tb testing.TB, cfg emulator.Config) (*emulator.Server, string) {
	tb.Helper()
	srv, err := emulator.New(cfg)
	if err != nil {
		tb.Fatalf("emulator.New: %v", err)
	}
	endpoint, err := srv.Start("127.0.0.1:0")
	if err != nil {
		_ = srv.Close()
		tb.Fatalf("start emulator: %v", err)
	}
	tb.Cleanup(func() { _ = srv.Close() })
	return srv, endpoint
}

// AWSConfig returns an SDK configuration that sends every call to endpoint
// in Region, signed with accessKey and Secret, over emulator.HTTPClient. It
// reads nothing from the environment or the shared AWS files.
func AWSConfig(endpoint, accessKey string) aws.Config {
	return aws.Config{
		Region:       Region,
		BaseEndpoint: aws.String(endpoint),
		Credentials:  credentials.NewStaticCredentialsProvider(accessKey, Secret, ""),
		HTTPClient:   emulator.HTTPClient(),
	}
}

// S3 returns an S3 client for endpoint with path-style addressing, as the
// emulator serves buckets, signed with accessKey; optFns adjust it further.
func S3(endpoint, accessKey string, optFns ...func(*s3.Options)) *s3.Client {
	pathStyle := func(o *s3.Options) { o.UsePathStyle = true }
	return s3.NewFromConfig(AWSConfig(endpoint, accessKey), append([]func(*s3.Options){pathStyle}, optFns...)...)
}

// CloudTrail returns a CloudTrail client for endpoint signed with accessKey.
func CloudTrail(endpoint, accessKey string) *cloudtrail.Client {
	return cloudtrail.NewFromConfig(AWSConfig(endpoint, accessKey))
}

// CreateBucket creates bucket through c, failing the test if it cannot.
func CreateBucket(tb testing.TB, c *s3.Client, bucket string) {
	tb.Helper()
	if _, err := c.CreateBucket(context.Background(), &s3.CreateBucketInput{Bucket: aws.String(bucket)}); err != nil {
		tb.Fatalf("create bucket %s: %v", bucket, err)
	}
}

// StartTrail creates the trail in, which must name its S3 bucket, and starts
// its logging, failing the test if either call fails.
func StartTrail(tb testing.TB, ct *cloudtrail.Client, in *cloudtrail.CreateTrailInput) {
	tb.Helper()
	ctx := context.Background()
	if _, err := ct.CreateTrail(ctx, in); err != nil {
		tb.Fatalf("create trail %s: %v", aws.ToString(in.Name), err)
	}
	if _, err := ct.StartLogging(ctx, &cloudtrail.StartLoggingInput{Name: in.Name}); err != nil {
		tb.Fatalf("start logging %s: %v", aws.ToString(in.Name), err)
	}
}

// IsolateAWS keeps the machine's AWS settings out of a test: it clears every
// AWS_ variable, points the SDK at empty shared config and credentials
// files and turns off the instance metadata service. The variables are
// restored when the test ends.
func IsolateAWS(tb testing.TB) {
	tb.Helper()
	for _, kv := range os.Environ() {
		if name, _, _ := strings.Cut(kv, "="); strings.HasPrefix(name, "AWS_") {
			tb.Setenv(name, "") // restored when the test ends
			os.Unsetenv(name)
		}
	}
	empty := filepath.Join(tb.TempDir(), "empty")
	if err := os.WriteFile(empty, nil, 0o600); err != nil {
		tb.Fatal(err)
	}
	tb.Setenv("AWS_CONFIG_FILE", empty)
	tb.Setenv("AWS_SHARED_CREDENTIALS_FILE", empty)
	tb.Setenv("AWS_EC2_METADATA_DISABLED", "true")
}
