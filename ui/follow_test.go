package ui

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"charm.land/bubbles/v2/spinner"
	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/lazytrail/lazytrail/model"
	"github.com/lazytrail/lazytrail/source"
	"github.com/lazytrail/lazytrail/source/lookup"
)

// followSource is a sliceSource that can follow. Its follow cursors return
// what the test feeds them and otherwise wait, as the live one does.
type followSource struct {
	sliceSource
	follows []followCall
	cursors []*scriptCursor

	mu     sync.Mutex
	parked map[*scriptCursor]context.Context // cursors waiting in Next
	wake   chan struct{}
}

type followCall struct {
	q     source.Query
	since time.Time
}

func newFollowSource(events []model.Event, pageSize int) *followSource {
	return &followSource{
		sliceSource: sliceSource{events: events, pageSize: pageSize},
		parked:      map[*scriptCursor]context.Context{},
		wake:        make(chan struct{}, 1),
	}
}

func (s *followSource) Follow(q source.Query, since time.Time, every time.Duration) source.Cursor {
	s.follows = append(s.follows, followCall{q: q, since: since})
	c := &scriptCursor{src: s, results: make(chan followResult, 16)}
	s.cursors = append(s.cursors, c)
	return c
}

// waiting counts the cursors waiting in Next that will go on waiting.
func (s *followSource) waiting() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, ctx := range s.parked {
		if ctx.Err() == nil {
			n++
		}
	}
	return n
}

type followResult struct {
	page source.Page
	err  error
}

type scriptCursor struct {
	src     *followSource
	results chan followResult
	mu      sync.Mutex
	closed  bool
}

func (c *scriptCursor) Next(ctx context.Context) (source.Page, error) {
	select {
	case r := <-c.results:
		return r.page, r.err
	default:
	}
	c.src.mu.Lock()
	c.src.parked[c] = ctx
	c.src.mu.Unlock()
	select {
	case c.src.wake <- struct{}{}:
	default:
	}
	defer func() {
		c.src.mu.Lock()
		delete(c.src.parked, c)
		c.src.mu.Unlock()
	}()
	select {
	case r := <-c.results:
		return r.page, r.err
	case <-ctx.Done():
		return source.Page{}, ctx.Err()
	}
}

// feed hands r to the cursor's current or next Next.
func (c *scriptCursor) feed(r followResult) {
	c.src.mu.Lock()
	delete(c.src.parked, c)
	c.src.mu.Unlock()
	c.results <- r
}

func (c *scriptCursor) Close() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.closed = true
	return nil
}

func (c *scriptCursor) isClosed() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.closed
}

// liveHarness runs a model's commands like drive, each in its own
// goroutine, and settles when every command left is a follow cursor
// waiting for events.
type liveHarness struct {
	tb       testing.TB
	m        *Model
	src      *followSource
	results  chan tea.Msg
	inflight int
}

func newLiveHarness(tb testing.TB, src *followSource, opts Options) *liveHarness {
	opts.FollowEvery = time.Millisecond
	h := &liveHarness{tb: tb, m: newTestModel(src, opts, 80, 24), src: src, results: make(chan tea.Msg, 64)}
	h.run(h.m.Init())
	return h
}

// run runs cmds and what they lead to until only waiting cursors remain.
// Follow ticks are dropped, so their chain ends.
func (h *liveHarness) run(cmds ...tea.Cmd) {
	h.tb.Helper()
	queue := cmds
	timeout := time.After(10 * time.Second)
	for {
		for _, c := range queue {
			if c != nil {
				h.inflight++
				go func() { h.results <- c() }()
			}
		}
		queue = nil
		if h.inflight == h.src.waiting() {
			return
		}
		select {
		case msg := <-h.results:
			h.inflight--
			switch msg := msg.(type) {
			case nil, spinner.TickMsg, followTickMsg:
			case tea.BatchMsg:
				queue = append(queue, msg...)
			default:
				_, next := h.m.Update(msg)
				queue = append(queue, next)
			}
		case <-h.src.wake:
		case <-timeout:
			h.tb.Fatal("commands do not settle")
		}
	}
}

// press sends key presses, as the package's press does.
func (h *liveHarness) press(keys ...string) {
	h.tb.Helper()
	for _, k := range keys {
		for _, r := range k {
			_, cmd := h.m.Update(tea.KeyPressMsg{Code: r, Text: string(r)})
			h.run(cmd)
		}
	}
}

// feed gives the newest follow cursor a result and runs what follows.
func (h *liveHarness) feed(page source.Page, err error) {
	h.tb.Helper()
	if len(h.src.cursors) == 0 {
		h.tb.Fatal("no follow cursor was started")
	}
	h.src.cursors[len(h.src.cursors)-1].feed(followResult{page: page, err: err})
	h.run()
}

