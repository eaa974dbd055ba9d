package ui

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/lazytrail/lazytrail/model"
	"github.com/lazytrail/lazytrail/source"
)

// loadState is where reading the source stands.
type loadState int

const (
	loadIdle     loadState = iota
	loadOpening            // Open is running
	loadReading            // a Next is running
	loadStopping           // cancelled; waiting for the running call to return
	loadPaused             // cancelled by the user; r resumes
	loadDone               // the cursor reported io.EOF
	loadFailed             // Open or Next failed; r retries
)

// loader is the root's view of the current read: which request is current,
// its query, cursor and progress. Messages from older requests are dropped.
type loader struct {
	reqID    int
	query    source.Query
	state    loadState
	cursor   source.Cursor
	ctx      context.Context // the context of the read, for every Open and Next
	cancel   context.CancelFunc
	progress source.Progress
	paged    bool      // a page has arrived, so follow mode may start
	started  time.Time // when the read began, for its event rate
	err      error
}

// busy reports whether a Cmd of the current request is running.
func (l *loader) busy() bool {
	return l.state == loadOpening || l.state == loadReading || l.state == loadStopping
}

// openedMsg reports the result of Source.Open.
type openedMsg struct {
	reqID  int
	cursor source.Cursor
	err    error
}

// pageMsg carries one page read from a cursor.
type pageMsg struct {
	reqID  int
	cursor source.Cursor
	page   source.Page
	err    error
}

// recordMsg carries the raw record of the event shown in the detail pane,
// pretty-printed into lines when it is valid JSON.
type recordMsg struct {
	row   model.RowID
	lines []string
	raw   []byte // set instead of lines when the record is not valid JSON
	err   error
}

// copiedMsg carries a raw record read for the clipboard.
type copiedMsg struct {
	raw []byte
	err error
}

// reopenMsg asks to read the source again for the filter, unless the query
// changed again since it was scheduled (seq).
type reopenMsg struct{ seq int }

// reselectMsg asks for a deferred refresh of the selection while loading.
type reselectMsg struct{}

// openCmd opens src for q.
func openCmd(ctx context.Context, src source.Source, q source.Query, reqID int) tea.Cmd {
	return func() tea.Msg {
		cur, err := src.Open(ctx, q)
		if err != nil {
			err = fmt.Errorf("open %s: %w", src.Name(), err)
		}
		return openedMsg{reqID: reqID, cursor: cur, err: err}
	}
}

// nextCmd reads the next page from cur.
func nextCmd(ctx context.Context, cur source.Cursor, reqID int) tea.Cmd {
	return func() tea.Msg {
		page, err := cur.Next(ctx)
		return pageMsg{reqID: reqID, cursor: cur, page: page, err: err}
	}
}

// closeCmd releases a cursor that is no longer read. Closing is best
// effort: there is nothing left to tell the user about a cursor they left.
func closeCmd(cur source.Cursor) tea.Cmd {
	return func() tea.Msg {
		_ = cur.Close()
		return nil
	}
}

// readRecordCmd reads ev's raw record, which may mean reading a file again,
// and pretty-prints it.
func readRecordCmd(ev model.Event, row model.RowID) tea.Cmd {
	return func() tea.Msg {
		raw, err := recordOf(&ev)
		if err != nil {
			return recordMsg{row: row, err: err}
		}
		lines, err := indentRecord(raw)
		if err != nil {
			return recordMsg{row: row, raw: raw}
		}
		return recordMsg{row: row, lines: lines}
	}
}

// copyCmd reads ev's raw record for the clipboard.
func copyCmd(ev model.Event) tea.Cmd {
	return func() tea.Msg {
		raw, err := recordOf(&ev)
		return copiedMsg{raw: raw, err: err}
	}
}

var errNoRecord = errors.New("the source kept no raw record for this event")

func recordOf(ev *model.Event) ([]byte, error) {
	raw, err := ev.Record()
	if err != nil {
		return nil, fmt.Errorf("read record of event %s: %w", ev.ID, err)
	}
	if len(raw) == 0 {
		return nil, errNoRecord
	}
	return raw, nil
}

// reselectAfter schedules a deferred selection refresh.
func reselectAfter(d time.Duration) tea.Cmd {
	return tea.Tick(d, func(time.Time) tea.Msg { return reselectMsg{} })
}

// needReopen reports whether moving from the query being read (cur, fully
// read when done) to next calls for reading the source again: the event
// category changed, the pushed attribute changed (unless a completed read
// pushed none), or the time range changed, except when a completed read
// already covers the new range. Ranges that differ by less than a
// minute count as equal, since relative ranges ("since:1h") move with the
// clock as the user types.
func needReopen(cur, next source.Query, done bool) bool {
	if cur.Insights != next.Insights {
		return true
	}
	if !sameAttr(cur.Attribute, next.Attribute) && !(done && cur.Attribute == nil) {
		return true
	}
	if near(cur.Start, next.Start) && near(cur.End, next.End) {
		return false
	}
	covers := (cur.Start.IsZero() || !next.Start.IsZero() && !next.Start.Before(cur.Start)) &&
		(cur.End.IsZero() || !next.End.IsZero() && !next.End.After(cur.End))
	return !(done && covers)
}

