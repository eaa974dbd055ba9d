package archive

import (
	"errors"
	"fmt"

	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/smithy-go"
)

// AccessDeniedError reports an S3 request refused for lack of permission and
// names the IAM action and resource the caller needs.
type AccessDeniedError struct {
	Action   string // s3:ListBucket or s3:GetObject
	Resource string // arn:aws:s3:::bucket or arn:aws:s3:::bucket/key
	Err      error
}

func (e *AccessDeniedError) Error() string {
	return fmt.Sprintf("access denied: allow %s on %s (%v)", e.Action, e.Resource, e.Err)
}

func (e *AccessDeniedError) Unwrap() error { return e.Err }

// isAccessDenied reports whether err is S3 refusing a request (HTTP 403).
func isAccessDenied(err error) bool {
	var ae smithy.APIError
	if errors.As(err, &ae) && (ae.ErrorCode() == "AccessDenied" || ae.ErrorCode() == "AccessDeniedException" || ae.ErrorCode() == "AllAccessDisabled") {
		return true
	}
	var re *awshttp.ResponseError
	return errors.As(err, &re) && re.HTTPStatusCode() == 403
}

// credentialCodes are the error codes with which AWS refuses the caller's
// credentials themselves: every later request would be refused the same way.
var credentialCodes = map[string]bool{
	"ExpiredToken": true, "ExpiredTokenException": true, "TokenRefreshRequired": true, "RequestExpired": true,
	"InvalidAccessKeyId": true, "InvalidClientTokenId": true, "InvalidToken": true, "SignatureDoesNotMatch": true,
}

// haltsScan reports whether err refuses the credentials rather than one
// object, so that reading on would only repeat it for every object.
func haltsScan(err error) bool {
	var ae smithy.APIError
	return errors.As(err, &ae) && credentialCodes[ae.ErrorCode()]
}

// listError wraps a failed ListObjectsV2 under prefix.
func (s *S3) listError(prefix string, err error) error {
	if isAccessDenied(err) {
		err = &AccessDeniedError{Action: "s3:ListBucket", Resource: "arn:aws:s3:::" + s.loc.Bucket, Err: err}
	}
	return fmt.Errorf("list s3://%s/%s: %w", s.loc.Bucket, prefix, err)
}

// getError wraps a failed GetObject of key.
func (s *S3) getError(key string, err error) error {
	if isAccessDenied(err) {
		err = &AccessDeniedError{Action: "s3:GetObject", Resource: "arn:aws:s3:::" + s.loc.Bucket + "/" + key, Err: err}
	}
	return fmt.Errorf("get s3://%s/%s: %w", s.loc.Bucket, key, err)
}
