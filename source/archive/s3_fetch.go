package archive

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"
	"syscall"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

// object returns the pipeline object of a listed log file.
func (r *s3Scan) object(o s3Object) object {
	return object{
		name:  "s3://" + r.s.loc.Bucket + "/" + o.key,
		when:  o.when,
		size:  o.size,
		fetch: func(ctx context.Context) ([]byte, error) { return r.fetch(ctx, o) },
	}
}

// fetch returns the stored bytes of a log file. The first fetch of an object
// takes what the read-ahead downloaded, if anything, and starts downloading
// the objects that follow it; later fetches (a record's raw bytes read again)
// download it directly.
func (r *s3Scan) fetch(ctx context.Context, o s3Object) ([]byte, error) {
	d, first := r.ahead.take(o.key)
	if first {
		r.startDownloads(ctx, r.ahead.claimAfter(o.key, r.s.opts.Concurrency))
	}
	if d != nil {
		select {
		case <-d.done:
			// A read-ahead cancelled with an earlier reader is tried again,
			// and so is one refused for credentials, which may have been
			// renewed since: the scan resumes with them.
			if !errors.Is(d.err, context.Canceled) && !errors.Is(d.err, context.DeadlineExceeded) && !haltsScan(d.err) {
				return d.data, d.err
			}
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	return r.download(ctx, o)
}

// startDownloads downloads claimed objects, each on its own goroutine.
func (r *s3Scan) startDownloads(ctx context.Context, claimed []claimedObject) {
	for _, next := range claimed {
		go next.d.run(ctx, func(ctx context.Context) ([]byte, error) { return r.download(ctx, next.o) })
	}
}

// download returns the stored bytes of a log file: from the cache when it
// holds this version of the object, else from S3 (and then cached).
func (r *s3Scan) download(ctx context.Context, o s3Object) ([]byte, error) {
	s := r.s
	if s.cache != nil && o.etag != "" {
		// An unreadable cached file is downloaded again.
		if data, ok, err := s.cache.get(cacheName(s.loc.Bucket, o.key, o.etag)); ok && err == nil {
			return data, nil
		}
	}
	var (
		data []byte
		etag string
		err  error
	)
	// The SDK retries a request that fails, but not a body cut short while
	// it is read: the whole object is requested again.
	for range getAttempts {
		if data, etag, err = r.get(ctx, o.key); err == nil || !cutShort(err) || ctx.Err() != nil {
			break
		}
	}
	if err != nil {
		return nil, err
	}
	if s.cache != nil && etag != "" {
		// The cache only saves time: an object it cannot store is still read.
		_ = s.cache.put(cacheName(s.loc.Bucket, o.key, etag), data)
	}
	return data, nil
}

// getAttempts is how many times an object whose body is cut short is
// requested before it is reported.
const getAttempts = 3

// cutShort reports whether err is an answer that ended early: a truncated
// body or a connection reset while it was read.
func cutShort(err error) bool {
	return errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, syscall.ECONNRESET)
}

// get makes one GetObject request for key and reads the body, returning it
// and the object's ETag.
func (r *s3Scan) get(ctx context.Context, key string) (data []byte, etag string, err error) {
	s := r.s
	r.requests.Add(1)
	out, err := s.client.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(s.loc.Bucket), Key: aws.String(key)})
	if err != nil {
		return nil, "", s.getError(key, err)
	}
	defer out.Body.Close()
	var buf bytes.Buffer
	if n := aws.ToInt64(out.ContentLength); n > 0 && n <= maxDecoded {
		buf.Grow(int(n))
	}
	if _, err := buf.ReadFrom(io.LimitReader(out.Body, maxDecoded+1)); err != nil {
		return nil, "", s.getError(key, err)
	}
	if buf.Len() > maxDecoded {
		return nil, "", fmt.Errorf("get s3://%s/%s: larger than %d MiB, not a log file", s.loc.Bucket, key, maxDecoded>>20)
	}
	return buf.Bytes(), strings.Trim(aws.ToString(out.ETag), `"`), nil
}

// readAhead tracks the downloads started ahead of the pipeline's workers, so
// up to S3Options.Concurrency requests are in flight while the workers
// decode. Memory stays bounded: at most that many downloaded objects wait
// for their reader. Safe for concurrent use.
type readAhead struct {
	mu      sync.Mutex
	order   []s3Object     // listed objects in reading order
	pos     map[string]int // key -> index in order
	claimed map[string]bool
	taken   map[string]bool
	pending map[string]*download
	// reach is the index in order below which objects are downloaded
	// ahead: Concurrency past the furthest object taken. Objects listed
	// later that fall below it are claimed as they are added.
	reach int
}

// download is one object's bytes on their way.
type download struct {
	done chan struct{} // closed when data and err are set
	data []byte
	err  error
}

// run sets the download's result from get.
func (d *download) run(ctx context.Context, get func(context.Context) ([]byte, error)) {
	d.data, d.err = get(ctx)
	close(d.done)
}

// claimedObject is an object the read-ahead is to download.
type claimedObject struct {
	o s3Object
	d *download
}

// add appends listed objects, in reading order, and claims those within
// reach.
func (a *readAhead) add(objs []s3Object) []claimedObject {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.pos == nil {
		a.pos, a.claimed, a.taken, a.pending = map[string]int{}, map[string]bool{}, map[string]bool{}, map[string]*download{}
	}
	from := len(a.order)
	for _, o := range objs {
		a.pos[o.key] = len(a.order)
		a.order = append(a.order, o)
	}
	return a.claimLocked(from)
}

// take returns the read-ahead download of key (nil when there is none) and
// whether this is the first time key is taken.
func (a *readAhead) take(key string) (*download, bool) {
	a.mu.Lock()
	defer a.mu.Unlock()
	first := !a.taken[key]
	a.taken[key], a.claimed[key] = true, true
	d := a.pending[key]
	delete(a.pending, key)
	return d, first
}

// claimAfter extends the reach to the n objects that follow key and claims
// those listed that nobody has claimed yet.
func (a *readAhead) claimAfter(key string, n int) []claimedObject {
	a.mu.Lock()
	defer a.mu.Unlock()
	i, ok := a.pos[key]
	if !ok {
		return nil
	}
	a.reach = max(a.reach, i+1+n)
	return a.claimLocked(i + 1)
}

// claimLocked claims the listed objects from index from up to the reach
// that nobody has claimed yet, registering a download for each.
func (a *readAhead) claimLocked(from int) []claimedObject {
	to := min(a.reach, len(a.order))
	if from >= to {
		return nil
	}
	var out []claimedObject
	for _, o := range a.order[from:to] {
		if a.claimed[o.key] {
			continue
		}
		a.claimed[o.key] = true
		d := &download{done: make(chan struct{})}
		a.pending[o.key] = d
		out = append(out, claimedObject{o, d})
	}
	return out
}
