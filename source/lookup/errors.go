package lookup

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/smithy-go"
	smithyhttp "github.com/aws/smithy-go/transport/http"
)

// Kind classifies the failures a user can act on.
type Kind int

// The kinds of Error.
const (
	KindOther          Kind = iota // anything else, shown as code and message
	KindNoCredentials              // the credential chain found nothing
	KindBadCredentials             // the service does not know the key or signature
	KindExpiredToken               // the session token or SSO login has expired
	KindNoRegion                   // no region from flags, environment or profile
	KindAccessDenied               // the caller lacks the permission
	KindThrottled                  // still throttled when the retries ran out
	KindUnreachable                // the endpoint cannot be reached
	KindWriteRefused               // a non-read operation was stopped before sending
)

// Error is a failure of the live source, classified so that it reads as one
// clear line. It never carries secrets: only the operation, region, endpoint
// and profile name are kept beside the cause.
type Error struct {
	Kind     Kind
	Op       string // "cloudtrail:LookupEvents", "sts:GetCallerIdentity"
	Region   string
	Endpoint string // the endpoint URL when one was configured
	Profile  string
	Attempts int // attempts made, for KindThrottled
	Err      error
}

// Error implements error with one line that says what is wrong and what to do.
func (e *Error) Error() string {
	switch e.Kind {
	case KindNoCredentials:
		return "no AWS credentials found" + e.profileSuffix() +
			": set AWS_PROFILE or --profile, export AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, or run `aws sso login`"
	case KindBadCredentials:
		return "AWS rejected the credentials" + e.profileSuffix() + " (" + apiCode(e.Err) +
			"): check the access key, or pick another profile"
	case KindExpiredToken:
		return "the AWS session has expired" + e.profileSuffix() +
			": refresh the credentials (e.g. `aws sso login`) and try again"
	case KindNoRegion:
		return "no AWS region set: pass --region, set AWS_REGION, or add a region to the profile"
	case KindAccessDenied:
		return fmt.Sprintf("access denied%s: the caller needs permission for %s", e.where(), e.action())
	case KindThrottled:
		return fmt.Sprintf("throttled by %s%s after %d attempts: another client shares the account's budget; retry later or lower --rate",
			e.service(), e.where(), e.Attempts)
	case KindUnreachable:
		return fmt.Sprintf("cannot reach %s%s: %s", e.endpointName(), e.where(), netCause(e.Err))
	case KindWriteRefused:
		return "refused to call " + e.action() + ": lazytrail only reads (Lookup, Describe, List, Get and Head operations)"
	}
	return fmt.Sprintf("%s%s: %s", e.action(), e.where(), oneLine(e.Err))
}

// Unwrap returns the cause.
func (e *Error) Unwrap() error { return e.Err }

func (e *Error) profileSuffix() string {
	if e.Profile == "" {
		return ""
	}
	return fmt.Sprintf(" for profile %q", e.Profile)
}

func (e *Error) where() string {
	if e.Region == "" {
		return ""
	}
	return " in " + e.Region
}

func (e *Error) action() string {
	if e.Op == "" {
		return "cloudtrail:LookupEvents"
	}
	return e.Op
}

func (e *Error) service() string {
	s, _, _ := strings.Cut(e.action(), ":")
	return s
}

func (e *Error) endpointName() string {
	if e.Endpoint != "" {
		return e.Endpoint
	}
	return "the AWS " + e.service() + " endpoint"
}

// Explain returns one line describing err for the status bar or `list`:
// the classified message for an *Error, the API error code and message for
// other service errors, and the first line of anything else.
func Explain(err error) string {
	if err == nil {
		return ""
	}
	var le *Error
	if errors.As(err, &le) {
		return le.Error()
	}
	if errors.Is(err, context.Canceled) {
		return "cancelled"
	}
	return oneLine(err)
}

// oneLine renders err without SDK noise: "Code: message" for service
// errors, otherwise the first line of its text.
func oneLine(err error) string {
	if err == nil {
		return ""
	}
	var api smithy.APIError
	if errors.As(err, &api) {
		msg := api.ErrorMessage()
		if msg == "" {
			return api.ErrorCode()
		}
		return api.ErrorCode() + ": " + firstLine(msg)
	}
	return firstLine(err.Error())
}

func firstLine(s string) string {
	s, _, _ = strings.Cut(s, "\n")
	return strings.TrimSpace(s)
}

// apiCode is the service error code in err, or "unknown error".
func apiCode(err error) string {
	var api smithy.APIError
	if errors.As(err, &api) {
		return api.ErrorCode()
	}
	return "unknown error"
}

// netCause names why a connection failed, without the request dump the
// SDK wraps around it.
func netCause(err error) string {
	var dns *net.DNSError
	if errors.As(err, &dns) {
		return "cannot resolve " + dns.Name
	}
	var op *net.OpError
	if errors.As(err, &op) && op.Err != nil {
		return op.Op + ": " + firstLine(op.Err.Error())
	}
	var send *smithyhttp.RequestSendError
	if errors.As(err, &send) && send.Err != nil {
		return firstLine(send.Err.Error())
	}
	return firstLine(err.Error())
}

// Service error codes, grouped by what they mean to the user.
var (
	expiredCodes = map[string]bool{
		"ExpiredToken": true, "ExpiredTokenException": true, "RequestExpired": true,
	}
	badCredentialCodes = map[string]bool{
		"InvalidClientTokenId": true, "UnrecognizedClientException": true, "SignatureDoesNotMatch": true,
		"AuthFailure": true, "InvalidSignatureException": true, "IncompleteSignature": true,
		"MissingAuthenticationToken": true, "MissingAuthenticationTokenException": true,
	}
	deniedCodes = map[string]bool{
		"AccessDenied": true, "AccessDeniedException": true, "UnauthorizedOperation": true,
		"OptInRequired": true,
	}
	throttleCodes = retry.DefaultThrottleErrorCodes
)

// classify wraps err from operation op in region as an *Error that says what
// the user can do about it. Context cancellation and errors that are
// already classified pass through unchanged.
func classify(err error, op, region string, env *environment) error {
	if err == nil || errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return err
	}
	var le *Error
	if errors.As(err, &le) {
		return err
	}
	e := &Error{Kind: KindOther, Op: op, Region: region, Err: err}
	if env != nil {
		e.Endpoint, e.Profile = env.endpoint, env.profile
	}
	var api smithy.APIError
	var send *smithyhttp.RequestSendError
	var maxAttempts *retry.MaxAttemptsError
	switch {
	case errors.As(err, &api):
		code := api.ErrorCode()
		switch {
		case expiredCodes[code]:
			e.Kind = KindExpiredToken
		case badCredentialCodes[code]:
			e.Kind = KindBadCredentials
		case deniedCodes[code]:
			e.Kind = KindAccessDenied
		case isThrottle(code):
			e.Kind = KindThrottled
			e.Attempts = 1
			if errors.As(err, &maxAttempts) {
				e.Attempts = maxAttempts.Attempt
			}
		}
	case errors.As(err, &send):
		e.Kind = KindUnreachable
	}
	return e
}

func isThrottle(code string) bool {
	_, ok := throttleCodes[code]
	return ok
}
