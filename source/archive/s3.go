package archive

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/lazytrail/lazytrail/source"
)

// S3Location says which part of a bucket holds a trail's log archive, and
// which accounts and regions of it to read.
type S3Location struct {
	Bucket string
	// Prefix is the trail's S3 key prefix, without the AWSLogs/ part; "" when
	// the logs start at the bucket root.
	Prefix string
	// Accounts, OrgID and Regions narrow what is read; empty means every
	// account, organization and region found in the bucket.
	Accounts []string
	OrgID    string
	Regions  []string
}

// S3Options tunes how an S3 archive is read.
type S3Options struct {
	// CacheDir holds downloaded objects for later runs; "" turns the cache
	// off. DefaultCacheDir gives the usual place.
	CacheDir string
	// CacheMaxBytes caps the cache; the least recently used objects are
	// evicted beyond it. 0 means DefaultCacheMaxBytes.
	CacheMaxBytes int64
	// Concurrency is how many list requests run at once and how many
	// objects are downloaded ahead of the decoders; 0 means
	// DefaultConcurrency.
	Concurrency int
}

// Defaults for S3Options.
const (
	DefaultCacheMaxBytes int64 = 1 << 30
	// DefaultConcurrency matches the idle connections per host the SDK's
	// HTTP client keeps, so connections are reused.
	DefaultConcurrency = 10
)

// s3DefaultSpan is the time range read when a query sets no start: an archive
// can hold years, and listing it all is never what the user wants first.
const s3DefaultSpan = 24 * time.Hour

// S3 is a source.Source over a trail's log archive in an S3 bucket, laid out
// as CloudTrail delivers it:
//
//	[prefix/]AWSLogs/[o-id/]<account>/CloudTrail/<region>/YYYY/MM/DD/<file>.json.gz
//
// Opening it discovers the accounts and regions present (unless the location
// narrows them), lists only the day folders the query's time range needs and
// downloads only the log files delivered within it, newest first. A query
// with a zero Start reads the last 24 hours before End (or before now, when
// End is zero too).
type S3 struct {
	client *s3.Client
	loc    S3Location
	opts   S3Options
	cache  *objectCache // nil when caching is off or the cache directory is unusable
	// cacheErr is why the cache is off although a directory was given.
	cacheErr error
	now      func() time.Time
	contents *contentCache
}

// NewS3 returns a source reading the archive at loc through client. A cache
// directory that cannot be used turns the cache off; CacheError says why.
func NewS3(client *s3.Client, loc S3Location, opts S3Options) *S3 {
	if opts.CacheMaxBytes <= 0 {
		opts.CacheMaxBytes = DefaultCacheMaxBytes
	}
	if opts.Concurrency <= 0 {
		opts.Concurrency = DefaultConcurrency
	}
	loc.Prefix = normalizePrefix(loc.Prefix)
	s := &S3{client: client, loc: loc, opts: opts, now: time.Now, contents: newContentCache(s3ContentCacheBytes)}
	if opts.CacheDir != "" {
		s.cache, s.cacheErr = openObjectCache(opts.CacheDir, opts.CacheMaxBytes)
	}
	return s
}

// CacheError reports why the cache directory given in S3Options could not be
// used; nil when it is in use or none was given.
func (s *S3) CacheError() error { return s.cacheErr }

// Name implements source.Source.
func (s *S3) Name() string { return "archive s3://" + s.loc.Bucket + "/" + s.loc.Prefix }

// s3ContentCacheBytes bounds the decoded objects kept for reading records
// again (the detail pane, export).
const s3ContentCacheBytes = 64 << 20