// newer returns n events newer than every generated one, newest first.
func newer(tb testing.TB, n int) []model.Event {
	evs := genEvents(tb, n)
	for i := range evs {
		evs[i].ID = fmt.Sprintf("new-%04d", i)
		evs[i].Time = testNow.Add(-time.Duration(i) * time.Second)
	}
	return evs
}

func TestFollowStartsAfterFirstPageFromNewest(t *testing.T) {
	evs := genEvents(t, 30)
	src := newFollowSource(evs, 10)
	h := newLiveHarness(t, src, Options{Follow: true, Filter: "since:3h"})
	if len(src.follows) != 1 {
		t.Fatalf("%d follow cursors started, want 1", len(src.follows))
	}
	if got := src.follows[0]; !got.since.Equal(evs[0].Time) || got.q != h.m.load.query {
		t.Errorf("followed %+v since %v, want the load's query %+v since the newest event %v",
			got.q, got.since, h.m.load.query, evs[0].Time)
	}
	if f := frame(h.m); !strings.Contains(f, "following, polled 13:00:00") {
		t.Errorf("status does not show following and the poll time:\n%s", f)
	}
}

func TestFollowKeepsSelectionOnTheSameEvent(t *testing.T) {
	src := newFollowSource(genEvents(t, 30), 30)
	h := newLiveHarness(t, src, Options{Follow: true})
	h.press("jj")
	want, _, _ := h.m.current()
	h.feed(source.Page{Events: newer(t, 3)}, nil)
	if got, _, _ := h.m.current(); got.ID != want.ID {
		t.Fatalf("highlighted %s after new events, want %s", got.ID, want.ID)
	}
	// The new rows show at the top, above the highlighted one.
	if h.m.table.cursor != 5 || h.m.table.offset != 0 {
		t.Errorf("cursor %d offset %d, want 5 and 0", h.m.table.cursor, h.m.table.offset)
	}
	if ev := h.m.sel.Event(0); ev.ID != "new-0000" {
		t.Errorf("top row is %s, want new-0000", ev.ID)
	}
	// Far down the table, the screen does not move either.
	h.press("GG")
	top := h.m.table.offset
	h.feed(source.Page{Events: newer(t, 6)[3:]}, nil)
	if h.m.table.offset != top+3 || h.m.table.cursor != h.m.sel.Len()-1 {
		t.Errorf("offset %d cursor %d of %d, want the same rows on screen", h.m.table.offset, h.m.table.cursor, h.m.sel.Len())
	}
}

func TestFollowToggle(t *testing.T) {
	src := newFollowSource(genEvents(t, 10), 10)
	h := newLiveHarness(t, src, Options{})
	if len(src.follows) != 0 || strings.Contains(frame(h.m), "following") {
		t.Fatal("follow started without being asked")
	}
	h.press("f")
	if len(src.follows) != 1 || !strings.Contains(frame(h.m), "following") {
		t.Fatalf("f started %d follow cursors", len(src.follows))
	}
	h.press("f")
	if !src.cursors[0].isClosed() || strings.Contains(frame(h.m), "following") {
		t.Error("f again did not stop following")
	}
	// Events of a stopped cursor are dropped.
	src.cursors[0].feed(followResult{page: source.Page{Events: newer(t, 1)}})
	h.run()
	if h.m.store.Len() != 10 {
		t.Errorf("store holds %d events, want 10", h.m.store.Len())
	}
}

func TestFollowRestartsWithTheQuery(t *testing.T) {
	src := newFollowSource(genEvents(t, 20), 20)
	h := newLiveHarness(t, src, Options{Follow: true, Filter: "since:1h", Pushdown: func(f *model.Filter, _ bool) *source.Attribute {
		if v := termValue(f, "user"); v != "" {
			return &source.Attribute{Key: source.AttrUsername, Value: v}
		}
		return nil
	}})
	h.press("/")
	for range 2 {
		_, cmd := h.m.Update(tea.KeyPressMsg{Code: tea.KeyBackspace})
		h.run(cmd)
	}
	_, cmd := h.m.Update(tea.PasteMsg{Content: "3h user:bob"})
	h.run(cmd)
	_, cmd = h.m.Update(tea.KeyPressMsg{Code: tea.KeyEnter})
	h.run(cmd)
	if len(src.follows) != 2 {
		t.Fatalf("%d follow cursors, want a second one for the new query", len(src.follows))
	}
	if a := src.follows[1].q.Attribute; a == nil || a.Value != "bob" {
		t.Errorf("second follow pushes %+v, want Username=bob", a)
	}
	if !src.cursors[0].isClosed() {
		t.Error("the first follow cursor was not closed")
	}
}

