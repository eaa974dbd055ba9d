package archive

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudtrail"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/lazytrail/lazytrail/source"
	"github.com/lazytrail/lazytrail/source/emulator"
	"github.com/lazytrail/lazytrail/source/emulator/emulatortest"
)

// TestS3AccessDeniedByTheEmulator reads a delivered archive with keys the
// emulator's key table denies s3:ListBucket or s3:GetObject, and checks that
// the archive source names the action, the resource and the emulator's
// AccessDenied message.
func TestS3AccessDeniedByTheEmulator(t *testing.T) {
	const (
		keyNoList = "AKIAEMULATORNOLIST01"
		keyNoGet  = "AKIAEMULATORNOGET001"
		bucket    = "trail-logs"
	)
	keys, err := emulator.ParseKeyTable(emulator.KeyAlice + "=IAMUser:alice," +
		keyNoList + "=IAMUser:auditor;deny=s3:ListBucket," + keyNoGet + "=IAMUser:reader;deny=s3:GetObject")
	if err != nil {
		t.Fatal(err)
	}
	emu, endpoint := emulatortest.Start(t, emulator.Config{Rate: -1, KeyTable: keys, Logf: t.Logf})
	s3For := func(key string) *s3.Client { return emulatortest.S3(endpoint, key) }
	ctx := context.Background()
	emulatortest.CreateBucket(t, s3For(emulator.KeyAlice), bucket)
	emulatortest.StartTrail(t, emulatortest.CloudTrail(endpoint, emulator.KeyAlice),
		&cloudtrail.CreateTrailInput{Name: aws.String("main"), S3BucketName: aws.String(bucket)})
	emu.Deliver(time.Now())
	loc := S3Location{Bucket: bucket}

	// The owner reads the archive: the denials below are the keys' own.
	if events, problems, _ := readS3(t, NewS3(s3For(emulator.KeyAlice), loc, S3Options{}), source.Query{}); len(events) == 0 || len(problems) > 0 {
		t.Fatalf("owner read %d events, problems %v", len(events), problems)
	}

	_, err = NewS3(s3For(keyNoList), loc, S3Options{}).Open(ctx, source.Query{})
	var ad *AccessDeniedError
	if !errors.As(err, &ad) || ad.Action != "s3:ListBucket" || ad.Resource != "arn:aws:s3:::"+bucket {
		t.Fatalf("Open without s3:ListBucket = %v, want an access denied error naming s3:ListBucket on the bucket", err)
	}
	if !strings.Contains(err.Error(), "is not authorized to perform: s3:ListBucket on resource: arn:aws:s3:::"+bucket) {
		t.Errorf("error %q does not carry the emulator's message", err)
	}

	events, problems, _ := readS3(t, NewS3(s3For(keyNoGet), loc, S3Options{}), source.Query{})
	if len(events) != 0 || len(problems) == 0 {
		t.Fatalf("without s3:GetObject: %d events, %d problems", len(events), len(problems))
	}
	for _, p := range problems {
		if !errors.As(p.Err, &ad) || ad.Action != "s3:GetObject" || "s3://"+bucket+"/"+strings.TrimPrefix(ad.Resource, "arn:aws:s3:::"+bucket+"/") != p.Where {
			t.Errorf("problem %s: %v, want access denied naming s3:GetObject on the object", p.Where, p.Err)
		}
		if !strings.Contains(p.Err.Error(), "is not authorized to perform: s3:GetObject on resource: "+ad.Resource) {
			t.Errorf("problem %s: %q does not carry the emulator's message", p.Where, p.Err)
		}
	}
}
