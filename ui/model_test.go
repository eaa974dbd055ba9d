package ui

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/lazytrail/lazytrail/keymap"
	"github.com/lazytrail/lazytrail/model"
	"github.com/lazytrail/lazytrail/source"
)

func loaded(t *testing.T, n, pageSize int, opts Options) (*Model, *sliceSource) {
	t.Helper()
	src := &sliceSource{events: genEvents(t, n), pageSize: pageSize}
	m := newTestModel(src, opts, 80, 24)
	drive(t, m, m.Init())
	return m, src
}

func TestLoadReadsEveryPage(t *testing.T) {
	m, src := loaded(t, 100, 7, Options{})
	if got := m.store.Len(); got != 100 {
		t.Fatalf("store holds %d events, want 100", got)
	}
	if m.load.state != loadDone {
		t.Errorf("load state = %v, want done", m.load.state)
	}
	if got := m.sel.Len(); got != 100 {
		t.Errorf("selection holds %d events, want 100", got)
	}
	if !src.cursors[0].closed {
		t.Error("the finished cursor was not closed")
	}
	if f := frame(m); !strings.Contains(f, "100 of 100 events") {
		t.Errorf("frame lacks the event count:\n%s", f)
	}
}

func TestFilterAsYouTypeAndEscClears(t *testing.T) {
	m, src := loaded(t, 50, 10, Options{})
	press(t, m, "/", "user:bob")
	if got := m.sel.Len(); got != 10 {
		t.Fatalf("user:bob selects %d events, want 10", got)
	}
	for i := range m.sel.Len() {
		if ev := m.sel.Event(i); ev.Who != "bob" {
			t.Fatalf("user:bob selected an event of %q", ev.Who)
		}
	}
	if f := frame(m); !strings.Contains(f, "10 of 50 events") || !strings.Contains(f, "/ user:bob") {
		t.Errorf("frame does not show the filter and its count:\n%s", f)
	}
	press(t, m, "enter")
	if m.mode != modeNormal || m.query != "user:bob" {
		t.Fatalf("after enter: mode %v, query %q", m.mode, m.query)
	}
	press(t, m, "enter")
	if f := frame(m); !strings.HasPrefix(f, "Event 1 of 10 · lines 1-22 of 45 · matching user:bob\n") {
		t.Errorf("detail title does not show the filter:\n%s", f)
	}
	press(t, m, "esc", "/", "esc")
	if m.query != "" || m.sel.Len() != 50 {
		t.Errorf("esc left query %q selecting %d events", m.query, m.sel.Len())
	}
	if len(src.opens) != 1 {
		t.Errorf("local terms reopened the source: %d opens", len(src.opens))
	}
}

func TestEmptyFilterBarShowsAnExample(t *testing.T) {
	m, _ := loaded(t, 10, 10, Options{})
	press(t, m, "/")
	if f := frame(m); !strings.Contains(f, "/ e.g. user:alice event:") {
		t.Errorf("the empty filter bar shows no example:\n%s", f)
	}
	if x := m.View().Cursor.X; x != 2 {
		t.Errorf("cursor at column %d over the example, want 2", x)
	}
	press(t, m, "u")
	if f := frame(m); strings.Contains(f, "e.g.") {
		t.Errorf("the example stays once the user types:\n%s", f)
	}
}

func TestBadQueryKeepsLastFilter(t *testing.T) {
	m, _ := loaded(t, 50, 10, Options{})
	press(t, m, "/", "user:bob")
	_, cmd := m.Update(tea.PasteMsg{Content: " readonly:maybe"})
	drive(t, m, cmd)
	if m.filterErr == nil {
		t.Fatal("readonly:maybe parsed")
	}
	if got := m.sel.Len(); got != 10 {
		t.Errorf("a bad query changed the selection to %d events, want user:bob's 10", got)
	}
	f := frame(m)
	if !strings.Contains(f, "^ ") {
		t.Errorf("frame does not point at the error:\n%s", f)
	}
	if n := strings.Count(f, "\n") + 1; n != 24 {
		t.Errorf("frame has %d lines, want 24", n)
	}
}

