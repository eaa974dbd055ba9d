package archive

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"golang.org/x/sync/errgroup"

	"github.com/lazytrail/lazytrail/source"
)

// logFolder is one account and region of an archive: the folder under which
// CloudTrail writes that region's day folders.
type logFolder struct {
	prefix  string // [prefix/]AWSLogs/[o-id/]<account>/CloudTrail/<region>/
	account string
	region  string
	kind    string // CloudTrail or CloudTrail-Insight
}

// s3Object is a log file found by listing.
type s3Object struct {
	key  string
	etag string
	size int64
	when time.Time // delivery time from the file name; zero when the name has none
}

// s3Scan is one reading of an archive: the folders discovered, the time
// range, how far the listing has come and how many requests it made.
type s3Scan struct {
	s        *S3
	folders  []logFolder
	q        source.Query // the range read, with Start and End set
	days     []string     // day folders to list, newest first
	next     int          // index in days of the next day to list
	requests atomic.Int64
	ahead    readAhead
}

// discover lists the archive level by level (AWSLogs/, organizations,
// accounts, regions) with a "/" delimiter and sets the folders of log files
// the location selects. insights chooses the Insights folders.
func (r *s3Scan) discover(ctx context.Context, insights bool) error {
	s := r.s
	kind := "CloudTrail"
	if insights {
		kind = "CloudTrail-Insight"
	}
	root := s.loc.Prefix + "AWSLogs/"
	tops, err := r.listFolders(ctx, root)
	if err != nil {
		return err
	}
	var accounts []string // account prefixes: ...AWSLogs/[o-id/]<account>/
	for _, top := range tops {
		name := folderName(top)
		switch {
		case isOrgID(name):
			if s.loc.OrgID != "" && name != s.loc.OrgID {
				continue
			}
			members, err := r.listFolders(ctx, top)
			if err != nil {
				return err
			}
			for _, m := range members {
				if isAccountID(folderName(m)) && s.wantAccount(folderName(m)) {
					accounts = append(accounts, m)
				}
			}
		case isAccountID(name):
			if s.loc.OrgID == "" && s.wantAccount(name) {
				accounts = append(accounts, top)
			}
		}
	}
	r.folders = nil
	for _, acct := range accounts {
		regions, err := r.listFolders(ctx, acct+kind+"/")
		if err != nil {
			return err
		}
		for _, reg := range regions {
			if s.wantRegion(folderName(reg)) {
				r.folders = append(r.folders, logFolder{prefix: reg, account: folderName(acct), region: folderName(reg), kind: kind})
			}
		}
	}
	if len(r.folders) == 0 {
		return fmt.Errorf("s3://%s/%s: %w", s.loc.Bucket, root, s.noLogsError(kind))
	}
	return nil
}

// noLogsError says what was looked for and not found.
func (s *S3) noLogsError(kind string) error {
	what := "no " + kind + " log folders"
	if s.loc.OrgID != "" {
		what += " for organization " + s.loc.OrgID
	}
	if len(s.loc.Accounts) > 0 {
		what += " for account " + strings.Join(s.loc.Accounts, ",")
	}
	if len(s.loc.Regions) > 0 {
		what += " in region " + strings.Join(s.loc.Regions, ",")
	}
	return &NoLogsError{What: what}
}

// NoLogsError reports an S3 location where no log folders were found.
type NoLogsError struct{ What string }

func (e *NoLogsError) Error() string { return e.What }

func (s *S3) wantAccount(a string) bool {
	return len(s.loc.Accounts) == 0 || slices.Contains(s.loc.Accounts, a)
}

func (s *S3) wantRegion(r string) bool {
	return r != "" && (len(s.loc.Regions) == 0 || slices.Contains(s.loc.Regions, r))
}

// folderName is the last element of a common prefix: "a/b/c/" -> "c".
func folderName(prefix string) string {
	p := strings.TrimSuffix(prefix, "/")
	return p[strings.LastIndexByte(p, '/')+1:]
}

// listFolders returns the common prefixes one level below prefix.
func (r *s3Scan) listFolders(ctx context.Context, prefix string) ([]string, error) {
	s := r.s
	var out []string
	p := s3.NewListObjectsV2Paginator(s.client, &s3.ListObjectsV2Input{
		Bucket:    aws.String(s.loc.Bucket),
		Prefix:    aws.String(prefix),
		Delimiter: aws.String("/"),
	})
	for p.HasMorePages() {
		r.requests.Add(1)
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, s.listError(prefix, err)
		}
		for _, cp := range page.CommonPrefixes {
			out = append(out, aws.ToString(cp.Prefix))
		}
	}
	return out, nil
}