func sameAttr(a, b *source.Attribute) bool {
	if a == nil || b == nil {
		return a == b
	}
	return *a == *b
}

func near(a, b time.Time) bool {
	if a.IsZero() || b.IsZero() {
		return a.IsZero() == b.IsZero()
	}
	d := a.Sub(b)
	return d > -time.Minute && d < time.Minute
}

// startLoad reads the source afresh for q, abandoning the current read and
// its follow cursor; follow mode starts again with the first page.
func (m *Model) startLoad(q source.Query) tea.Cmd {
	cmds := []tea.Cmd{m.stopFollow()}
	if m.load.cancel != nil {
		m.load.cancel()
	}
	if m.load.cursor != nil && !m.load.busy() {
		cmds = append(cmds, closeCmd(m.load.cursor))
	}
	ctx, cancel := context.WithCancel(m.base)
	m.load = loader{reqID: m.load.reqID + 1, query: q, state: loadOpening, ctx: ctx, cancel: cancel, started: m.now()}
	m.problems = nil
	cmds = append(cmds, openCmd(ctx, m.src, q, m.load.reqID), m.spinner.Tick)
	return tea.Batch(cmds...)
}

// resume continues a paused or failed read, or reads a finished source again.
func (m *Model) resume() tea.Cmd {
	switch m.load.state {
	case loadPaused, loadFailed:
		if m.load.cursor == nil {
			return m.startLoad(m.load.query)
		}
		m.load.ctx, m.load.cancel = context.WithCancel(m.base)
		m.load.state, m.load.err = loadReading, nil
		return tea.Batch(nextCmd(m.load.ctx, m.load.cursor, m.load.reqID), m.spinner.Tick)
	case loadDone, loadIdle:
		return m.startLoad(m.load.query)
	}
	return nil
}

// stop cancels a running read; the screen stays usable and resume continues.
func (m *Model) stop() {
	if m.load.state == loadOpening || m.load.state == loadReading {
		m.load.cancel()
		m.load.state = loadStopping
	}
}

// opened takes the result of Source.Open.
func (m *Model) opened(msg openedMsg) tea.Cmd {
	if msg.reqID != m.load.reqID {
		if msg.cursor != nil {
			return closeCmd(msg.cursor)
		}
		return nil
	}
	if msg.err != nil {
		m.endLoad(msg.err)
		return nil
	}
	m.load.cursor = msg.cursor
	if m.load.state == loadStopping {
		m.load.state = loadPaused
		return nil
	}
	m.load.state = loadReading
	return nextCmd(m.load.ctx, msg.cursor, msg.reqID)
}

// paged adds a page to the store and asks for the next one.
func (m *Model) paged(msg pageMsg) tea.Cmd {
	if msg.reqID != m.load.reqID {
		return closeCmd(msg.cursor)
	}
	m.store.Add(msg.page.Events)
	m.problems = append(m.problems, msg.page.Problems...)
	if msg.page.Progress != (source.Progress{}) { // a failed or cancelled Next reports none
		m.load.progress = msg.page.Progress
	}
	var cmds []tea.Cmd
	if msg.err == nil || errors.Is(msg.err, io.EOF) {
		m.load.paged = true
		if m.following && m.fol.load != m.load.reqID {
			cmds = append(cmds, m.startFollow())
		}
	}
	if msg.err != nil {
		m.endLoad(msg.err)
		m.reselect(true)
		if errors.Is(msg.err, io.EOF) {
			cur := m.load.cursor
			m.load.cursor = nil
			cmds = append(cmds, closeCmd(cur))
		}
		return tea.Batch(cmds...)
	}
	if m.now().Sub(m.selAt) >= m.reselectInterval() {
		m.reselect(false)
	} else if !m.selQueued {
		m.selQueued = true
		cmds = append(cmds, reselectAfter(m.reselectInterval()))
	}
	if m.load.state == loadStopping {
		m.load.state = loadPaused
		return tea.Batch(cmds...)
	}
	return tea.Batch(append(cmds, nextCmd(m.load.ctx, msg.cursor, msg.reqID))...)
}

// endLoad records how the current read ended.
func (m *Model) endLoad(err error) {
	switch {
	case errors.Is(err, io.EOF):
		m.load.state = loadDone
	case errors.Is(err, context.Canceled) && m.load.state == loadStopping:
		m.load.state = loadPaused
	default:
		m.load.state, m.load.err = loadFailed, err
	}
	m.load.cancel()
}
