package archive

import (
	"bytes"
	"cmp"
	"container/list"
	"context"
	"errors"
	"fmt"
	"io"
	"runtime"
	"slices"
	"sync"
	"time"

	"github.com/klauspost/compress/gzip"

	"github.com/lazytrail/lazytrail/model"
	"github.com/lazytrail/lazytrail/source"
)

// object is one log file to read, local or in S3.
type object struct {
	name string    // a path or an s3:// URL: names the file in problems and its blob
	when time.Time // delivery time from the key; zero when the name has none
	size int64     // stored (possibly compressed) size, for progress
	// fetch returns the stored bytes, gzip-compressed or not. It is called
	// again when a record's raw bytes are needed after the file was decoded.
	fetch func(ctx context.Context) ([]byte, error)
}

// listFunc yields the objects a cursor reads, in batches, newest first; each
// batch is sorted newest first again. It returns io.EOF with the last batch.
// Problems are damage that does not stop the listing (a folder that cannot
// be read); an error stops the page being built, and a later call (after a
// cancelled ctx in particular) resumes the listing.
type listFunc func(ctx context.Context) ([]object, []source.Problem, error)

// Limits of the pipeline.
const (
	// pageEvents and pageWait bound a page: Next returns once it has this
	// many events, or once this much time has passed and it has something.
	pageEvents = 20000
	pageWait   = 100 * time.Millisecond
	// maxDecoded caps one file's decompressed size: more is not a CloudTrail
	// log file but a decompression bomb.
	maxDecoded = 1 << 30
	// keepBuffer is the largest decompression buffer a worker keeps for the
	// next file.
	keepBuffer = 64 << 20
	// maxWindow bounds the objects dispatched but not yet consumed.
	maxWindow = 1024
)

// task is one object on its way through the pipeline.
type task struct {
	obj  object
	done chan struct{} // closed once res is set
	res  result
}

// result is what decoding one object gave.
type result struct {
	events   []model.Event
	problems []source.Problem
	bytes    int64
	buf      *[]model.Event // holds events; back to eventBuffers once copied
	// halt is an error that every later object would meet too (the
	// credentials were refused): the read stops on it, and a later Next
	// fetches this object again.
	halt error
}

// eventBuffers recycles the slices objects are decoded into: their events
// are copied into pages, so the slices can serve the next objects.
var eventBuffers = sync.Pool{New: func() any { return new([]model.Event) }}

// cursor reads objects on GOMAXPROCS workers and yields their events in
// listing order (newest first), a bounded window of objects ahead of the
// reader. It implements source.Cursor.
type cursor struct {
	list     listFunc
	q        source.Query
	contents *contentCache
	workers  int
	window   int // objects dispatched but not yet consumed, at least; see windowSize
	maxPage  int // events that end a page

	tasks  []*task // in delivery order; consumed ones are nil
	head   int     // next task to consume
	next   int     // next task to dispatch
	listed bool    // the lister returned io.EOF

	// Set while workers run.
	jobs   chan *task
	cancel context.CancelFunc
	wg     sync.WaitGroup

	carry    source.Page // built by a Next that was cancelled, for the next one
	progress source.Progress
	closed   bool
}

// newCursor returns a cursor over the objects list yields, keeping the
// events q selects; contents caches the decoded files for the events'
// blobs.
func newCursor(list listFunc, q source.Query, contents *contentCache) *cursor {
	w := runtime.GOMAXPROCS(0)
	return &cursor{list: list, q: q, contents: contents, workers: w, window: 4*w + 4, maxPage: pageEvents}
}

var errClosed = errors.New("archive: cursor closed")

