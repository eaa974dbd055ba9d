// Package ui is lazytrail's terminal interface: one root Bubble Tea model
// that reads a source page by page into a model.Store and shows the events
// it selects. Components (event table, detail pane, filter bar, pickers,
// status bar, help, damaged-files list) are plain structs the root drives;
// the mode decides which of them gets the keys.
package ui

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/spinner"
	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/colorprofile"
	"github.com/charmbracelet/x/ansi"

	"github.com/lazytrail/lazytrail/keymap"
	"github.com/lazytrail/lazytrail/model"
	"github.com/lazytrail/lazytrail/source"
)

// Options configure the interface.
type Options struct {
	// Filter is the initial query, in the filter language.
	Filter string
	// LocalTime shows times in the local zone instead of UTC.
	LocalTime bool
	// Follow keeps the cursor on the newest event while new events arrive,
	// as long as it is on the newest event.
	Follow bool
	// Status is extra text for the status bar, such as an emulator endpoint.
	Status string
	// Pushdown picks the attribute a filter pushes to the source (see
	// source.Query.Attribute); nil pushes none. When its answer changes, the
	// source is read again with the new query.
	Pushdown func(*model.Filter) *source.Attribute
	// Keys are the key bindings; nil means keymap.DefaultKeyMap().
	Keys *keymap.KeyMap
}

// mode decides where keys go and what the screen shows.
type mode int

const (
	modeNormal   mode = iota // the event table
	modeFilter               // typing in the filter bar
	modePicker               // choosing a user or a time range
	modeDetail               // one event's detail pane
	modeHelp                 // the key bindings
	modeProblems             // the damaged files
)

// reselectEvery bounds how often the selection is recomputed while pages
// arrive, so loading a million events does not filter them per page.
const reselectEvery = 100 * time.Millisecond

// reopenDelay is how long a typed query must stay unchanged before a new
// time range or pushed attribute makes the source be read again.
const reopenDelay = 300 * time.Millisecond

// Model is the root tea.Model of the interface.
type Model struct {
	src    source.Source
	opts   Options
	keys   keymap.KeyMap
	styles Styles
	base   context.Context // parent of every load's context
	now    func() time.Time

	store     *model.Store
	query     string        // the filter as typed
	filter    *model.Filter // the last query that parsed
	filterErr error         // why query does not parse, if it does not
	sel       *model.Selection
	selVer    uint64    // store version sel was made from
	selAt     time.Time // when sel was made
	selQueued bool      // a reselectMsg is on its way
	reopenSeq int       // counts query changes, to drop outdated reopenMsgs

	load     loader
	problems []source.Problem

	mode      mode
	localTime bool
	flash     string // a one-off message, cleared by the next key
	width     int
	height    int

	table    eventTable
	detail   detailPane
	input    lineInput // the filter bar
	picker   picker
	spinner  spinner.Model
	probsOff int // scroll offset of the damaged-files list
}

// New returns the root model reading src with opts. Run it with Run or any
// tea.Program.
func New(src source.Source, opts Options) *Model {
	return newModel(src, opts, time.Now)
}

// newModel is New with a clock, which resolves relative filter times.
func newModel(src source.Source, opts Options, now func() time.Time) *Model {
	m := &Model{
		src:       src,
		opts:      opts,
		keys:      keymap.DefaultKeyMap(),
		styles:    NewStyles(colorprofile.ANSI),
		base:      context.Background(),
		now:       now,
		store:     model.NewStore(),
		localTime: opts.LocalTime,
		spinner:   spinner.New(spinner.WithSpinner(spinner.MiniDot)),
		width:     80,
		height:    24,
	}
	if opts.Keys != nil {
		m.keys = *opts.Keys
	}
	m.setQuery(opts.Filter)
	m.load.query = m.queryFor(m.filter)
	m.reselect(true)
	m.layout()
	return m
}

// Init starts reading the source; it implements tea.Model.
func (m *Model) Init() tea.Cmd {
	return m.startLoad(m.load.query)
}

// queryFor is the source query a filter asks for: its time range and the
// pushed attribute.
func (m *Model) queryFor(f *model.Filter) source.Query {
	var q source.Query
	if f == nil {
		return q
	}
	q.Start, q.End = f.TimeRange()
	if m.opts.Pushdown != nil {
		q.Attribute = m.opts.Pushdown(f)
	}
	return q
}