func TestUserPicker(t *testing.T) {
	m, _ := loaded(t, 50, 10, Options{Filter: "err:any"})
	press(t, m, "u", "deplo", "enter")
	if m.query != "err:any user:deploy-bot/session-42" {
		t.Fatalf("query = %q", m.query)
	}
	for i := range m.sel.Len() {
		if ev := m.sel.Event(i); ev.Who != "deploy-bot/session-42" || ev.ErrorCode == "" {
			t.Fatalf("selected %q %q", ev.Who, ev.ErrorCode)
		}
	}
	press(t, m, "u")
	if it, _ := m.picker.chosen(); it.value != "deploy-bot/session-42" {
		t.Errorf("the user picker opened on %q, not on the current user", it.value)
	}
	press(t, m, "esc", "u", "ctrl+u", "(all", "enter")
	if m.query != "err:any" {
		t.Errorf("choosing all users left query %q", m.query)
	}
}

func TestTimePresetReopensSource(t *testing.T) {
	m, src := loaded(t, 200, 50, Options{})
	// Events run from 1h to 1h+199m before testNow: since:3h keeps 121.
	press(t, m, "t", "g", "down", "down", "enter")
	if m.query != "since:3h" {
		t.Fatalf("query = %q", m.query)
	}
	if got := m.sel.Len(); got != 121 {
		t.Errorf("since:3h selects %d events, want 121", got)
	}
	// A completed read of everything covers the narrower range.
	if len(src.opens) != 1 {
		t.Errorf("narrowing a finished read reopened the source (%d opens)", len(src.opens))
	}
	press(t, m, "t", "G", "enter") // all time
	if m.query != "" || m.sel.Len() != 200 {
		t.Errorf("all time: query %q selecting %d", m.query, m.sel.Len())
	}
}

func TestInitialTimeRangeOpensNarrowThenWidens(t *testing.T) {
	m, src := loaded(t, 200, 50, Options{Filter: "since:2h"})
	if len(src.opens) != 1 || src.opens[0].Start != testNow.Add(-2*time.Hour) {
		t.Fatalf("opens = %+v", src.opens)
	}
	if got := m.store.Len(); got != 61 {
		t.Errorf("store holds %d events, want the 61 of the last 2h", got)
	}
	press(t, m, "/", "ctrl+u")
	if len(src.opens) != 2 || !src.opens[1].Start.IsZero() {
		t.Fatalf("widening the range did not reopen for all time: %+v", src.opens)
	}
	if got := m.store.Len(); got != 200 {
		t.Errorf("store holds %d events after widening, want 200", got)
	}
}

func TestPushdownReopens(t *testing.T) {
	push := func(f *model.Filter, _ bool) *source.Attribute {
		for _, term := range f.Terms() {
			if term.Key == "event" && !term.Negated && len(term.Values) == 1 {
				return &source.Attribute{Key: source.AttrEventName, Value: term.Values[0]}
			}
		}
		return nil
	}
	m, src := loaded(t, 30, 10, Options{Pushdown: push, Filter: "event:RunInstances"})
	if len(src.opens) != 1 || src.opens[0].Attribute == nil || src.opens[0].Attribute.Value != "RunInstances" {
		t.Fatalf("opens = %+v", src.opens)
	}
	if f := frame(m); !strings.Contains(f, "server: EventName=RunInstances") {
		t.Errorf("frame does not say what ran on the server:\n%s", f)
	}
	// Typing reopens once the query settles, not for every change: the
	// clearing below is superseded by the paste before its delay is up.
	press(t, m, "/")
	_, clear := m.Update(tea.KeyPressMsg{Code: 'u', Mod: tea.ModCtrl})
	_, paste := m.Update(tea.PasteMsg{Content: "event:CreateUser"})
	drive(t, m, tea.Batch(clear, paste))
	if len(src.opens) != 2 || src.opens[1].Attribute == nil || src.opens[1].Attribute.Value != "CreateUser" {
		t.Fatalf("changing the pushed value did not reopen once: %+v", src.opens)
	}
	// Dropping the attribute must read everything again.
	press(t, m, "ctrl+u", "enter")
	if len(src.opens) != 3 || src.opens[2].Attribute != nil {
		t.Fatalf("dropping the pushed term did not reopen: %+v", src.opens)
	}
}

