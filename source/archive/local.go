// Package archive reads CloudTrail log archives, from local files and
// folders or from S3, laid out as CloudTrail delivers them.
package archive

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/lazytrail/lazytrail/source"
)

// Delivery timing of CloudTrail log files, used to prune by time: a file
// named with time T holds the events of the 5-minute window before T, which
// may reach S3 up to about 15 minutes late.
const (
	deliveryWindow = 5 * time.Minute
	deliveryLag    = 15 * time.Minute
	// clockSkew allows for events stamped a little after their file.
	clockSkew = 5 * time.Minute
)

// localContentBytes is how many bytes of decoded files a Local keeps for
// reading records again.
const localContentBytes = 16 << 20

// Local is a source.Source over local log files and folders. Folders are
// walked recursively for .json.gz, .json and .jsonl files (gzip is detected
// by content, not by name); folders in the CloudTrail key layout
// (AWSLogs/[o-id/]<account>/CloudTrail/<region>/YYYY/MM/DD/) are pruned by
// the query's time range, digest folders are skipped, and Insights folders
// are read only for Insights queries.
type Local struct {
	paths    []string
	contents *contentCache
	opened   atomic.Int64 // files read so far
}

// NewLocal returns a source over paths, which must exist.
func NewLocal(paths ...string) (*Local, error) {
	if len(paths) == 0 {
		return nil, errors.New("archive: no paths given")
	}
	for _, p := range paths {
		if _, err := os.Stat(p); err != nil {
			return nil, fmt.Errorf("archive: %w", err)
		}
	}
	return &Local{paths: paths, contents: newContentCache(localContentBytes)}, nil
}

// Name implements source.Source.
func (l *Local) Name() string { return "archive " + strings.Join(l.paths, " ") }

// Open implements source.Source. The files are found when the cursor's
// first Next runs.
func (l *Local) Open(ctx context.Context, q source.Query) (source.Cursor, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	return newCursor(l.lister(q), q, l.contents), nil
}

// lister returns a listFunc that walks all paths in one call.
func (l *Local) lister(q source.Query) listFunc {
	return func(ctx context.Context) ([]object, []source.Problem, error) {
		var objs []object
		var problems []source.Problem
		for _, root := range l.paths {
			err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
				if ctx.Err() != nil {
					return ctx.Err()
				}
				if err != nil {
					problems = append(problems, source.Problem{Where: path, Err: err})
					if d != nil && d.IsDir() {
						return fs.SkipDir
					}
					return nil
				}
				if d.IsDir() {
					if path != root && skipFolder(path, q) {
						return fs.SkipDir
					}
					return nil
				}
				if path != root && !isLogFileName(d.Name()) {
					return nil
				}
				when, ok := timeFromName(d.Name())
				if ok && !deliveredIn(when, q) {
					return nil
				}
				var size int64
				if info, err := d.Info(); err == nil {
					size = info.Size()
				}
				objs = append(objs, object{name: path, when: when, size: size, fetch: l.fetcher(path)})
				return nil
			})
			if err != nil {
				return nil, nil, err
			}
		}
		return objs, problems, io.EOF
	}
}

// fetcher returns the fetch function of the file at path.
func (l *Local) fetcher(path string) func(context.Context) ([]byte, error) {
	return func(ctx context.Context) ([]byte, error) {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		l.opened.Add(1)
		return os.ReadFile(path)
	}
}

// isLogFileName reports whether a file found in a folder may be a log file.
func isLogFileName(name string) bool {
	if strings.Contains(name, "_CloudTrail-Digest_") {
		return false
	}
	for _, ext := range []string{".json.gz", ".jsonl.gz", ".json", ".jsonl"} {
		if strings.HasSuffix(name, ext) {
			return true
		}
	}
	return false
}

// skipFolder reports whether the walk can skip the folder at path: digest
// folders, Insights folders (or log folders, for Insights queries), and date
// folders of the key layout outside the query's range.
func skipFolder(path string, q source.Query) bool {
	switch filepath.Base(path) {
	case "CloudTrail-Digest":
		return true
	case "CloudTrail-Insight":
		return !q.Insights
	case "CloudTrail":
		return q.Insights && slices.Contains(strings.Split(filepath.ToSlash(path), "/"), "AWSLogs")
	}
	if q.Start.IsZero() && q.End.IsZero() {
		return false
	}
	from, to, ok := dateFolder(path)
	return ok && !deliveredBetween(from, to, q)
}

// dateFolder returns the delivery times [from, to) a year, month or day
// folder of the key layout (.../CloudTrail[-Insight]/<region>/YYYY[/MM[/DD]])
// covers.
func dateFolder(path string) (from, to time.Time, ok bool) {
	parts := strings.Split(filepath.ToSlash(path), "/")
	for n := 1; n <= 3; n++ { // year, month, day folders
		if len(parts) < n+2 {
			return time.Time{}, time.Time{}, false
		}
		kind := parts[len(parts)-n-2]
		if kind != "CloudTrail" && kind != "CloudTrail-Insight" {
			continue
		}
		date := parts[len(parts)-n:]
		var nums [3]int
		widths := [3]int{4, 2, 2}
		for i, s := range date {
			v, err := strconv.Atoi(s)
			if err != nil || len(s) != widths[i] {
				return time.Time{}, time.Time{}, false
			}
			nums[i] = v
		}
		switch n {
		case 1:
			from = time.Date(nums[0], 1, 1, 0, 0, 0, 0, time.UTC)
			to = from.AddDate(1, 0, 0)
		case 2:
			from = time.Date(nums[0], time.Month(nums[1]), 1, 0, 0, 0, 0, time.UTC)
			to = from.AddDate(0, 1, 0)
		default:
			from = time.Date(nums[0], time.Month(nums[1]), nums[2], 0, 0, 0, 0, time.UTC)
			to = from.AddDate(0, 0, 1)
		}
		return from, to, true
	}
	return time.Time{}, time.Time{}, false
}

// timeFromName returns the delivery time in a log file name of the key
// layout, <account>_CloudTrail_<region>_<YYYYMMDDTHHmmZ>_<id>.json.gz.
func timeFromName(name string) (time.Time, bool) {
	for _, part := range strings.Split(name, "_") {
		if len(part) == len("20060102T1504Z") && part[8] == 'T' && part[13] == 'Z' {
			if t, err := time.Parse("20060102T1504Z", part); err == nil {
				return t, true
			}
		}
	}
	return time.Time{}, false
}

// deliveredIn reports whether a file delivered at when may hold events of
// q's time range.
func deliveredIn(when time.Time, q source.Query) bool {
	return deliveredBetween(when, when, q)
}

// deliveredBetween reports whether files delivered between from and to may
// hold events of q's time range: events precede their delivery by up to
// deliveryWindow+deliveryLag.
func deliveredBetween(from, to time.Time, q source.Query) bool {
	if !q.Start.IsZero() && to.Before(q.Start.Add(-clockSkew)) {
		return false
	}
	if !q.End.IsZero() && from.After(q.End.Add(deliveryWindow+deliveryLag)) {
		return false
	}
	return true
}
