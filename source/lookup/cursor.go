package lookup

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudtrail"
	"github.com/aws/aws-sdk-go-v2/service/cloudtrail/types"

	"github.com/lazytrail/lazytrail/model"
	"github.com/lazytrail/lazytrail/source"
)

// pageSize is the largest page LookupEvents returns.
const pageSize = 50

// errClosed is returned by Next after Close.
var errClosed = errors.New("lookup: cursor is closed")

// insightsAttributes are the lookup attributes allowed with
// EventCategory=insight.
var insightsAttributes = map[source.AttributeKey]bool{
	source.AttrEventID: true, source.AttrEventName: true, source.AttrEventSource: true,
}

// lookupInput is the LookupEvents request for q, without a NextToken.
func (s *Source) lookupInput(q source.Query) cloudtrail.LookupEventsInput {
	in := cloudtrail.LookupEventsInput{MaxResults: aws.Int32(pageSize)}
	if !q.Start.IsZero() {
		in.StartTime = aws.Time(q.Start)
	}
	if !q.End.IsZero() {
		in.EndTime = aws.Time(q.End)
	}
	if q.Insights {
		in.EventCategory = types.EventCategoryInsight
	}
	if a := q.Attribute; a != nil && a.Value != "" && (!q.Insights || insightsAttributes[a.Key]) {
		in.LookupAttributes = []types.LookupAttribute{{
			AttributeKey:   types.LookupAttributeKey(a.Key),
			AttributeValue: aws.String(a.Value),
		}}
	}
	return in
}

// RegionProgress is how far a cursor has come in one region.
type RegionProgress struct {
	Region    string
	Requests  int       // attempts sent, retries included
	Throttled int       // attempts the service answered with a throttling error
	Pages     int       // pages received
	Events    int       // events received
	Reached   time.Time // oldest eventTime received; zero before the first
	Done      bool      // no more pages, or the region failed (see Err)
	Err       error     // why the region was given up, if it was
}

// regionScan is one region's part of a scan: its paging state and the events
// fetched but not yet emitted, newest first.
type regionScan struct {
	region   *region
	input    cloudtrail.LookupEventsInput
	token    *string
	parser   *model.Parser // used by one fetch at a time
	buf      []model.Event
	attempts attempts
	progress RegionProgress
}

// blocks reports whether this region may still yield an event newer than t,
// which must then wait: it has nothing buffered, is not done, and has not yet
// reached back past t.
func (r *regionScan) blocks(t time.Time) bool {
	if len(r.buf) > 0 || r.progress.Done {
		return false
	}
	return r.progress.Reached.IsZero() || t.Before(r.progress.Reached)
}

// fetched is the outcome of one LookupEvents call for a region.
type fetched struct {
	events   []model.Event
	problems []source.Problem
	token    *string
	err      error
}

// fetch requests the region's next page. It only reads the scan's state, so
// that several regions can fetch in parallel and the results are applied
// afterwards by one goroutine.
func (r *regionScan) fetch(ctx context.Context, env *environment) fetched {
	in := r.input
	in.NextToken = r.token
	out, err := r.region.client.LookupEvents(withAttempts(ctx, &r.attempts), &in)
	if err != nil {
		if ctx.Err() != nil {
			return fetched{err: ctx.Err()}
		}
		return fetched{err: classify(err, "cloudtrail:LookupEvents", r.region.name, env)}
	}
	f := fetched{token: out.NextToken}
	for _, ev := range out.Events {
		e, err := convert(r.parser, ev)
		if err != nil {
			f.problems = append(f.problems, source.Problem{
				Where: fmt.Sprintf("%s event %s", r.region.name, aws.ToString(ev.EventId)), Err: err,
			})
			continue
		}
		f.events = append(f.events, e)
	}
	// The API returns newest first; a page that does not would break the
	// merge, so put it in order rather than trust it.
	slices.SortStableFunc(f.events, func(a, b model.Event) int { return b.Time.Compare(a.Time) })
	return f
}

// apply records a successful fetch.
func (r *regionScan) apply(f fetched) {
	r.buf = append(r.buf, f.events...)
	r.progress.Pages++
	r.progress.Events += len(f.events)
	if n := len(f.events); n > 0 {
		if oldest := f.events[n-1].Time; r.progress.Reached.IsZero() || oldest.Before(r.progress.Reached) {
			r.progress.Reached = oldest
		}
	}
	r.token = f.token
	if aws.ToString(f.token) == "" {
		r.progress.Done = true
	}
}

// convert turns one LookupEvents entry into an event, parsing the full record
// it carries, whose bytes become the event's raw record.
func convert(p *model.Parser, ev types.Event) (model.Event, error) {
	raw := aws.ToString(ev.CloudTrailEvent)
	if raw == "" {
		return model.Event{}, errors.New("the entry carries no CloudTrailEvent record")
	}
	e, err := p.Parse([]byte(raw))
	if err != nil {
		return model.Event{}, fmt.Errorf("parse CloudTrailEvent: %w", err)
	}
	if e.ID == "" {
		e.ID = aws.ToString(ev.EventId)
	}
	if e.Time.IsZero() && ev.EventTime != nil {
		e.Time = ev.EventTime.UTC()
	}
	return e, nil
}