func TestStalePagesDropped(t *testing.T) {
	src := &sliceSource{events: genEvents(t, 40), pageSize: 10}
	m := newTestModel(src, Options{}, 80, 24)
	opened := m.Init()().(tea.BatchMsg)[0]().(openedMsg)
	_, next := m.Update(opened)
	// The user changes the time range before the first page arrives.
	_, cmd := m.Update(tea.KeyPressMsg{Code: '/', Text: "/"})
	drive(t, m, cmd)
	m.Update(tea.PasteMsg{Content: "since:90m"})
	_, reopen := m.Update(tea.KeyPressMsg{Code: tea.KeyEnter})
	old := next().(pageMsg)
	if old.reqID == m.load.reqID {
		t.Fatal("the reopen did not start a new request")
	}
	before := m.store.Version()
	_, closer := m.Update(old)
	if m.store.Version() != before {
		t.Error("a stale page was added to the store")
	}
	if closer == nil || closer() != nil || !src.cursors[0].closed {
		t.Error("the stale cursor was not closed")
	}
	drive(t, m, reopen)
	if got := m.store.Len(); got != 31 {
		t.Errorf("store holds %d events, want the 31 of since:90m", got)
	}
}

func TestEscStopsLoadAndResumes(t *testing.T) {
	src := &sliceSource{events: genEvents(t, 40), pageSize: 10}
	m := newTestModel(src, Options{}, 80, 24)
	opened := m.Init()().(tea.BatchMsg)[0]().(openedMsg)
	_, next := m.Update(opened)
	_, next = m.Update(next())
	_, _ = m.Update(tea.KeyPressMsg{Code: tea.KeyEscape})
	if m.load.state != loadStopping {
		t.Fatalf("state after esc = %v, want stopping", m.load.state)
	}
	drive(t, m, next)
	if m.load.state != loadPaused {
		t.Fatalf("state = %v, want paused", m.load.state)
	}
	if got := m.store.Len(); got != 10 {
		t.Errorf("store holds %d events after stopping, want 10", got)
	}
	if got := m.sel.Len(); got != 10 {
		t.Errorf("selection holds %d events after stopping, want 10", got)
	}
	if f := frame(m); !strings.Contains(f, "paused at 1 file (r resumes)") {
		t.Errorf("status does not say the load is paused, and where:\n%s", f)
	}
	press(t, m, "j", "enter")
	if m.mode != modeDetail {
		t.Error("the screen is not usable after stopping")
	}
	press(t, m, "esc", "r")
	if m.load.state != loadDone || m.store.Len() != 40 {
		t.Errorf("after resuming: state %v, %d events", m.load.state, m.store.Len())
	}
	if len(src.opens) != 1 {
		t.Errorf("resuming reopened the source (%d opens)", len(src.opens))
	}
}

type failingSource struct{ err error }

func (s failingSource) Name() string { return "failing" }
func (s failingSource) Open(context.Context, source.Query) (source.Cursor, error) {
	return nil, s.err
}

func TestOpenFailureShown(t *testing.T) {
	m := newTestModel(failingSource{errors.New("no such bucket")}, Options{}, 80, 24)
	drive(t, m, m.Init())
	if m.load.state != loadFailed {
		t.Fatalf("state = %v, want failed", m.load.state)
	}
	if f := frame(m); !strings.Contains(f, "load failed (r retries): open failing: no such bucket") {
		t.Errorf("frame does not show the failure:\n%s", f)
	}
}

func TestSelectionKeptAcrossPagesAndDetail(t *testing.T) {
	evs := genEvents(t, 30)
	// Older events first, newer later: rows are inserted above the cursor.
	older, newer := evs[10:], evs[:10]
	src := &sliceSource{events: append(append([]model.Event{}, older...), newer...), pageSize: 20}
	m := newTestModel(src, Options{}, 80, 24)
	opened := m.Init()().(tea.BatchMsg)[0]().(openedMsg)
	_, next := m.Update(opened)
	_, next = m.Update(next())
	m.Update(reselectMsg{})
	press(t, m, "j", "j")
	want, _, _ := m.current()
	drive(t, m, next)
	if got, _, _ := m.current(); got.ID != want.ID {
		t.Fatalf("highlighted %s after newer events arrived, want %s", got.ID, want.ID)
	}
	press(t, m, "enter", "esc")
	if got, _, _ := m.current(); got.ID != want.ID || m.mode != modeNormal {
		t.Errorf("after detail and esc: highlighted %s in mode %v, want %s", got.ID, m.mode, want.ID)
	}
}

