package archive

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudtrail"

	"github.com/lazytrail/lazytrail/model"
	"github.com/lazytrail/lazytrail/source"
	"github.com/lazytrail/lazytrail/source/emulator"
	"github.com/lazytrail/lazytrail/source/emulator/emulatortest"
)

// TestS3ReadsWhatTheEmulatorDelivers creates a trail and an organization
// trail in the emulator, lets it deliver their log files to S3, resolves the
// trails by name and reads the events back through S3.
func TestS3ReadsWhatTheEmulatorDelivers(t *testing.T) {
	emu, endpoint := emulatortest.Start(t, emulator.Config{Rate: -1, Logf: t.Logf})
	s3c := emulatortest.S3(endpoint, emulator.KeyAlice)
	ct := emulatortest.CloudTrail(endpoint, emulator.KeyAlice)
	ctx := context.Background()

	emulatortest.CreateBucket(t, s3c, "trail-logs")
	trails := map[string]bool{"main": false, "org": true} // name -> organization trail
	for name, org := range trails {
		emulatortest.StartTrail(t, ct, &cloudtrail.CreateTrailInput{
			Name: aws.String(name), S3BucketName: aws.String("trail-logs"), S3KeyPrefix: aws.String("trails/" + name),
			IsOrganizationTrail: aws.Bool(org), IsMultiRegionTrail: aws.Bool(true),
		})
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
			events, problems, _ := readS3(t, src, source.Query{})
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