func TestFollowFailureShownAndRetried(t *testing.T) {
	src := newFollowSource(genEvents(t, 10), 10)
	explain := func(err error) string { return "explained: " + strings.ToUpper(err.Error()) }
	h := newLiveHarness(t, src, Options{Follow: true, Explain: explain})
	h.feed(source.Page{Events: newer(t, 2)}, nil)
	h.feed(source.Page{}, errors.New("throttled\nby the \x1b[31mserver"))
	f := frame(h.m)
	status := f[strings.LastIndex(f, "\n")+1:]
	if !strings.Contains(status, `follow failed (r retries): explained: THROTTLED\nBY THE \x1b[31MSERVER`) {
		t.Errorf("status = %q, want the explained error on one sanitized line", status)
	}
	if h.m.store.Len() != 12 {
		t.Errorf("store holds %d events after the failure, want 12", h.m.store.Len())
	}
	h.press("r")
	if len(src.follows) != 2 || !src.follows[1].since.Equal(testNow) {
		t.Fatalf("r started %d follow cursors (want 2, the last from the newest event)", len(src.follows))
	}
	if len(src.opens) != 1 || strings.Contains(frame(h.m), "follow failed") {
		t.Errorf("r read the source %d times (want 1) or still shows the failure", len(src.opens))
	}
}

func TestFollowNeedsAFollower(t *testing.T) {
	m, _ := loaded(t, 5, 5, Options{Follow: true})
	if strings.Contains(frame(m), "following") {
		t.Error("a source that cannot follow shows following")
	}
	press(t, m, "f")
	if f := frame(m); !strings.Contains(f, "this source cannot follow new events") {
		t.Errorf("f does not say the source cannot follow:\n%s", f)
	}
}

func TestInsightsToggleReopens(t *testing.T) {
	m, src := loaded(t, 20, 20, Options{})
	press(t, m, "i")
	if len(src.opens) != 2 || !src.opens[1].Insights {
		t.Fatalf("opens = %+v, want a second one for Insights", src.opens)
	}
	if f := frame(m); !strings.Contains(f, " insights · test source") {
		t.Errorf("status does not say insights:\n%s", f)
	}
	press(t, m, "i")
	if len(src.opens) != 3 || src.opens[2].Insights || strings.Contains(frame(m), "insights") {
		t.Errorf("i again did not go back to management events: %+v", src.opens)
	}
	_, src = loaded(t, 5, 5, Options{Insights: true})
	if !src.opens[0].Insights {
		t.Error("Options.Insights does not start with Insights events")
	}
}

// TestInsightsTogglePushesAndPlansForTheCategory checks that the pushed
// attribute and the filter bar's plan follow the event category: Insights
// events cannot be looked up by user, so the user term moves to the local
// side and the event name goes to the server.
func TestInsightsTogglePushesAndPlansForTheCategory(t *testing.T) {
	live := &lookup.Source{}
	m, src := loaded(t, 20, 20, Options{
		Filter:   "user:alice event:RunInstances",
		Pushdown: live.Pushdown,
		Plan: func(f *model.Filter, insights bool) (string, string) {
			p := live.Plan(f, insights)
			return p.Server, p.Local
		},
	})
	if a := src.opens[0].Attribute; a == nil || a.Key != source.AttrUsername {
		t.Fatalf("management events: pushed %v, want Username", a)
	}
	if f := frame(m); !strings.Contains(f, "server: user:alice · local: event:RunInstances") {
		t.Errorf("management plan not shown:\n%s", f)
	}
	press(t, m, "i")
	if a := src.opens[1].Attribute; !src.opens[1].Insights || a == nil || a.Key != source.AttrEventName {
		t.Fatalf("Insights: opened %+v, want EventName pushed", src.opens[1])
	}
	if f := frame(m); !strings.Contains(f, "server: event:RunInstances · local: user:alice") {
		t.Errorf("Insights plan not shown:\n%s", f)
	}
}

func TestPlanShown(t *testing.T) {
	plan := func(f *model.Filter, _ bool) (string, string) {
		var server, local []string
		for _, term := range f.Terms() {
			if term.Key == "since" || term.Key == "user" {
				server = append(server, term.Key+":"+strings.Join(term.Values, ","))
			} else {
				local = append(local, term.Key+":"+strings.Join(term.Values, ","))
			}
		}
		return strings.Join(server, " "), strings.Join(local, " ")
	}
	m, _ := loaded(t, 20, 20, Options{Plan: plan, Filter: "err:any since:3h user:alice"})
	if f := frame(m); !strings.Contains(f, "/ server: since:3h user:alice · local: err:any") {
		t.Errorf("filter bar does not show the plan:\n%s", f)
	}
	m, _ = loaded(t, 20, 20, Options{Filter: "err:any since:3h user:alice"})
	if f := frame(m); !strings.Contains(f, "/ err:any since:3h user:alice") || strings.Contains(f, "server:") {
		t.Errorf("without a plan the filter bar changed:\n%s", f)
	}
}