func TestMovementKeys(t *testing.T) {
	m, _ := loaded(t, 100, 50, Options{})
	rows := m.table.height
	steps := []struct {
		keys []string
		want int
	}{
		{[]string{"j", "j", "down"}, 3},
		{[]string{"k"}, 2},
		{[]string{"G"}, 99},
		{[]string{"g"}, 0},
		{[]string{"pgdown"}, rows},
		{[]string{"ctrl+d"}, rows + rows/2},
		{[]string{"ctrl+u"}, rows},
		{[]string{"up", "k", "g", "k"}, 0},
	}
	for _, s := range steps {
		press(t, m, s.keys...)
		if m.table.cursor != s.want {
			t.Fatalf("after %v cursor = %d, want %d", s.keys, m.table.cursor, s.want)
		}
		if m.table.cursor < m.table.offset || m.table.cursor >= m.table.offset+m.table.height {
			t.Fatalf("after %v cursor %d is off screen (offset %d)", s.keys, m.table.cursor, m.table.offset)
		}
	}
}

func TestLocalTimeToggle(t *testing.T) {
	defer func(l *time.Location) { time.Local = l }(time.Local)
	time.Local = time.FixedZone("X", 2*3600)
	m, _ := loaded(t, 5, 5, Options{})
	if f := frame(m); !strings.Contains(f, "TIME (UTC)") || !strings.Contains(f, "11-20 12:00:00") {
		t.Fatalf("UTC frame:\n%s", f)
	}
	press(t, m, "z")
	if f := frame(m); !strings.Contains(f, "TIME (local)") || !strings.Contains(f, "11-20 14:00:00") {
		t.Errorf("local frame:\n%s", f)
	}
}

func TestDetailReadsRecordAndScrolls(t *testing.T) {
	m, _ := loaded(t, 10, 10, Options{})
	press(t, m, "enter")
	f := frame(m)
	for _, want := range []string{"Who        alice (IAMUser)", `"eventVersion": "1.09"`, "Resources  arn:aws:ec2"} {
		if !strings.Contains(f, want) {
			t.Errorf("detail lacks %q:\n%s", want, f)
		}
	}
	press(t, m, "G")
	if f := frame(m); !strings.Contains(f, `"recipientAccountId": "123456789012"`) {
		t.Errorf("G did not scroll to the end:\n%s", f)
	}
	press(t, m, "g")
	if m.detail.offset != 0 {
		t.Errorf("g left offset %d", m.detail.offset)
	}
}

func TestDetailNextAndPreviousEvent(t *testing.T) {
	m, _ := loaded(t, 10, 10, Options{})
	press(t, m, "down", "enter", "G")
	shows := func(step string, i int) {
		t.Helper()
		if m.mode != modeDetail || m.table.cursor != i || m.detail.ev.ID != m.sel.Event(i).ID || m.detail.record == nil {
			t.Fatalf("after %s: mode %v, cursor %d, detail of %s; want the detail and record of event %d", step, m.mode, m.table.cursor, m.detail.ev.ID, i)
		}
		f := frame(m)
		want := "Event ID   " + m.sel.Event(i).ID
		if !strings.Contains(f, fmt.Sprintf("Event %d of 10", i+1)) || !strings.Contains(f, want) || m.detail.offset != 0 {
			t.Fatalf("after %s the pane does not show event %d from the top:\n%s", step, i+1, f)
		}
	}
	press(t, m, "n")
	shows("n", 2)
	press(t, m, "]", "]")
	shows("]]", 4)
	press(t, m, "p")
	shows("p", 3)
	press(t, m, "[", "[", "[")
	shows("[[[", 0)
	press(t, m, "p")
	shows("p at the newest", 0)
	if !strings.Contains(frame(m), "no newer event") {
		t.Errorf("p at the newest event says nothing:\n%s", frame(m))
	}
	press(t, m, "esc")
	if ev, _, _ := m.current(); m.mode != modeNormal || ev.ID != m.sel.Event(0).ID {
		t.Errorf("esc left mode %v on %s, want the table on the event last shown", m.mode, ev.ID)
	}
	press(t, m, "G", "enter", "n")
	shows("n at the oldest", 9)
	if !strings.Contains(frame(m), "no older event") {
		t.Errorf("n at the oldest event says nothing:\n%s", frame(m))
	}
}

