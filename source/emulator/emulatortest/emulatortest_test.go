package emulatortest_test

import (
	"context"
	"os"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudtrail"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/lazytrail/lazytrail/source/emulator"
	"github.com/lazytrail/lazytrail/source/emulator/emulatortest"
)

// TestTrailDeliversToBucket uses every helper together: a trail started on
// a bucket created through the clients delivers log files to it.
func TestTrailDeliversToBucket(t *testing.T) {
	srv, endpoint := emulatortest.Start(t, emulator.Config{Rate: -1, Logf: t.Logf})
	s3c := emulatortest.S3(endpoint, emulator.KeyAlice)
	emulatortest.CreateBucket(t, s3c, "logs")
	emulatortest.StartTrail(t, emulatortest.CloudTrail(endpoint, emulator.KeyAlice),
		&cloudtrail.CreateTrailInput{Name: aws.String("main"), S3BucketName: aws.String("logs")})
	srv.Deliver(time.Now())

	out, err := s3c.ListObjectsV2(context.Background(), &s3.ListObjectsV2Input{Bucket: aws.String("logs")})
	if err != nil {
		t.Fatal(err)
	}
	if len(out.Contents) == 0 {
		t.Error("the trail delivered no log file to the bucket")
	}
}

func TestIsolateAWS(t *testing.T) {
	t.Setenv("AWS_PROFILE", "someone")
	t.Setenv("AWS_ENDPOINT_URL", "http://192.0.2.1")
	emulatortest.IsolateAWS(t)
	for _, v := range []string{"AWS_PROFILE", "AWS_ENDPOINT_URL", "AWS_ACCESS_KEY_ID"} {
		if val, ok := os.LookupEnv(v); ok {
			t.Errorf("%s is still set to %q", v, val)
		}
	}
	if os.Getenv("AWS_EC2_METADATA_DISABLED") != "true" {
		t.Error("the instance metadata service is not turned off")
	}
	if data, err := os.ReadFile(os.Getenv("AWS_CONFIG_FILE")); err != nil || len(data) != 0 {
		t.Errorf("AWS_CONFIG_FILE: %q, %v; want an empty file", data, err)
	}
}
