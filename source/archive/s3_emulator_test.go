package archive

import (
	"context"
	"errors"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/cloudtrail"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/lazytrail/lazytrail/model"
	"github.com/lazytrail/lazytrail/source"
	"github.com/lazytrail/lazytrail/source/emulator"
)

// TestS3ReadsWhatTheEmulatorDelivers creates a trail and an organization
// trail in the emulator, lets it deliver their log files to S3, resolves the
// trails by name and reads the events back through S3.
func TestS3ReadsWhatTheEmulatorDelivers(t *testing.T) {
	emu, err := emulator.New(emulator.Config{Rate: -1, Logf: t.Logf})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { emu.Close() })
	srv := httptest.NewServer(emu.Handler())
	t.Cleanup(srv.Close)
	creds := credentials.NewStaticCredentialsProvider("AKIAIOSFODNN7EXAMPLE", "secret", "")
	s3c := s3.New(s3.Options{Region: "us-east-1", BaseEndpoint: aws.String(srv.URL), UsePathStyle: true, Credentials: creds})
	ct := cloudtrail.New(cloudtrail.Options{Region: "us-east-1", BaseEndpoint: aws.String(srv.URL), Credentials: creds})
	ctx := context.Background()

	if _, err := s3c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("trail-logs")}); err != nil {
		t.Fatal(err)
	}
	trails := map[string]bool{"main": false, "org": true} // name -> organization trail
	for name, org := range trails {
		_, err := ct.CreateTrail(ctx, &cloudtrail.CreateTrailInput{
			Name: aws.String(name), S3BucketName: aws.String("trail-logs"), S3KeyPrefix: aws.String("trails/" + name),
			IsOrganizationTrail: aws.Bool(org), IsMultiRegionTrail: aws.Bool(true),
		})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := ct.StartLogging(ctx, &cloudtrail.StartLoggingInput{Name: aws.String(name)}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := ct.GetTrailStatus(ctx, &cloudtrail.GetTrailStatusInput{Name: aws.String("main")}); err != nil {
		t.Fatal(err)
	}
	emu.Deliver(time.Now())

	for name, org := range trails {
		t.Run(name, func(t *testing.T) {
			loc, err := ResolveTrail(ctx, ct, name)
			if err != nil {
				t.Fatal(err)
			}
			if loc.Bucket != "trail-logs" || loc.Prefix != "trails/"+name+"/" {
				t.Fatalf("ResolveTrail(%q) = %+v", name, loc)
			}
			src := NewS3(s3c, loc, S3Options{})
			c, err := src.Open(ctx, source.Query{})
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			events, problems, _ := readAll(t, c)
			if len(problems) > 0 {
				t.Errorf("problems: %v", problems)
			}
			if !slices.ContainsFunc(events, func(e model.Event) bool { return e.Name == "GetTrailStatus" }) {
				t.Errorf("the %d events read do not include the GetTrailStatus call", len(events))
			}
			r := &s3Scan{s: src}
			if err := r.discover(ctx, false); err != nil {
				t.Fatal(err)
			}
			for _, f := range r.folders {
				if inOrg := strings.Contains(f.prefix, "/AWSLogs/o-"); inOrg != org {
					t.Errorf("folder %s: under an organization = %v, want %v", f.prefix, inOrg, org)
				}
			}
		})
	}

	if _, err := ResolveTrail(ctx, ct, "missing"); !errors.Is(err, ErrTrailNotFound) {
		t.Errorf("ResolveTrail of a missing trail = %v, want ErrTrailNotFound", err)
	}
}