func TestEmptyTableSaysWhy(t *testing.T) {
	m, _ := loaded(t, 10, 10, Options{Filter: "user:nobody"})
	if f := frame(m); !strings.Contains(f, "no events match the filter (esc clears it)") {
		t.Errorf("an empty selection says nothing:\n%s", f)
	}
	press(t, m, "esc")
	if f := frame(m); strings.Contains(f, "no events") || m.sel.Len() != 10 {
		t.Errorf("after esc:\n%s", f)
	}
	empty := newTestModel(&sliceSource{}, Options{}, 80, 24)
	start := empty.Init()
	if f := frame(empty); !strings.Contains(f, "no events yet") {
		t.Errorf("a table waiting for its first page says nothing:\n%s", f)
	}
	drive(t, empty, start)
	if f := frame(empty); !strings.Contains(f, "   no events\n") {
		t.Errorf("an empty source says nothing:\n%s", f)
	}
}

func TestDetailWithoutRecord(t *testing.T) {
	evs := genEvents(t, 1)
	evs[0].Raw = nil
	m := newTestModel(&sliceSource{events: evs, pageSize: 1}, Options{}, 80, 24)
	drive(t, m, m.Init())
	press(t, m, "enter")
	if f := frame(m); !strings.Contains(f, "cannot read the record") {
		t.Errorf("detail does not explain the missing record:\n%s", f)
	}
}

func TestCopyUsesOSC52(t *testing.T) {
	m, _ := loaded(t, 3, 3, Options{})
	_, cmd := m.Update(tea.KeyPressMsg{Code: 'y', Text: "y"})
	msg := cmd()
	_, set := m.Update(msg)
	if set == nil {
		t.Fatal("copying returned no clipboard command")
	}
	raw := string(genRecord(0))
	if got := fmt.Sprint(set()); got != raw {
		t.Errorf("clipboard gets %q, want the raw record", got)
	}
	if !strings.Contains(frame(m), "copied the record (") {
		t.Error("status does not confirm the copy")
	}
}

func TestHelpListsEveryBinding(t *testing.T) {
	for _, sz := range sizes {
		m, _ := loaded(t, 1, 1, Options{})
		m.Update(tea.WindowSizeMsg{Width: sz.w, Height: sz.h})
		press(t, m, "?")
		f := frame(m)
		for _, g := range m.keys.Groups() {
			for _, b := range g.Bindings {
				h := b.Help()
				if !strings.Contains(f, h.Key) || !strings.Contains(f, h.Desc) {
					t.Errorf("%dx%d help lacks %q %q:\n%s", sz.w, sz.h, h.Key, h.Desc, f)
				}
			}
		}
		press(t, m, "?")
		if m.mode != modeNormal {
			t.Errorf("? did not close the help")
		}
	}
}

func TestHelpScrollsOnShortTerminals(t *testing.T) {
	m, _ := loaded(t, 1, 1, Options{})
	m.Update(tea.WindowSizeMsg{Width: 80, Height: 16})
	press(t, m, "?")
	f := frame(m)
	if !strings.HasPrefix(f, "Keys · lines 1-14 of ") || !strings.Contains(f, "(j/k scroll)") {
		t.Fatalf("a help taller than the screen does not say so:\n%s", f)
	}
	press(t, m, "G")
	if f := frame(m); !strings.Contains(f, "land in us-east-1") || strings.Contains(f, "move up") {
		t.Errorf("G did not scroll the help to its end:\n%s", f)
	}
	press(t, m, "k", "g")
	if m.helpOff != 0 {
		t.Errorf("g left the help at line %d", m.helpOff+1)
	}
	press(t, m, "?", "?")
	if m.mode != modeHelp || m.helpOff != 0 {
		t.Errorf("reopened help: mode %v at line %d", m.mode, m.helpOff+1)
	}
	if lines := strings.Split(frame(m), "\n"); len(lines) != 16 {
		t.Errorf("help frame has %d lines on a 16-line screen", len(lines))
	}
}