func TestNoticesShownBriefly(t *testing.T) {
	ch := make(chan string, 1)
	m := newTestModel(&sliceSource{}, Options{Notices: ch}, 80, 24)
	read := m.readNotice()
	ch <- "demo: RunInstances i-0abc\x1b[2J"
	msg := read()
	_, next := m.Update(msg)
	if f := frame(m); !strings.Contains(f, `demo: RunInstances i-0abc\x1b[2J`) {
		t.Fatalf("status does not show the notice, sanitized:\n%s", f)
	}
	if next == nil {
		t.Fatal("no command to expire the notice and read the next")
	}
	m.Update(noticeExpiredMsg{seq: m.noticeSeq - 1})
	if !strings.Contains(frame(m), "demo: RunInstances") {
		t.Error("an outdated expiry cleared the notice")
	}
	m.Update(noticeExpiredMsg{seq: m.noticeSeq})
	if strings.Contains(frame(m), "demo: RunInstances") {
		t.Error("the notice did not expire")
	}
	close(ch)
	if msg := m.readNotice()(); msg != nil {
		t.Errorf("a closed channel gave %#v, want nil", msg)
	}
}

// TestLoadProgressAt80Columns checks that a long read of a local archive
// keeps its progress, how far back it reached and the help key on an
// 80-column status bar, dropping the rate and the source name first.
func TestLoadProgressAt80Columns(t *testing.T) {
	src := &sliceSource{}
	m := newTestModel(src, Options{}, 80, 24)
	m.load.state = loadReading
	m.load.started = testNow.Add(-10 * time.Second)
	m.load.progress = source.Progress{UnitsDone: 4985, UnitsTotal: 8064, Events: 618603,
		Reached: time.Date(2026, 11, 17, 2, 0, 59, 0, time.UTC)}
	m.store.Add(genEvents(t, 3))
	for _, tt := range []struct {
		name, status string
		want, gone   []string
	}{
		{"short source", "", []string{"test source · ", "4,985/8,064 files · 3 ev · to 11-17 02:00 · esc stops", "? help"}, []string{"/s"}},
		{"long extra status", "us-east-1 via http://127.0.0.1:41485", []string{"4,985/8,064 files · 3 ev · to 11-17 02:00", "? help"}, []string{"/s", "41485"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			m.opts.Status = tt.status
			line := ansi.Strip(m.statusView())
			if w := ansi.StringWidth(line); w != 80 {
				t.Errorf("status bar is %d cells wide: %q", w, line)
			}
			for _, s := range tt.want {
				if !strings.Contains(line, s) {
					t.Errorf("status bar %q lacks %q", line, s)
				}
			}
			for _, s := range tt.gone {
				if strings.Contains(line, s) {
					t.Errorf("status bar %q still holds %q", line, s)
				}
			}
		})
	}
	m.width = 200
	if line := ansi.Strip(m.statusView()); !strings.Contains(line, "61,860/s") {
		t.Errorf("a wide status bar lacks the rate: %q", line)
	}
}

func TestLoadProgressOfARemoteScan(t *testing.T) {
	clock := testNow
	src := progressSource{events: newer(t, 100)}
	m := newModel(src, Options{}, func() time.Time { return clock })
	m.Update(tea.WindowSizeMsg{Width: 120, Height: 10})
	opened := m.Init()().(tea.BatchMsg)[0]().(openedMsg)
	_, next := m.Update(opened)
	clock = clock.Add(4 * time.Second)
	m.Update(next())
	f := frame(m)
	if !strings.Contains(f, "6 requests · 100 ev · to 11-20 09:00 · 25/s · esc stops") {
		t.Errorf("status does not show requests, how far back and the rate:\n%s", f)
	}
}

// progressSource yields its events in one page, with the progress a
// remote scan reports.
type progressSource struct{ events []model.Event }

func (progressSource) Name() string { return "remote" }
func (s progressSource) Open(context.Context, source.Query) (source.Cursor, error) {
	return progressCursor(s), nil
}

type progressCursor progressSource

func (c progressCursor) Next(ctx context.Context) (source.Page, error) {
	return source.Page{Events: c.events, Progress: source.Progress{Requests: 6, UnitsDone: 3,
		Events: len(c.events), Reached: testNow.Add(-4 * time.Hour)}}, nil
}

func (progressCursor) Close() error { return nil }
