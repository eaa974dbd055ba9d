// Package model is lazytrail's domain: CloudTrail events, the store that holds
// them, and the filter language that selects them. It does no I/O.
package model

import "time"

// ReadOnly is a tri-state: CloudTrail records may omit readOnly.
type ReadOnly uint8

// The values of ReadOnly.
const (
	ReadOnlyUnknown ReadOnly = iota
	ReadOnlyTrue
	ReadOnlyFalse
)

// Resource is one entry of a record's resources list.
type Resource struct {
	ARN  string
	Type string
}

// Event is one CloudTrail record, with the fields the table and the filters
// need extracted once at ingest. The raw record is kept byte-exact, either in
// Raw or as a location inside a Blob that can be read again.
type Event struct {
	ID           string    // eventID
	Time         time.Time // eventTime, UTC
	Name         string    // eventName ("" for Insights records)
	Source       string    // eventSource, e.g. ec2.amazonaws.com
	Region       string    // awsRegion
	SourceIP     string    // sourceIPAddress
	UserAgent    string    // userAgent
	ErrorCode    string    // errorCode, "" when the call succeeded
	ErrorMessage string    // errorMessage
	ReadOnly     ReadOnly  // readOnly
	Type         string    // eventType, e.g. AwsApiCall, AwsConsoleSignIn, AwsCloudTrailInsight
	Category     string    // eventCategory: Management, Data, Insight, NetworkActivity
	Account      string    // recipientAccountId
	AccessKeyID  string    // userIdentity.accessKeyId
	IdentityType string    // userIdentity.type, "" when there is none
	Who          string    // display name of the caller, see WhoOf
	Resources    []Resource
	Insight      bool // an Insights record

	// Raw is the exact record bytes when the source keeps them in memory.
	Raw []byte
	// Blob, RawOffset and RawLength locate the exact record bytes inside a
	// blob's decoded content when Raw is nil.
	Blob      Blob
	RawOffset int
	RawLength int
}

// Blob is a unit of input whose decoded bytes can be read again to recover
// raw records (a local log file, an S3 object). Implementations are provided
// by sources and must be safe for concurrent use.
type Blob interface {
	// Name says where the blob lives: a file path or an s3:// URL.
	Name() string
	// Content returns the blob's decoded (decompressed) bytes.
	Content() ([]byte, error)
}

// Record returns the exact bytes of the raw record.
func (e *Event) Record() ([]byte, error) {
	if e.Raw != nil || e.Blob == nil {
		return e.Raw, nil
	}
	b, err := e.Blob.Content()
	if err != nil {
		return nil, err
	}
	if e.RawOffset < 0 || e.RawLength < 0 || e.RawOffset+e.RawLength > len(b) {
		return nil, &BlobRangeError{Blob: e.Blob.Name(), Offset: e.RawOffset, Length: e.RawLength, Size: len(b)}
	}
	return b[e.RawOffset : e.RawOffset+e.RawLength], nil
}

// Service is the short service name of the event source: "ec2" for
// ec2.amazonaws.com.
func (e *Event) Service() string {
	for i := 0; i < len(e.Source); i++ {
		if e.Source[i] == '.' {
			return e.Source[:i]
		}
	}
	return e.Source
}