// Open implements source.Source. It discovers the log folders, so a bucket
// that cannot be read or holds no logs fails here; the day folders are listed
// and the objects downloaded as the cursor is read.
func (s *S3) Open(ctx context.Context, q source.Query) (source.Cursor, error) {
	end := q.End
	if end.IsZero() {
		end = s.now()
	}
	start := q.Start
	if start.IsZero() {
		start = end.Add(-s3DefaultSpan)
		q.Start = start
	}
	if end.Before(start) {
		return nil, fmt.Errorf("open s3://%s/%s: the time range ends (%s) before it starts (%s)", s.loc.Bucket, s.loc.Prefix, end.Format(time.RFC3339), start.Format(time.RFC3339))
	}
	r := &s3Scan{s: s, q: q}
	r.q.End = end
	r.days = s3Days(r.q)
	if err := r.discover(ctx, q.Insights); err != nil {
		return nil, fmt.Errorf("open archive: %w", err)
	}
	return &s3Cursor{cursor: newCursor(r.list, q, s.contents), scan: r}, nil
}

// s3Cursor is the archive cursor of an S3 scan, reporting its requests.
type s3Cursor struct {
	*cursor
	scan *s3Scan
}

// Next implements source.Cursor.
func (c *s3Cursor) Next(ctx context.Context) (source.Page, error) {
	page, err := c.cursor.Next(ctx)
	page.Progress.Requests = int(c.scan.requests.Load())
	return page, err
}

// ParseS3URL splits "s3://bucket/prefix" into a location. The prefix may end
// at the trail prefix or go deeper, down to AWSLogs/<account>/CloudTrail/<region>:
// the parts after AWSLogs/ become the location's narrowing.
func ParseS3URL(raw string) (S3Location, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return S3Location{}, fmt.Errorf("parse S3 URL %q: %w", raw, err)
	}
	if u.Scheme != "s3" || u.Host == "" {
		return S3Location{}, fmt.Errorf("parse S3 URL %q: %w", raw, errNotS3URL)
	}
	if u.RawQuery != "" || u.Fragment != "" {
		return S3Location{}, fmt.Errorf("parse S3 URL %q: query and fragment are not allowed", raw)
	}
	loc := S3Location{Bucket: u.Host}
	parts := strings.Split(strings.Trim(u.Path, "/"), "/")
	i := 0
	for i < len(parts) && parts[i] != "AWSLogs" {
		i++
	}
	loc.Prefix = normalizePrefix(strings.Join(parts[:i], "/"))
	if i == len(parts) {
		return loc, nil
	}
	rest := parts[i+1:]
	if len(rest) > 0 && isOrgID(rest[0]) {
		loc.OrgID, rest = rest[0], rest[1:]
	}
	if len(rest) > 0 {
		if !isAccountID(rest[0]) {
			return S3Location{}, fmt.Errorf("parse S3 URL %q: %q after AWSLogs/ is neither an account ID nor an organization ID", raw, rest[0])
		}
		loc.Accounts, rest = []string{rest[0]}, rest[1:]
	}
	if len(rest) > 0 && rest[0] != "CloudTrail" {
		return S3Location{}, fmt.Errorf("parse S3 URL %q: expected CloudTrail/ after the account, found %q", raw, rest[0])
	}
	if len(rest) > 1 {
		loc.Regions = []string{rest[1]}
	}
	if len(rest) > 2 {
		return S3Location{}, fmt.Errorf("parse S3 URL %q: give the archive down to the region at most; the time range selects the days", raw)
	}
	return loc, nil
}

var errNotS3URL = errors.New("want s3://bucket[/prefix]")

// normalizePrefix makes a key prefix either empty or end with one slash.
func normalizePrefix(p string) string {
	p = strings.Trim(p, "/")
	if p == "" {
		return ""
	}
	return p + "/"
}

// isAccountID reports whether s is a 12-digit AWS account ID.
func isAccountID(s string) bool {
	if len(s) != 12 {
		return false
	}
	for _, c := range []byte(s) {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// isOrgID reports whether s looks like an AWS Organizations ID (o-xxxxxxxxxx).
func isOrgID(s string) bool {
	if len(s) < 12 || len(s) > 34 || !strings.HasPrefix(s, "o-") {
		return false
	}
	for _, c := range []byte(s[2:]) {
		if (c < 'a' || c > 'z') && (c < '0' || c > '9') {
			return false
		}
	}
	return true
}