// Next implements source.Cursor.
func (c *cursor) Next(ctx context.Context) (source.Page, error) {
	if c.closed {
		return source.Page{}, errClosed
	}
	if err := ctx.Err(); err != nil {
		return source.Page{}, err
	}
	if c.listed && c.head == len(c.tasks) && len(c.carry.Events) == 0 && len(c.carry.Problems) == 0 {
		return source.Page{Progress: c.progress}, io.EOF
	}
	page := c.carry
	c.carry = source.Page{}
	if page.Events == nil {
		// A page is usually full: spare the copies of growing it.
		page.Events = make([]model.Event, 0, c.maxPage+c.maxPage/8)
	}
	c.start()
	timer := time.NewTimer(pageWait)
	defer timer.Stop()
	waited := false
	for {
		if err := c.fill(ctx, &page); err != nil {
			if ctx.Err() != nil {
				c.stop()
				c.carry = page
				return source.Page{}, ctx.Err()
			}
			c.carry = source.Page{Events: page.Events}
			page.Events = nil
			page.Progress = c.progress
			return page, err
		}
		if c.head == len(c.tasks) && c.listed {
			c.stop()
			page.Progress = c.progress
			return page, io.EOF
		}
		if c.head == len(c.tasks) {
			continue // the window is empty: list more
		}
		t := c.tasks[c.head]
		select {
		case <-t.done:
			if t.res.halt != nil {
				c.stop()
				c.requeueHalted()
				page.Progress = c.progress
				return page, t.res.halt
			}
			c.consume(t, &page)
			if len(page.Events) >= c.maxPage || (waited && !c.ready()) {
				page.Progress = c.progress
				return page, nil
			}
		case <-timer.C:
			waited = true
			if len(page.Events) > 0 || len(page.Problems) > 0 {
				page.Progress = c.progress
				return page, nil
			}
		case <-ctx.Done():
			c.stop()
			c.carry = page
			return source.Page{}, ctx.Err()
		}
	}
}

// ready reports whether the next object is decoded already.
func (c *cursor) ready() bool {
	if c.head == len(c.tasks) {
		return false
	}
	select {
	case <-c.tasks[c.head].done:
		return true
	default:
		return false
	}
}

// consume adds the head task's result to page.
func (c *cursor) consume(t *task, page *source.Page) {
	c.tasks[c.head] = nil
	c.head++
	r := t.res
	page.Events = append(page.Events, r.events...)
	page.Problems = append(page.Problems, r.problems...)
	c.progress.UnitsDone++
	c.progress.Bytes += r.bytes
	c.progress.Events += len(r.events)
	for i := range r.events {
		if tm := r.events[i].Time; c.progress.Reached.IsZero() || tm.Before(c.progress.Reached) {
			c.progress.Reached = tm
		}
	}
	if r.buf != nil {
		clear(*r.buf) // drop the references the copies now hold
		eventBuffers.Put(r.buf)
	}
}

// requeueHalted makes the objects a halt stopped into new tasks, so that
// the next start dispatches them again.
func (c *cursor) requeueHalted() {
	for i := c.head; i < len(c.tasks); i++ {
		t := c.tasks[i]
		select {
		case <-t.done:
			if t.res.halt != nil {
				c.tasks[i] = &task{obj: t.obj, done: make(chan struct{})}
			}
		default:
		}
	}
}

// fill dispatches objects to the workers until the window is full, listing
// more when all listed objects are dispatched.
func (c *cursor) fill(ctx context.Context, page *source.Page) error {
	for c.next-c.head < c.windowSize() {
		if c.next == len(c.tasks) {
			if c.listed {
				return nil
			}
			objs, problems, err := c.list(ctx)
			page.Problems = append(page.Problems, problems...)
			if err != nil && !errors.Is(err, io.EOF) {
				return fmt.Errorf("list log files: %w", err)
			}
			c.listed = err != nil
			sortNewestFirst(objs)
			for _, o := range objs {
				c.tasks = append(c.tasks, &task{obj: o, done: make(chan struct{})})
			}
			c.progress.UnitsTotal = len(c.tasks)
			continue
		}
		t := c.tasks[c.next]
		c.next++
		select {
		case <-t.done: // decoded before a stop
		default:
			c.jobs <- t // never blocks: the channel holds a whole window
		}
	}
	return nil
}