// startLoad reads the source afresh for q, abandoning the current read.
func (m *Model) startLoad(q source.Query) tea.Cmd {
	var cmds []tea.Cmd
	if m.load.cancel != nil {
		m.load.cancel()
	}
	if m.load.cursor != nil && !m.load.busy() {
		cmds = append(cmds, closeCmd(m.load.cursor))
	}
	ctx, cancel := context.WithCancel(m.base)
	m.load = loader{reqID: m.load.reqID + 1, query: q, state: loadOpening, cancel: cancel}
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
		ctx, cancel := context.WithCancel(m.base)
		m.load.cancel, m.load.state, m.load.err = cancel, loadReading, nil
		return tea.Batch(nextCmd(ctx, m.load.cursor, m.load.reqID), m.spinner.Tick)
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

// Update handles a message; it implements tea.Model.
func (m *Model) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	switch msg := msg.(type) {
	case tea.WindowSizeMsg:
		m.width, m.height = msg.Width, msg.Height
		m.layout()
	case tea.ColorProfileMsg:
		m.styles = NewStyles(msg.Profile)
		m.detail.rebuild(&m.styles, m.localTime)
	case openedMsg:
		return m, m.opened(msg)
	case pageMsg:
		return m, m.paged(msg)
	case reopenMsg:
		return m, m.reopenSettled(msg)
	case reselectMsg:
		m.selQueued = false
		m.reselect(false)
	case recordMsg:
		if m.mode == modeDetail && msg.row == m.detail.row {
			m.detail.setRecord(msg.lines, msg.raw, msg.err)
			m.detail.rebuild(&m.styles, m.localTime)
		}
	case copiedMsg:
		if msg.err != nil {
			m.flash = "copy failed: " + msg.err.Error()
			return m, nil
		}
		m.flash = fmt.Sprintf("copied the record (%s bytes) to the clipboard", groupDigits(len(msg.raw)))
		return m, tea.SetClipboard(string(msg.raw))
	case spinner.TickMsg:
		if m.load.busy() {
			var cmd tea.Cmd
			m.spinner, cmd = m.spinner.Update(msg)
			return m, cmd
		}
	case tea.PasteMsg:
		return m, m.paste(msg.Content)
	case tea.KeyPressMsg:
		m.flash = ""
		return m, m.key(msg)
	}
	return m, nil
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
	ctx, cancel := context.WithCancel(m.base)
	m.load.cancel = cancel
	return nextCmd(ctx, msg.cursor, msg.reqID)
}