func TestProblemsListed(t *testing.T) {
	src := &sliceSource{events: genEvents(t, 5), pageSize: 5, problems: []source.Problem{
		{Where: "logs/a.json.gz", Err: errors.New("gzip: invalid header")},
		{Where: "logs/b\x1b[2J.json.gz", Err: errors.New("no Records key")},
	}}
	m := newTestModel(src, Options{}, 80, 24)
	drive(t, m, m.Init())
	if f := frame(m); !strings.Contains(f, "2 damaged (!)") {
		t.Errorf("status lacks the damaged count:\n%s", f)
	}
	press(t, m, "!")
	f := frame(m)
	for _, want := range []string{"Damaged files (2)", "logs/a.json.gz\n  gzip: invalid header", "logs/b\\x1b[2J.json.gz\n  no Records key"} {
		if !strings.Contains(f, want) {
			t.Errorf("problems list lacks %q:\n%s", want, f)
		}
	}
	press(t, m, "esc")
	if m.mode != modeNormal {
		t.Error("esc did not close the problems list")
	}
}

func TestRebindingApplies(t *testing.T) {
	km := keymap.DefaultKeyMap()
	if err := km.Apply(map[string][]string{"down": {"n"}}); err != nil {
		t.Fatal(err)
	}
	m, _ := loaded(t, 10, 10, Options{Keys: &km})
	press(t, m, "n", "n", "j")
	if m.table.cursor != 2 {
		t.Errorf("cursor = %d after n n j with down rebound to n, want 2", m.table.cursor)
	}
}

func TestQuitKeys(t *testing.T) {
	for _, k := range []tea.KeyPressMsg{{Code: 'q', Text: "q"}, {Code: 'c', Mod: tea.ModCtrl}} {
		m, _ := loaded(t, 1, 1, Options{})
		_, cmd := m.Update(k)
		if cmd == nil {
			t.Fatalf("%s returned no command", k)
		}
		if _, ok := cmd().(tea.QuitMsg); !ok {
			t.Errorf("%s does not quit", k)
		}
	}
	// In the filter bar q is text, ctrl+c still quits.
	m, _ := loaded(t, 1, 1, Options{})
	press(t, m, "/", "q")
	if m.query != "q" {
		t.Errorf("q in the filter bar gave query %q", m.query)
	}
}

func TestNeedReopen(t *testing.T) {
	t0 := testNow
	attr := &source.Attribute{Key: source.AttrUsername, Value: "alice"}
	tests := []struct {
		name      string
		cur, next source.Query
		done      bool
		want      bool
	}{
		{"same", source.Query{}, source.Query{}, false, false},
		{"clock moved", source.Query{Start: t0}, source.Query{Start: t0.Add(2 * time.Second)}, false, false},
		{"narrower while loading", source.Query{}, source.Query{Start: t0}, false, true},
		{"narrower after load", source.Query{}, source.Query{Start: t0}, true, false},
		{"wider after load", source.Query{Start: t0}, source.Query{}, true, true},
		{"end moved out", source.Query{End: t0}, source.Query{End: t0.Add(time.Hour)}, true, true},
		{"attribute added while loading", source.Query{}, source.Query{Attribute: attr}, false, true},
		{"attribute added after full load", source.Query{}, source.Query{Attribute: attr}, true, false},
		{"attribute removed", source.Query{Attribute: attr}, source.Query{}, true, true},
		{"attribute added with a wider range", source.Query{Start: t0}, source.Query{Attribute: attr}, true, true},
		{"insights", source.Query{}, source.Query{Insights: true}, true, true},
	}
	for _, tt := range tests {
		if got := needReopen(tt.cur, tt.next, tt.done); got != tt.want {
			t.Errorf("%s: needReopen = %v, want %v", tt.name, got, tt.want)
		}
	}
}

func TestTinyTerminals(t *testing.T) {
	m, _ := loaded(t, 20, 20, Options{Filter: "usr:x"})
	for _, sz := range [][2]int{{1, 1}, {10, 3}, {20, 5}, {0, 0}, {30, 8}} {
		m.Update(tea.WindowSizeMsg{Width: sz[0], Height: sz[1]})
		for _, k := range []string{"enter", "G", "esc", "u", "down", "esc", "t", "esc", "?", "esc", "!", "esc", "/", "x", "esc"} {
			press(t, m, k)
			_ = m.View()
		}
	}
}
