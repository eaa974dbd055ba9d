package archive

import (
	"context"
	"errors"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudtrail"
)

// ErrTrailNotFound is returned by ResolveTrail for a trail that
// DescribeTrails does not list.
var ErrTrailNotFound = errors.New("trail not found")

// ResolveTrail returns the S3 location where the trail called name (a trail
// name in the client's region, or a trail ARN) delivers its log files, as
// DescribeTrails reports it. The location is not narrowed: an organization
// trail's member accounts and the regions are discovered when it is opened.
func ResolveTrail(ctx context.Context, client *cloudtrail.Client, name string) (S3Location, error) {
	out, err := client.DescribeTrails(ctx, &cloudtrail.DescribeTrailsInput{
		TrailNameList:       []string{name},
		IncludeShadowTrails: aws.Bool(true),
	})
	if err != nil {
		if isAccessDenied(err) {
			err = &AccessDeniedError{Action: "cloudtrail:DescribeTrails", Resource: name, Err: err}
		}
		return S3Location{}, fmt.Errorf("describe trail %s: %w", name, err)
	}
	for _, t := range out.TrailList {
		if aws.ToString(t.Name) != name && aws.ToString(t.TrailARN) != name {
			continue
		}
		if aws.ToString(t.S3BucketName) == "" {
			return S3Location{}, fmt.Errorf("describe trail %s: the trail names no S3 bucket", name)
		}
		return S3Location{Bucket: aws.ToString(t.S3BucketName), Prefix: normalizePrefix(aws.ToString(t.S3KeyPrefix))}, nil
	}
	return S3Location{}, fmt.Errorf("describe trail %s: %w", name, ErrTrailNotFound)
}
