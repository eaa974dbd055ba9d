package emulator

import (
	"net/http"
	"time"
)

// Caller is the identity an access key maps to through the key table.
type Caller struct {
	AccessKeyID string
	AccountID   string
	// UserIdentity is the userIdentity object written into recorded events.
	UserIdentity map[string]any
	// Deny lists the IAM actions the key may not perform (Identity.Deny).
	Deny []string
	// Expired says the key's session token has expired (Identity.Expired).
	Expired bool
}

// Request is an incoming call after routing: which service and region its
// credential scope names, who made it, and its body (already read, capped).
type Request struct {
	HTTP      *http.Request
	Service   string // cloudtrail, s3, ec2, sts
	Region    string
	Caller    Caller
	Body      []byte
	RequestID string
	SourceIP  string
	UserAgent string
	Received  time.Time
}

// Call is one served request as the recorder turns it into a CloudTrail event.
type Call struct {
	Request           *Request
	EventSource       string // e.g. ec2.amazonaws.com
	EventName         string // e.g. RunInstances
	ReadOnly          bool
	RequestParameters any // nil is written as null
	ResponseElements  any
	ErrorCode         string
	ErrorMessage      string
	Resources         []Resource
	// Category is the eventCategory: "" or "Management" for management
	// events, "Data" for data events (managementEvent false; LookupEvents
	// does not return them).
	Category string
	// AdditionalEventData is written as additionalEventData when not nil.
	AdditionalEventData any
}

// Resource is one entry of a recorded event's resources list.
type Resource struct {
	ARN       string `json:"ARN"`
	AccountID string `json:"accountId"`
	Type      string `json:"type"`
}

// objectStore is what delivery needs from the S3 implementation.
type objectStore interface {
	// BucketExists reports whether a bucket has been created.
	BucketExists(bucket string) bool
	// PutObject writes an object with user metadata (keys without the
	// x-amz-meta- prefix, e.g. "signature").
	PutObject(bucket, key string, metadata map[string]string, body []byte) error
}
