package ui

import (
	"fmt"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"github.com/lazytrail/lazytrail/model"
)

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

// key routes a key press by mode. ctrl+c quits whatever the bindings, so
// no rebinding can trap the user; the text-entry modes (filter bar, picker
// search) take enter and esc as such, since their other keys are text.
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
		page := m.helpPage()
		if m.scrollKey(msg, page, m.scrollHelp, func() { m.helpOff = 0 }, func() { m.scrollHelp(1 << 20) }) {
			return nil
		}
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
	if m.fol.cancel != nil {
		m.fol.cancel()
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
		m.mode, m.helpOff = modeHelp, 0
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
		return m.openDetail()
	case key.Matches(msg, m.keys.Copy):
		if ev, _, ok := m.current(); ok {
			return copyCmd(ev)
		}
	case key.Matches(msg, m.keys.Reload):
		return m.retry()
	case key.Matches(msg, m.keys.Follow):
		return m.toggleFollow()
	case key.Matches(msg, m.keys.Insights):
		return m.toggleInsights()
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
		m.mode, m.helpOff = modeHelp, 0
	case key.Matches(msg, m.keys.NextEvent):
		return m.stepDetail(1)
	case key.Matches(msg, m.keys.PrevEvent):
		return m.stepDetail(-1)
	case key.Matches(msg, m.keys.Copy):
		return copyCmd(d.ev)
	case key.Matches(msg, m.keys.LocalTime):
		m.localTime = !m.localTime
		d.rebuild(&m.styles, m.localTime)
	}
	return nil
}

// openDetail shows the highlighted event in the detail pane and reads its
// record.
func (m *Model) openDetail() tea.Cmd {
	ev, row, ok := m.current()
	if !ok {
		return nil
	}
	m.detail.open(ev, row)
	m.detail.rebuild(&m.styles, m.localTime)
	m.mode = modeDetail
	return readRecordCmd(ev, row)
}

// stepDetail shows the event delta rows below (older) or above (newer) the
// one in the detail pane, moving the table's highlight with it so that
// going back lands on the event last shown.
func (m *Model) stepDetail(delta int) tea.Cmd {
	if i, ok := m.sel.Index(m.detail.row); ok {
		m.table.cursor = i
	}
	from := m.table.cursor
	m.table.move(delta)
	if m.table.cursor == from {
		if delta > 0 {
			m.flash = "no older event in the selection"
		} else {
			m.flash = "no newer event in the selection"
		}
		return nil
	}
	return m.openDetail()
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

// retry starts a failed follow cursor again, and resumes or reloads the
// read unless it is complete and only following failed.
func (m *Model) retry() tea.Cmd {
	if m.fol.err == nil {
		return m.resume()
	}
	follow := m.startFollow()
	if m.load.state == loadDone {
		return follow
	}
	return tea.Batch(follow, m.resume())
}

// toggleInsights switches between Insights and management events. They are
// different events, so the store starts empty and the source is read again.
func (m *Model) toggleInsights() tea.Cmd {
	m.insights = !m.insights
	m.store = model.NewStore()
	m.reselect(true)
	return m.startLoad(m.queryFor(m.filter))
}
