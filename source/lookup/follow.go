package lookup

import (
	"context"
	"errors"
	"io"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/lazytrail/lazytrail/model"
	"github.com/lazytrail/lazytrail/source"
)

// FollowOverlap is how far back each follow poll reaches before the start of
// the previous poll: CloudTrail makes events visible up to about 15 minutes
// after their eventTime, so a window that only started at the last poll would
// miss the late ones.
const FollowOverlap = 15 * time.Minute

// DefaultFollowInterval is the pause between follow polls when none is given.
const DefaultFollowInterval = 5 * time.Second

// FollowCursor yields events as they arrive; see Source.Follow.
type FollowCursor struct {
	src    *Source
	query  source.Query
	every  time.Duration
	from   time.Time            // start of the next poll's window
	seen   map[string]time.Time // eventID -> eventTime of events already yielded
	last   time.Time            // start of the last poll
	stats  source.Progress
	closed atomic.Bool
}

// Follow returns a *FollowCursor whose Next blocks until events newer than since
// (zero: FollowOverlap ago) arrive, in every region of the source, and
// returns them newest first; it never returns io.EOF. It polls every every
// (0: DefaultFollowInterval) with windows that reach FollowOverlap before
// the previous poll, and yields each eventID only once. q's attribute and
// category apply as for Open; its Start and End are ignored. The UI finds it
// through an interface of its own, so it returns a source.Cursor.
func (s *Source) Follow(q source.Query, since time.Time, every time.Duration) source.Cursor {
	if every <= 0 {
		every = DefaultFollowInterval
	}
	if since.IsZero() {
		since = time.Now().Add(-FollowOverlap)
	}
	q.Start, q.End = time.Time{}, time.Time{}
	return &FollowCursor{src: s, query: q, every: every, from: since, seen: map[string]time.Time{}}
}

// Next waits for new events and returns them, newest first. A cancelled
// context returns ctx.Err() promptly; the cursor can be used again.
func (c *FollowCursor) Next(ctx context.Context) (source.Page, error) {
	for {
		if c.closed.Load() {
			return source.Page{}, errClosed
		}
		if !c.last.IsZero() {
			wait := time.NewTimer(time.Until(c.last.Add(c.every)))
			select {
			case <-ctx.Done():
				wait.Stop()
				return source.Page{Progress: c.stats}, ctx.Err()
			case <-wait.C:
			}
		}
		page, err := c.poll(ctx)
		if err != nil || len(page.Events) > 0 || len(page.Problems) > 0 {
			return page, err
		}
	}
}

// poll reads the current window in every region and keeps what is new.
func (c *FollowCursor) poll(ctx context.Context) (source.Page, error) {
	started := time.Now()
	q := c.query
	q.Start = c.from
	in := c.src.lookupInput(q)
	regions := c.src.regions
	cursors := make([]*Cursor, len(regions))
	pages := make([][]model.Event, len(regions))
	problems := make([][]source.Problem, len(regions))
	errs := make([]error, len(regions))
	var wg sync.WaitGroup
	for i, r := range regions {
		cursors[i] = newCursor([]*region{r}, in, &c.src.env)
		wg.Go(func() { pages[i], problems[i], errs[i] = drain(ctx, cursors[i]) })
	}
	wg.Wait()
	for _, cur := range cursors {
		p := cur.progress()
		c.stats.Requests += p.Requests
		c.stats.UnitsDone += p.UnitsDone
	}
	if err := ctx.Err(); err != nil {
		return source.Page{Progress: c.stats}, err
	}
	page := source.Page{Progress: c.stats}
	for i := range regions {
		if errs[i] != nil {
			c.last = started
			return page, errs[i]
		}
		page.Problems = append(page.Problems, problems[i]...)
		for _, e := range pages[i] {
			if _, dup := c.seen[e.ID]; !dup {
				c.seen[e.ID] = e.Time
				page.Events = append(page.Events, e)
			}
		}
	}
	slices.SortStableFunc(page.Events, func(a, b model.Event) int { return b.Time.Compare(a.Time) })
	c.advance(started)
	c.stats.Events += len(page.Events)
	if len(page.Events) > 0 {
		c.stats.Reached = page.Events[len(page.Events)-1].Time
	}
	page.Progress = c.stats
	return page, nil
}

// advance moves the window after a complete poll that started at started,
// and forgets the IDs of events the next window no longer covers.
func (c *FollowCursor) advance(started time.Time) {
	c.last = started
	if from := started.Add(-FollowOverlap); from.After(c.from) {
		c.from = from
	}
	for id, t := range c.seen {
		if t.Before(c.from) {
			delete(c.seen, id)
		}
	}
}

// drain reads every page of a cursor.
func drain(ctx context.Context, cur *Cursor) ([]model.Event, []source.Problem, error) {
	var events []model.Event
	var problems []source.Problem
	for {
		page, err := cur.Next(ctx)
		events = append(events, page.Events...)
		problems = append(problems, page.Problems...)
		if err != nil {
			if errors.Is(err, io.EOF) {
				return events, problems, nil
			}
			return nil, nil, err
		}
	}
}

// Close stops following; a Next in progress returns at its next wait.
func (c *FollowCursor) Close() error {
	c.closed.Store(true)
	return nil
}

var (
	_ source.Cursor   = (*FollowCursor)(nil)
	_ source.Follower = (*Source)(nil)
)