// paged adds a page to the store and asks for the next one.
func (m *Model) paged(msg pageMsg) tea.Cmd {
	if msg.reqID != m.load.reqID {
		return closeCmd(msg.cursor)
	}
	m.store.Add(msg.page.Events)
	m.problems = append(m.problems, msg.page.Problems...)
	m.load.progress = msg.page.Progress
	if msg.err != nil {
		m.endLoad(msg.err)
		m.reselect(true)
		if errors.Is(msg.err, io.EOF) {
			cur := m.load.cursor
			m.load.cursor = nil
			return closeCmd(cur)
		}
		return nil
	}
	var cmds []tea.Cmd
	if m.now().Sub(m.selAt) >= reselectEvery {
		m.reselect(false)
	} else if !m.selQueued {
		m.selQueued = true
		cmds = append(cmds, reselectAfter(reselectEvery))
	}
	if m.load.state == loadStopping {
		m.load.state = loadPaused
		return tea.Batch(cmds...)
	}
	ctx, cancel := context.WithCancel(m.base)
	m.load.cancel = cancel
	return tea.Batch(append(cmds, nextCmd(ctx, msg.cursor, msg.reqID))...)
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

// reselect recomputes the selection when the store or the filter changed
// (always when force is set).
func (m *Model) reselect(force bool) {
	if !force && m.sel != nil && m.selVer == m.store.Version() {
		return
	}
	m.sel = m.store.Select(m.filter)
	m.selVer = m.store.Version()
	m.selAt = m.now()
	m.table.setSelection(m.sel, m.opts.Follow)
}

// setQuery parses q; a query that parses replaces the filter, one that
// does not leaves the last good filter in force and shows why.
func (m *Model) setQuery(q string) {
	m.query = q
	f, err := model.ParseFilter(q, m.now())
	if err != nil {
		m.filterErr = err
		return
	}
	m.filter, m.filterErr = f, nil
}

// applyQuery sets the query, reselects, and reads the source again if the
// time range or the pushed attribute changed. With settle set (the user is
// typing), the source is read again only once the query has stayed the same
// for reopenDelay, so typing "event:RunInstances" does not reopen it for
// every letter.
func (m *Model) applyQuery(q string, settle bool) tea.Cmd {
	m.setQuery(q)
	if m.filterErr != nil {
		return nil
	}
	m.reselect(true)
	m.reopenSeq++
	if !needReopen(m.load.query, m.queryFor(m.filter), m.load.state == loadDone) {
		return nil
	}
	if settle {
		seq := m.reopenSeq
		return tea.Tick(reopenDelay, func(time.Time) tea.Msg { return reopenMsg{seq: seq} })
	}
	return m.startLoad(m.queryFor(m.filter))
}

// reopenSettled reads the source again for the current filter if the query
// has not changed since msg was scheduled.
func (m *Model) reopenSettled(msg reopenMsg) tea.Cmd {
	next := m.queryFor(m.filter)
	if msg.seq != m.reopenSeq || !needReopen(m.load.query, next, m.load.state == loadDone) {
		return nil
	}
	return m.startLoad(next)
}

// layout sizes the components for the window.
func (m *Model) layout() {
	rows := m.height - 3 // header, filter bar, status bar
	if m.filterErr != nil {
		rows--
	}
	m.table.setSize(m.width, rows)
	m.detail.setSize(m.width, m.height-2)
	m.detail.rebuild(&m.styles, m.localTime)
	m.picker.setSize(m.width, m.height-1)
}

// current returns the highlighted event.
func (m *Model) current() (model.Event, model.RowID, bool) {
	row, ok := m.table.current()
	if !ok {
		return model.Event{}, 0, false
	}
	return m.sel.Event(m.table.cursor), row, true
}

// paste inserts pasted text where the user is typing.
func (m *Model) paste(text string) tea.Cmd {
	switch m.mode {
	case modeFilter:
		if m.input.insert(text) {
			return m.typed()
		}
	case modePicker:
		if m.picker.search && m.picker.input.insert(text) {
			m.picker.refilter()
		}
	}
	return nil
}

// typed applies the filter bar's text.
func (m *Model) typed() tea.Cmd {
	cmd := m.applyQuery(m.input.String(), true)
	m.layout()
	return cmd
}

// key routes a key press by mode.
func (m *Model) key(msg tea.KeyPressMsg) tea.Cmd {
	if msg.String() == "ctrl+c" {
		return m.quit()
	}
	switch m.mode {
	case modeFilter:
		return m.filterKey(msg)
	case modePicker:
		return m.pickerKey(msg)
	case modeDetail:
		return m.detailKey(msg)
	case modeHelp:
		switch {
		case key.Matches(msg, m.keys.Quit):
			return m.quit()
		case key.Matches(msg, m.keys.Back, m.keys.Help):
			m.mode = modeNormal
		}
		return nil
	case modeProblems:
		return m.problemsKey(msg)
	}
	return m.normalKey(msg)
}

func (m *Model) quit() tea.Cmd {
	if m.load.cancel != nil {
		m.load.cancel()
	}
	return tea.Quit
}

// scrollKey handles the movement keys for a list of the given page height,
// calling move with the change, or home/end. It reports whether the key was
// a movement key.
func (m *Model) scrollKey(msg tea.KeyPressMsg, page int, move func(int), home, end func()) bool {
	switch {
	case key.Matches(msg, m.keys.Up):
		move(-1)
	case key.Matches(msg, m.keys.Down):
		move(1)
	case key.Matches(msg, m.keys.PageUp):
		move(-page)
	case key.Matches(msg, m.keys.PageDown):
		move(page)
	case key.Matches(msg, m.keys.HalfUp):
		move(-max(page/2, 1))
	case key.Matches(msg, m.keys.HalfDown):
		move(max(page/2, 1))
	case key.Matches(msg, m.keys.Home):
		home()
	case key.Matches(msg, m.keys.End):
		end()
	default:
		return false
	}
	return true
}

func (m *Model) normalKey(msg tea.KeyPressMsg) tea.Cmd {
	if m.scrollKey(msg, m.table.height, m.table.move, m.table.home, m.table.end) {
		return nil
	}
	switch {
	case key.Matches(msg, m.keys.Quit):
		return m.quit()
	case key.Matches(msg, m.keys.Help):
		m.mode = modeHelp
	case key.Matches(msg, m.keys.Filter):
		m.mode = modeFilter
		m.input.set(m.query)
	case key.Matches(msg, m.keys.Users):
		m.openUsers()
	case key.Matches(msg, m.keys.Time):
		m.openTimes()
	case key.Matches(msg, m.keys.LocalTime):
		m.localTime = !m.localTime
	case key.Matches(msg, m.keys.Open):
		ev, row, ok := m.current()
		if !ok {
			return nil
		}
		m.detail.open(ev, row)
		m.detail.rebuild(&m.styles, m.localTime)
		m.mode = modeDetail
		return readRecordCmd(ev, row)
	case key.Matches(msg, m.keys.Copy):
		if ev, _, ok := m.current(); ok {
			return copyCmd(ev)
		}
	case key.Matches(msg, m.keys.Reload):
		return m.resume()
	case key.Matches(msg, m.keys.Problems):
		m.mode, m.probsOff = modeProblems, 0
	case key.Matches(msg, m.keys.Back):
		switch {
		case m.load.busy():
			m.stop()
		case m.query != "":
			cmd := m.applyQuery("", false)
			m.layout()
			return cmd
		}
	}
	return nil
}

func (m *Model) filterKey(msg tea.KeyPressMsg) tea.Cmd {
	switch msg.String() {
	case "enter":
		m.mode = modeNormal
		return m.reopenSettled(reopenMsg{seq: m.reopenSeq})
	case "esc":
		m.mode = modeNormal
		m.input.set("")
		cmd := m.applyQuery("", false)
		m.layout()
		return cmd
	}
	if m.input.handle(msg) {
		return m.typed()
	}
	return nil
}

func (m *Model) pickerKey(msg tea.KeyPressMsg) tea.Cmd {
	p := &m.picker
	switch msg.String() {
	case "esc":
		m.mode = modeNormal
		return nil
	case "enter":
		m.mode = modeNormal
		it, ok := p.chosen()
		if !ok {
			return nil
		}
		q := m.query
		switch p.kind {
		case pickUser:
			q = model.SetTerm(q, "user", it.value)
		case pickTime:
			q = model.SetTerm(model.SetTerm(q, "until", ""), "since", it.value)
		}
		cmd := m.applyQuery(q, false)
		m.layout()
		return cmd
	case "up", "ctrl+p":
		p.move(-1)
		return nil
	case "down", "ctrl+n":
		p.move(1)
		return nil
	}
	if p.search {
		if p.input.handle(msg) {
			p.refilter()
		}
		return nil
	}
	m.scrollKey(msg, p.height, p.move, func() { p.move(-len(p.shown)) }, func() { p.move(len(p.shown)) })
	return nil
}

// timePresets are the ranges the time picker offers, as since: values.
var timePresets = []struct{ label, since string }{
	{"last 15 minutes", "15m"},
	{"last hour", "1h"},
	{"last 3 hours", "3h"},
	{"last 12 hours", "12h"},
	{"last 24 hours", "24h"},
	{"last 7 days", "7d"},
	{"all time", ""},
}

func (m *Model) openTimes() {
	items := make([]pickItem, len(timePresets))
	for i, p := range timePresets {
		items[i] = pickItem{label: p.label, note: p.since, value: p.since}
	}
	m.picker.open(pickTime, "Time range", items, false, termValue(m.filter, "since"))
	m.mode = modePicker
}

func (m *Model) openUsers() {
	users := m.store.Users()
	items := make([]pickItem, 0, len(users)+1)
	items = append(items, pickItem{label: "(all users)", note: groupDigits(m.store.Len()), value: ""})
	for _, u := range users {
		items = append(items, pickItem{label: u.Who, note: groupDigits(u.Count), value: u.Who})
	}
	m.picker.open(pickUser, fmt.Sprintf("Users (%s)", groupDigits(len(users))), items, true, termValue(m.filter, "user"))
	m.mode = modePicker
}

// termValue returns the value of f's plain, single-valued term for key, or
// "" if it has none.
func termValue(f *model.Filter, key string) string {
	for _, t := range f.Terms() {
		if t.Key == key && !t.Negated && len(t.Values) == 1 {
			return t.Values[0]
		}
	}
	return ""
}

func (m *Model) detailKey(msg tea.KeyPressMsg) tea.Cmd {
	d := &m.detail
	if m.scrollKey(msg, d.height, d.scroll, d.top, d.bottom) {
		return nil
	}
	switch {
	case key.Matches(msg, m.keys.Quit):
		return m.quit()
	case key.Matches(msg, m.keys.Back):
		m.mode = modeNormal
	case key.Matches(msg, m.keys.Help):
		m.mode = modeHelp
	case key.Matches(msg, m.keys.Copy):
		return copyCmd(d.ev)
	case key.Matches(msg, m.keys.LocalTime):
		m.localTime = !m.localTime
		d.rebuild(&m.styles, m.localTime)
	}
	return nil
}

func (m *Model) problemsKey(msg tea.KeyPressMsg) tea.Cmd {
	page := m.problemsPage()
	move := func(d int) {
		m.probsOff = min(max(m.probsOff+d, 0), max(len(m.problems)-page, 0))
	}
	if m.scrollKey(msg, page, move, func() { m.probsOff = 0 }, func() { move(len(m.problems)) }) {
		return nil
	}
	switch {
	case key.Matches(msg, m.keys.Quit):
		return m.quit()
	case key.Matches(msg, m.keys.Back, m.keys.Problems):
		m.mode = modeNormal
	}
	return nil
}

// View renders the screen; it implements tea.Model.
func (m *Model) View() tea.View {
	var body string
	var cursor *tea.Cursor
	switch m.mode {
	case modeDetail:
		body = m.detailView()
	case modePicker:
		var x int
		body, x = m.picker.view(&m.styles)
		body = fillLines(body, m.height-1)
		if x >= 0 {
			cursor = tea.NewCursor(x, 1)
		}
	case modeHelp:
		body = m.styles.Title.Render("Keys") + "\n" + fillLines(helpView(m.keys, &m.styles, m.width, m.height-2), m.height-2)
	case modeProblems:
		body = m.problemsView()
	default:
		body, cursor = m.tableView()
	}
	v := tea.NewView(body + "\n" + m.statusView())
	v.AltScreen = true
	v.Cursor = cursor
	v.WindowTitle = "lazytrail"
	return v
}

// tableView renders the table, the filter bar and, for a bad query, its
// error.
func (m *Model) tableView() (string, *tea.Cursor) {
	var b strings.Builder
	b.WriteString(m.table.header(&m.styles, m.localTime))
	b.WriteByte('\n')
	b.WriteString(m.table.view(&m.styles, m.localTime))
	b.WriteByte('\n')
	bar, x := m.filterBar()
	b.WriteString(bar)
	var cursor *tea.Cursor
	if x >= 0 {
		cursor = tea.NewCursor(x, m.table.height+1)
	}
	if m.filterErr != nil {
		b.WriteByte('\n')
		b.WriteString(m.filterErrLine())
	}
	return b.String(), cursor
}

// filterBar renders the query and "N of M events", and the cursor column
// when the user is typing (-1 otherwise).
func (m *Model) filterBar() (string, int) {
	total := m.store.Len()
	shown := 0
	if m.sel != nil {
		shown = m.sel.Len()
	}
	count := groupDigits(shown) + " of " + groupDigits(total) + " events"
	if a := m.load.query.Attribute; a != nil {
		count = Sanitize(fmt.Sprintf("server: %s=%s · ", a.Key, a.Value)) + count
	}
	room := max(m.width-len(count)-3, 1)
	if m.mode == modeFilter {
		text, x := m.input.view(room)
		return pad("/ "+text, m.width-len(count)) + m.styles.Muted.Render(count), 2 + x
	}
	left := m.styles.Muted.Render("/ to filter")
	if m.query != "" {
		left = m.styles.Header.Render("/ ") + clip(Sanitize(m.query), room)
	}
	return pad(left, m.width-len(count)) + m.styles.Muted.Render(count), -1
}

// filterErrLine points at the position of a query error and says what is
// wrong.
func (m *Model) filterErrLine() string {
	var fe *model.FilterError
	if errors.As(m.filterErr, &fe) {
		at := min(max(fe.Pos, 0), len(m.query))
		col := 2 + ansi.StringWidth(Sanitize(m.query[:at]))
		if col <= m.width/2 {
			return m.styles.Error.Render(clip(strings.Repeat(" ", col)+"^ "+Sanitize(fe.Msg), m.width))
		}
		return m.styles.Error.Render(clip(fmt.Sprintf("at %d: %s", fe.Pos+1, Sanitize(fe.Msg)), m.width))
	}
	return m.styles.Error.Render(clip(Sanitize(m.filterErr.Error()), m.width))
}

func (m *Model) detailView() string {
	title := "Event"
	if n := m.table.len(); n > 0 {
		title = fmt.Sprintf("Event %s of %s", groupDigits(m.table.cursor+1), groupDigits(n))
	}
	if pos := m.detail.position(); pos != "" {
		title += " · " + pos
	}
	return m.styles.Title.Render(clip(title, m.width)) + "\n" + m.detail.view()
}

func (m *Model) problemsView() string {
	page := m.problemsPage()
	lines := []string{m.styles.Title.Render(fmt.Sprintf("Damaged files (%d)", len(m.problems)))}
	if len(m.problems) == 0 {
		lines = append(lines, m.styles.Muted.Render("none: every file read so far was readable"))
	}
	end := min(m.probsOff+page, len(m.problems))
	for _, p := range m.problems[min(m.probsOff, end):end] {
		reason := "unknown"
		if p.Err != nil {
			reason = p.Err.Error()
		}
		// Long paths keep their end, where the file name is.
		where := Sanitize(p.Where)
		if cellWidth(where) > m.width {
			where = ansi.TruncateLeft(where, cellWidth(where)-m.width+1, "…")
		}
		lines = append(lines, m.styles.Warn.Render(where), "  "+clip(Sanitize(reason), m.width-2))
	}
	return fillLines(strings.Join(lines, "\n"), m.height-1)
}

// problemsPage is how many damaged files fit on the screen, two lines each.
func (m *Model) problemsPage() int { return max((m.height-2)/2, 1) }

// statusView renders the status bar: the source, the state of the read,
// damaged files, extra status, a flash message and the help key.
func (m *Model) statusView() string {
	parts := []string{Sanitize(m.src.Name())}
	if s := m.loadStatus(); s != "" {
		parts = append(parts, s)
	}
	if n := len(m.problems); n > 0 {
		parts = append(parts, fmt.Sprintf("%d damaged (%s)", n, m.keys.Problems.Help().Key))
	}
	if m.opts.Follow {
		parts = append(parts, "follow")
	}
	if m.opts.Status != "" {
		parts = append(parts, Sanitize(m.opts.Status))
	}
	if m.flash != "" {
		parts = append(parts, Sanitize(m.flash))
	}
	right := " " + m.keys.Help.Help().Key + " help "
	left := " " + strings.Join(parts, " · ")
	return m.styles.Status.Render(pad(left, m.width-len(right)) + right)
}

// loadStatus says how the read is going.
func (m *Model) loadStatus() string {
	p := m.load.progress
	units := ""
	switch {
	case p.UnitsTotal > 0:
		units = fmt.Sprintf("%s/%s files", groupDigits(p.UnitsDone), groupDigits(p.UnitsTotal))
	case p.UnitsDone > 0:
		units = groupDigits(p.UnitsDone) + " files"
	}
	counts := joinNonEmpty(", ", units, groupDigits(m.store.Len())+" events")
	switch m.load.state {
	case loadOpening:
		return m.spinner.View() + " opening"
	case loadReading:
		return m.spinner.View() + " loading " + counts + " (esc stops)"
	case loadStopping:
		return "stopping"
	case loadPaused:
		return "paused at " + counts + " (" + m.keys.Reload.Help().Key + " resumes)"
	case loadFailed:
		return "load failed: " + Sanitize(m.load.err.Error()) + " (" + m.keys.Reload.Help().Key + " retries)"
	case loadDone:
		return units
	}
	return ""
}

// fillLines pads s with empty lines to n lines, or cuts it to n.
func fillLines(s string, n int) string {
	lines := strings.Split(s, "\n")
	if len(lines) > n {
		lines = lines[:max(n, 0)]
	}
	for len(lines) < n {
		lines = append(lines, "")
	}
	return strings.Join(lines, "\n")
}
