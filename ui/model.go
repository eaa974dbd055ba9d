// Package ui is lazytrail's terminal interface: one root Bubble Tea model
// that reads a source page by page into a model.Store and shows the events
// it selects. Components (event table, detail pane, filter bar, pickers,
// status bar, help, damaged-files list) are plain structs the root drives;
// the mode decides which of them gets the keys.
package ui

import (
	"context"
	"fmt"
	"time"

	"charm.land/bubbles/v2/spinner"
	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/colorprofile"

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
	// Follow starts in follow mode: when the source is a source.Follower,
	// events that arrive after the first page are added at the top, and the
	// selection stays on the event it was on.
	Follow bool
	// FollowEvery is how often follow mode polls; 0 means every 5 seconds.
	FollowEvery time.Duration
	// Insights starts with Insights events instead of management events.
	Insights bool
	// Status is extra text for the status bar, such as an emulator endpoint.
	Status string
	// Pushdown picks the attribute a filter pushes to the source (see
	// source.Query.Attribute) when reading Insights events (insights) or
	// management events; nil pushes none. When its answer changes, the
	// source is read again with the new query.
	Pushdown func(f *model.Filter, insights bool) *source.Attribute
	// Plan says which part of a filter the source's server applies and
	// which part runs locally, in query syntax, for the filter bar, given
	// the event category as for Pushdown; nil shows only the pushed
	// attribute, if any.
	Plan func(f *model.Filter, insights bool) (server, local string)
	// Explain turns a read error into the one line the status bar shows;
	// nil shows the error's own text.
	Explain func(error) string
	// Notices are lines from the embedding program (a demo's progress),
	// each shown in the status bar for a few seconds.
	Notices <-chan string
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
// arrive, so loading a million events does not filter them per page. When
// selecting takes long (a fuzzy filter over many events), the interval
// grows to reselectShare times the last selection's cost, so loading never
// spends more than about a fifth of its time re-filtering.
const (
	reselectEvery = 100 * time.Millisecond
	reselectShare = 4
)

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
	selVer    uint64        // store version sel was made from
	selAt     time.Time     // when sel was made
	selCost   time.Duration // how long making sel took
	selQueued bool          // a reselectMsg is on its way
	reopenSeq int           // counts query changes, to drop outdated reopenMsgs

	load      loader
	problems  []source.Problem
	following bool // follow mode is on (only for a source.Follower)
	fol       follow
	insights  bool // reading Insights events

	mode      mode
	localTime bool
	flash     string // a one-off message, cleared by the next key
	notice    string // the last line from Options.Notices, while it shows
	noticeSeq int    // counts notices, to drop outdated noticeExpiredMsgs
	width     int
	height    int

	table    eventTable
	detail   detailPane
	input    lineInput // the filter bar
	picker   picker
	spinner  spinner.Model
	probsOff int // scroll offset of the damaged-files list
	helpOff  int // scroll offset of the help screen
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
		insights:  opts.Insights,
		spinner:   spinner.New(spinner.WithSpinner(spinner.MiniDot)),
		width:     80,
		height:    24,
	}
	if opts.Keys != nil {
		m.keys = *opts.Keys
	}
	_, canFollow := src.(source.Follower)
	m.following = opts.Follow && canFollow
	m.setQuery(opts.Filter)
	m.load.query = m.queryFor(m.filter)
	m.reselect(true)
	m.layout()
	return m
}

// Init starts reading the source; it implements tea.Model.
func (m *Model) Init() tea.Cmd {
	return tea.Batch(m.startLoad(m.load.query), m.readNotice())
}

// queryFor is the source query a filter asks for: its time range, the
// pushed attribute and the event category.
func (m *Model) queryFor(f *model.Filter) source.Query {
	q := source.Query{Insights: m.insights}
	if f == nil {
		return q
	}
	q.Start, q.End = f.TimeRange()
	if m.opts.Pushdown != nil {
		q.Attribute = m.opts.Pushdown(f, m.insights)
	}
	return q
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
	case followMsg:
		return m, m.followed(msg)
	case followTickMsg:
		return m, m.followTick(msg)
	case noticeMsg:
		return m, m.noticed(msg)
	case noticeExpiredMsg:
		if msg.seq == m.noticeSeq {
			m.notice = ""
		}
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
		// Terminals that ignore OSC 52 (tmux without set-clipboard, some SSH
		// clients) cannot say so, hence the caveat.
		m.flash = fmt.Sprintf("copied the record (%s bytes) via OSC 52, if the terminal allows it", groupDigits(len(msg.raw)))
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

// reselect recomputes the selection when the store or the filter changed
// (always when force is set).
func (m *Model) reselect(force bool) {
	if !force && m.sel != nil && m.selVer == m.store.Version() {
		return
	}
	start := m.now()
	m.sel = m.store.Select(m.filter)
	m.selVer = m.store.Version()
	m.selAt = m.now()
	m.selCost = m.selAt.Sub(start)
	m.table.setSelection(m.sel, m.following)
}

// reselectInterval is how long to wait between selections while loading.
func (m *Model) reselectInterval() time.Duration {
	return max(reselectEvery, reselectShare*m.selCost)
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