// windowSize returns how many objects may be dispatched but not yet
// consumed: enough for about two pages of events at the average per object
// seen so far, so that the workers go on decoding while the reader handles
// a page, and at least c.window.
func (c *cursor) windowSize() int {
	w := c.window
	if p := c.progress; p.Events > 0 {
		w = max(w, min(maxWindow, 2*c.maxPage*p.UnitsDone/p.Events))
	}
	return w
}

// start starts the workers, unless they are running, and dispatches again
// the objects a stop left undecoded.
func (c *cursor) start() {
	if c.jobs != nil {
		return
	}
	ctx, cancel := context.WithCancel(context.Background())
	c.cancel = cancel
	c.jobs = make(chan *task, max(c.window, maxWindow))
	c.next = c.head
	for range c.workers {
		c.wg.Add(1)
		go func(jobs <-chan *task) {
			defer c.wg.Done()
			w := worker{contents: c.contents, q: c.q, dec: source.NewDecoder()}
			for t := range jobs {
				w.run(ctx, t)
			}
		}(c.jobs)
	}
}

// stop stops the workers and waits for them. Objects they did not finish
// are decoded again after the next start.
func (c *cursor) stop() {
	if c.jobs == nil {
		return
	}
	c.cancel()
	close(c.jobs)
	c.wg.Wait()
	c.jobs = nil
}

// Close implements source.Cursor.
func (c *cursor) Close() error {
	c.stop()
	c.closed = true
	c.tasks = nil
	c.carry = source.Page{}
	return nil
}

// worker decodes objects, reusing its decompressor, buffer and parser.
type worker struct {
	contents *contentCache
	q        source.Query
	dec      *source.Decoder
	gz       *gzip.Reader
	buf      bytes.Buffer
}

// run decodes t's object and publishes the result, unless ctx was
// cancelled first.
func (w *worker) run(ctx context.Context, t *task) {
	if ctx.Err() != nil {
		return
	}
	raw, err := t.obj.fetch(ctx)
	if err != nil && ctx.Err() != nil {
		return
	}
	t.res = w.decode(t.obj, raw, err)
	close(t.done)
}

// decode turns an object's stored bytes (or the error fetching them) into
// events in the query's range and problems.
func (w *worker) decode(obj object, raw []byte, err error) result {
	res := result{bytes: int64(len(raw))}
	if err != nil && haltsScan(err) {
		res.halt = err
		return res
	}
	if err != nil {
		res.problems = []source.Problem{{Where: obj.name, Err: err}}
		return res
	}
	data, err := decompress(raw, &w.gz, &w.buf)
	if w.buf.Cap() > keepBuffer {
		w.buf = bytes.Buffer{}
	}
	if err != nil {
		res.problems = []source.Problem{{Where: obj.name, Err: err}}
		return res
	}
	buf := eventBuffers.Get().(*[]model.Event)
	events, problems := w.dec.Append((*buf)[:0], obj.name, data, &blob{obj: obj, contents: w.contents, length: len(data)})
	*buf = events
	for _, p := range problems {
		if !errors.Is(p.Err, source.ErrDigest) {
			res.problems = append(res.problems, p)
		}
	}
	res.events = slices.DeleteFunc(events, func(e model.Event) bool {
		return (!w.q.Start.IsZero() && e.Time.Before(w.q.Start)) || (!w.q.End.IsZero() && e.Time.After(w.q.End))
	})
	res.buf = buf
	return res
}

// decompress returns raw decompressed when it starts with the gzip magic
// number (any number of members), else raw itself. *zr and buf are reused;
// the result is valid until the next call with the same buf.
func decompress(raw []byte, zr **gzip.Reader, buf *bytes.Buffer) ([]byte, error) {
	if len(raw) == 0 {
		return nil, errors.New("empty file")
	}
	if len(raw) < 2 || raw[0] != 0x1f || raw[1] != 0x8b {
		if !looksLikeJSON(raw) {
			return nil, errors.New("neither gzip nor JSON")
		}
		return raw, nil
	}
	var err error
	if *zr == nil {
		*zr, err = gzip.NewReader(bytes.NewReader(raw))
	} else {
		err = (*zr).Reset(bytes.NewReader(raw))
	}
	if err != nil {
		return nil, gzipError(err)
	}
	buf.Reset()
	if n, err := buf.ReadFrom(io.LimitReader(*zr, maxDecoded+1)); err != nil {
		return nil, gzipError(err)
	} else if n > maxDecoded {
		return nil, fmt.Errorf("gzip: decompresses to more than %d MiB, not a log file", maxDecoded>>20)
	}
	return buf.Bytes(), nil
}