// Cursor is a newest-first scan of the event history in one or more regions.
// Each Next fetches only what it needs: one page per region that is needed
// to emit further events in order (regions in parallel, each paced by its
// own limiter), plus a page for any other region whose buffer runs low so
// that every region's budget is used. Regions merge into one stream: an
// event is emitted only when every unfinished region has reached back to
// its time, so nothing newer can still arrive. Cancelling Next's context
// leaves the cursor where it was; a later Next resumes with the same
// NextTokens.
type Cursor struct {
	env      *environment
	start    time.Time
	scans    []*regionScan
	problems []source.Problem
	emitted  int
	last     time.Time // eventTime of the last event emitted
	closed   atomic.Bool

	mu       sync.Mutex // guards snapshot
	snapshot []RegionProgress
}

func newCursor(regions []*region, in cloudtrail.LookupEventsInput, env *environment) *Cursor {
	c := &Cursor{env: env, start: aws.ToTime(in.StartTime)}
	for _, r := range regions {
		c.scans = append(c.scans, &regionScan{region: r, input: in, parser: model.NewParser(), progress: RegionProgress{Region: r.name}})
	}
	c.takeSnapshot()
	return c
}

// Next returns the next events, newest first. It returns io.EOF with the
// last page when every region is exhausted. With several regions, a region
// that cannot be read (access denied, not enabled) is given up and reported
// as a Problem of the page while the others go on; any other failure is
// returned as an error that Explain renders in one line, and the cursor
// stays resumable.
func (c *Cursor) Next(ctx context.Context) (source.Page, error) {
	if c.closed.Load() {
		return source.Page{}, errClosed
	}
	for {
		if err := ctx.Err(); err != nil {
			return source.Page{Progress: c.progress()}, err
		}
		events := c.emit()
		if len(events) > 0 || c.exhausted() {
			page := source.Page{Events: events, Problems: c.problems}
			c.problems = nil
			page.Progress = c.progress()
			if c.exhausted() {
				return page, io.EOF
			}
			return page, nil
		}
		if err := c.fetch(ctx); err != nil {
			return source.Page{Progress: c.progress()}, err
		}
	}
}

// emit takes every event that can be emitted in order from the buffers.
func (c *Cursor) emit() []model.Event {
	var out []model.Event
	for {
		var best *regionScan
		for _, r := range c.scans {
			if len(r.buf) > 0 && (best == nil || r.buf[0].Time.After(best.buf[0].Time)) {
				best = r
			}
		}
		if best == nil {
			break
		}
		head := best.buf[0]
		if slices.ContainsFunc(c.scans, func(r *regionScan) bool { return r.blocks(head.Time) }) {
			break
		}
		out = append(out, head)
		best.buf[0] = model.Event{}
		best.buf = best.buf[1:]
		if len(best.buf) == 0 {
			best.buf = nil
		}
	}
	if n := len(out); n > 0 {
		c.emitted += n
		c.last = out[n-1].Time
	}
	return out
}

// exhausted reports whether every region is done and everything was emitted.
func (c *Cursor) exhausted() bool {
	for _, r := range c.scans {
		if len(r.buf) > 0 || !r.progress.Done {
			return false
		}
	}
	return true
}

// fetch requests one page from every unfinished region whose buffer holds
// less than a page, in parallel, and applies the results.
func (c *Cursor) fetch(ctx context.Context) error {
	var todo []*regionScan
	for _, r := range c.scans {
		if !r.progress.Done && len(r.buf) < pageSize {
			todo = append(todo, r)
		}
	}
	results := make([]fetched, len(todo))
	var wg sync.WaitGroup
	for i, r := range todo {
		wg.Go(func() { results[i] = r.fetch(ctx, c.env) })
	}
	wg.Wait()
	defer c.takeSnapshot()
	var first error
	for i, r := range todo {
		f := results[i]
		switch {
		case f.err == nil:
			r.apply(f)
			c.problems = append(c.problems, f.problems...)
		case len(c.scans) > 1 && regionUnreadable(f.err):
			r.progress.Done, r.progress.Err = true, f.err
			r.buf = nil
			c.problems = append(c.problems, source.Problem{Where: r.region.name, Err: f.err})
		case first == nil:
			first = f.err
		}
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	return first
}

// regionUnreadable reports whether err means this region cannot be read at
// all with these credentials, as for a region that is not enabled.
func regionUnreadable(err error) bool {
	var le *Error
	return errors.As(err, &le) && (le.Kind == KindAccessDenied || le.Kind == KindBadCredentials)
}

// progress reports the scan as a whole.
func (c *Cursor) progress() source.Progress {
	p := source.Progress{Events: c.emitted, Reached: c.last}
	for _, r := range c.scans {
		p.UnitsDone += r.progress.Pages
		p.Requests += int(r.attempts.sent.Load())
	}
	if c.exhausted() && !c.start.IsZero() {
		p.Reached = c.start
	}
	return p
}

// takeSnapshot copies each region's progress for Regions.
func (c *Cursor) takeSnapshot() {
	snap := make([]RegionProgress, len(c.scans))
	for i, r := range c.scans {
		snap[i] = r.progress
		snap[i].Requests = int(r.attempts.sent.Load())
		snap[i].Throttled = int(r.attempts.throttled.Load())
	}
	c.mu.Lock()
	c.snapshot = snap
	c.mu.Unlock()
}

// Regions reports each region's progress as of the end of the last fetch.
// It is safe to call while another goroutine is in Next.
func (c *Cursor) Regions() []RegionProgress {
	c.mu.Lock()
	defer c.mu.Unlock()
	return slices.Clone(c.snapshot)
}

// Close ends the scan; Next then fails. It may be called while another
// goroutine is in Next, whose context should then be cancelled too.
func (c *Cursor) Close() error {
	c.closed.Store(true)
	return nil
}

var _ source.Cursor = (*Cursor)(nil)