// s3Days returns the day folders ("YYYY/MM/DD/") that may hold log files
// with events of q's range, newest first. q.Start and q.End must be set.
func s3Days(q source.Query) []string {
	const day = 24 * time.Hour
	first := q.Start.Add(-clockSkew).UTC().Truncate(day)
	var out []string
	for d := q.End.Add(deliveryWindow + deliveryLag).UTC().Truncate(day); !d.Before(first); d = d.Add(-day) {
		if deliveredBetween(d, d.Add(day), q) {
			out = append(out, d.Format("2006/01/02/"))
		}
	}
	return out
}

// list lists the next day folder of every log folder, running up to the
// source's concurrency of list requests at once, and returns the log files
// delivered within the range, newest first, with io.EOF after the last day.
// A folder that cannot be listed for lack of permission is a problem; other
// errors stop the listing, which a later call resumes.
func (r *s3Scan) list(ctx context.Context) ([]object, []source.Problem, error) {
	if r.next == len(r.days) {
		return nil, nil, io.EOF
	}
	day := r.days[r.next]
	var (
		mu       sync.Mutex
		found    []s3Object
		problems []source.Problem
	)
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(r.s.opts.Concurrency)
	for _, f := range r.folders {
		g.Go(func() error {
			objs, err := r.listDay(gctx, f, day)
			mu.Lock()
			defer mu.Unlock()
			var denied *AccessDeniedError
			if errors.As(err, &denied) {
				problems = append(problems, source.Problem{Where: "s3://" + r.s.loc.Bucket + "/" + f.prefix + day, Err: err})
				return nil
			}
			found = append(found, objs...)
			return err
		})
	}
	if err := g.Wait(); err != nil {
		return nil, nil, err
	}
	r.next++
	// The pipeline reads objects in this order; the read-ahead follows it.
	slices.SortFunc(found, func(a, b s3Object) int {
		return cmp.Or(b.when.Compare(a.when), strings.Compare(b.key, a.key))
	})
	r.startDownloads(ctx, r.ahead.add(found))
	objs := make([]object, len(found))
	for i, o := range found {
		objs[i] = r.object(o)
	}
	if r.next == len(r.days) {
		return objs, problems, io.EOF
	}
	return objs, problems, nil
}

// listDay lists one day folder, starting after the keys delivered before
// the range and stopping after the first page that reaches past it.
func (r *s3Scan) listDay(ctx context.Context, f logFolder, day string) ([]s3Object, error) {
	s, q := r.s, r.q
	prefix := f.prefix + day
	in := &s3.ListObjectsV2Input{Bucket: aws.String(s.loc.Bucket), Prefix: aws.String(prefix)}
	// Keys in a day folder are <account>_<kind>_<region>_<YYYYMMDDTHHmmZ>_<id>,
	// so they sort by delivery time and the range start makes a key to start
	// after.
	in.StartAfter = aws.String(prefix + f.account + "_" + f.kind + "_" + f.region + "_" + q.Start.Add(-clockSkew).UTC().Format("20060102T1504Z"))
	var out []s3Object
	p := s3.NewListObjectsV2Paginator(s.client, in)
	for p.HasMorePages() {
		r.requests.Add(1)
		page, err := p.NextPage(ctx)
		if err != nil {
			return out, s.listError(prefix, err)
		}
		past := false
		for _, o := range page.Contents {
			key := aws.ToString(o.Key)
			name := key[strings.LastIndexByte(key, '/')+1:]
			if !isLogFileName(name) {
				continue
			}
			// A name without a time cannot be pruned; its events are
			// filtered by time after decoding.
			when, ok := timeFromName(name)
			if ok && !deliveredIn(when, q) {
				past = past || when.After(q.End)
				continue
			}
			out = append(out, s3Object{key: key, etag: strings.Trim(aws.ToString(o.ETag), `"`), size: aws.ToInt64(o.Size), when: when})
		}
		if past {
			break // the rest of the folder was delivered after the range
		}
	}
	return out, nil
}