// looksLikeJSON reports whether data starts, after white space and a byte
// order mark, like a JSON object or array.
func looksLikeJSON(data []byte) bool {
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))
	data = bytes.TrimLeft(data, " \t\r\n")
	return len(data) > 0 && (data[0] == '{' || data[0] == '[')
}

// gzipError explains a gzip failure.
func gzipError(err error) error {
	switch {
	case errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, io.EOF):
		return fmt.Errorf("gzip: %w (file truncated?)", io.ErrUnexpectedEOF)
	case errors.Is(err, gzip.ErrChecksum):
		return fmt.Errorf("gzip: %w (file damaged?)", err)
	default:
		return fmt.Errorf("gzip: %w", err)
	}
}

// blob is the model.Blob of an object: its decoded content, read again on
// demand through the source's content cache.
type blob struct {
	obj      object
	contents *contentCache
	length   int // of the content when it was decoded
}

// Name implements model.Blob.
func (b *blob) Name() string { return b.obj.name }

// Content implements model.Blob. The bytes are shared: callers must not
// modify them.
func (b *blob) Content() ([]byte, error) {
	if data, ok := b.contents.get(b); ok {
		return data, nil
	}
	raw, err := b.obj.fetch(context.Background())
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", b.obj.name, err)
	}
	// Reading records one after another decompresses many files: reuse
	// the decompressors and allocate each content once, at its size.
	zr, _ := gzipReaders.Get().(*gzip.Reader)
	buf := bytes.NewBuffer(make([]byte, 0, b.length+bytes.MinRead))
	data, err := decompress(raw, &zr, buf)
	if zr != nil {
		gzipReaders.Put(zr)
	}
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", b.obj.name, err)
	}
	if len(data) != b.length {
		return nil, fmt.Errorf("read %s: %d bytes, %d when it was loaded: the file changed since", b.obj.name, len(data), b.length)
	}
	b.contents.put(b, data)
	return data, nil
}

// gzipReaders recycles the decompressors of blob contents.
var gzipReaders sync.Pool

// contentCache keeps the most recently read blob contents, up to a number
// of bytes, so reading consecutive records of one file decompresses it
// once. It is safe for concurrent use.
type contentCache struct {
	mu    sync.Mutex
	max   int64
	size  int64
	order list.List // of *cacheEntry, most recently used first
	index map[*blob]*list.Element
}

type cacheEntry struct {
	blob *blob
	data []byte
}

// newContentCache returns a cache holding up to max bytes.
func newContentCache(max int64) *contentCache {
	return &contentCache{max: max, index: make(map[*blob]*list.Element)}
}

func (c *contentCache) get(b *blob) ([]byte, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	el, ok := c.index[b]
	if !ok {
		return nil, false
	}
	c.order.MoveToFront(el)
	return el.Value.(*cacheEntry).data, true
}

func (c *contentCache) put(b *blob, data []byte) {
	n := int64(len(data))
	if n > c.max {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.index[b]; ok {
		return
	}
	for c.size+n > c.max {
		last := c.order.Back()
		e := c.order.Remove(last).(*cacheEntry)
		delete(c.index, e.blob)
		c.size -= int64(len(e.data))
	}
	c.index[b] = c.order.PushFront(&cacheEntry{blob: b, data: data})
	c.size += n
}

// sortNewestFirst orders objects by delivery time, newest first, and by
// name (descending) among equal times.
func sortNewestFirst(objs []object) {
	slices.SortStableFunc(objs, func(a, b object) int {
		if c := b.when.Compare(a.when); c != 0 {
			return c
		}
		return cmp.Compare(b.name, a.name)
	})
}
