package ui

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/lazytrail/lazytrail/model"
)

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
		body = m.helpView()
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
	if msg := m.emptyText(); msg != "" {
		b.WriteString(fillLines("   "+m.styles.Muted.Render(clip(msg, m.width-gutter)), m.table.height))
	} else {
		b.WriteString(m.table.view(&m.styles, m.localTime))
	}
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

// emptyText says why the table shows no events, or is "" when it shows
// some.
func (m *Model) emptyText() string {
	switch {
	case m.table.len() > 0:
		return ""
	case m.query != "" && m.load.busy():
		return "no events match the filter yet (" + m.keys.Back.Help().Key + " stops the read, then clears it)"
	case m.query != "":
		return "no events match the filter (" + m.keys.Back.Help().Key + " clears it)"
	case m.load.busy():
		return "no events yet"
	case m.load.state == loadFailed:
		return "no events: the read failed"
	}
	return "no events"
}

// filterExample is shown in the empty filter bar while the user types.
const filterExample = "e.g. user:alice event:RunInstances err:any since:3h"

// filterBar renders the query and "N of M events", and the cursor column
// when the user is typing (-1 otherwise).
func (m *Model) filterBar() (string, int) {
	total := m.store.Len()
	shown := 0
	if m.sel != nil {
		shown = m.sel.Len()
	}
	count := groupDigits(shown) + " of " + groupDigits(total) + " events"
	if a := m.load.query.Attribute; a != nil && m.opts.Plan == nil {
		count = Sanitize(fmt.Sprintf("server: %s=%s · ", a.Key, a.Value)) + count
	}
	countW := cellWidth(count)
	room := max(m.width-countW-3, 1)
	if m.mode == modeFilter {
		text, x := m.input.view(room)
		if text == "" {
			text = m.styles.Muted.Render(clip(filterExample, room))
		}
		return pad("/ "+text, m.width-countW) + m.styles.Muted.Render(count), 2 + x
	}
	left := m.styles.Muted.Render("/ to filter")
	switch {
	case m.query != "" && m.opts.Plan != nil && m.filterErr == nil:
		left = m.styles.Header.Render("/ ") + clip(m.planText(), room)
	case m.query != "":
		left = m.styles.Header.Render("/ ") + clip(Sanitize(m.query), room)
	}
	return pad(left, m.width-countW) + m.styles.Muted.Render(count), -1
}

// planText says which part of the filter the server applies and which part
// runs locally, through Options.Plan: "server: since:3h user:alice ·
// local: err:any".
func (m *Model) planText() string {
	server, local := m.opts.Plan(m.filter, m.insights)
	var parts []string
	if server != "" {
		parts = append(parts, "server: "+server)
	}
	if local != "" {
		parts = append(parts, "local: "+local)
	}
	return Sanitize(strings.Join(parts, " · "))
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
	// The scroll position comes before the filter, which may be long.
	if pos := m.detail.position(); pos != "" {
		title += " · " + pos
	}
	if q := m.filter.String(); q != "" {
		title += " · matching " + Sanitize(q)
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

// statusPart is one piece of the status bar; when the bar is too narrow,
// the pieces of the lowest rank go first.
type statusPart struct {
	text string
	rank int
}

// Status part ranks, from the first dropped to the last kept.
const (
	rankRate     = iota // events per second while loading
	rankCount           // events loaded, which the filter bar also tells
	rankHint            // the key that stops a read
	rankExtra           // Options.Status, such as an emulator endpoint
	rankSource          // the source's name
	rankDamaged         // how many files were damaged
	rankReached         // how far back a read has reached
	rankProgress        // the state of the read
	rankMode            // insights, follow mode
	rankNotice          // a line from Options.Notices
	rankFailure         // a failed read or follow
	rankFlash           // the answer to the last key
)

// statusView renders the status bar: a flash message, failures, a notice,
// the modes, the source, the state of the read, damaged files and extra
// status, then the help key, which is always shown. When they do not all
// fit, the least urgent parts are left out whole.
func (m *Model) statusView() string {
	var parts []statusPart
	add := func(rank int, text string) {
		if text != "" {
			parts = append(parts, statusPart{text, rank})
		}
	}
	retries := " (" + m.keys.Reload.Help().Key + " retries): "
	add(rankFlash, Sanitize(m.flash))
	if m.load.state == loadFailed {
		add(rankFailure, "load failed"+retries+m.errLine(m.load.err))
	}
	if m.following && m.fol.err != nil {
		add(rankFailure, "follow failed"+retries+m.errLine(m.fol.err))
	}
	add(rankNotice, Sanitize(m.notice))
	if m.insights {
		add(rankMode, "insights")
	}
	add(rankMode, m.followStatus())
	if m.mode == modeDetail {
		add(rankReached, fmt.Sprintf("%s/%s: older/newer · %s: back", firstKey(m.keys.NextEvent), firstKey(m.keys.PrevEvent), firstKey(m.keys.Back)))
	}
	add(rankSource, Sanitize(m.src.Name()))
	for _, p := range m.loadStatus() {
		add(p.rank, p.text)
	}
	if n := len(m.problems); n > 0 {
		add(rankDamaged, fmt.Sprintf("%d damaged (%s)", n, m.keys.Problems.Help().Key))
	}
	add(rankExtra, Sanitize(m.opts.Status))
	right := " " + m.keys.Help.Help().Key + " help "
	left := " " + fitParts(parts, m.width-len(right)-1, " · ")
	return m.styles.Status.Render(pad(left, m.width-len(right)) + right)
}

// fitParts joins with sep the parts that fit width cells, taking them by
// rank (the earlier of equals first) and skipping any that no longer fits.
// A part that must be read (a notice or more urgent) is kept even when it
// does not fit, to be cut at the edge, and ends the taking.
func fitParts(parts []statusPart, width int, sep string) string {
	order := make([]int, len(parts))
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(a, b int) int { return parts[b].rank - parts[a].rank })
	keep := make([]bool, len(parts))
	used := 0
	for n, i := range order {
		w := cellWidth(parts[i].text)
		if n > 0 {
			w += cellWidth(sep)
		}
		if n == 0 || used+w <= width {
			keep[i] = true
			used += w
			continue
		}
		if parts[i].rank >= rankNotice {
			keep[i] = true
			break
		}
	}
	var out []string
	for i, p := range parts {
		if keep[i] {
			out = append(out, p.text)
		}
	}
	return strings.Join(out, sep)
}

// loadStatus says how the read is going, compactly: "⠏ 4,985/8,064 files
// · 618,603 ev · to 11-17 02:00 · 52,000/s · esc stops"; statusView tells
// of failures.
func (m *Model) loadStatus() []statusPart {
	p := m.load.progress
	units := ""
	switch {
	case p.Requests > 0: // a remote API, where requests are what count
		units = plural(p.Requests, "request")
	case p.UnitsTotal > 0 && m.load.state != loadDone:
		units = fmt.Sprintf("%s/%s files", groupDigits(p.UnitsDone), groupDigits(p.UnitsTotal))
	case p.UnitsDone > 0:
		units = plural(p.UnitsDone, "file")
	}
	count := statusPart{groupDigits(m.store.Len()) + " ev", rankCount}
	switch m.load.state {
	case loadOpening:
		return []statusPart{{m.spinner.View() + " opening", rankProgress}}
	case loadReading:
		parts := []statusPart{{joinNonEmpty(" ", m.spinner.View(), units), rankProgress}, count}
		if !p.Reached.IsZero() {
			parts = append(parts, statusPart{"to " + displayTime(p.Reached, m.localTime).Format(minuteTime), rankReached})
		}
		if secs := m.now().Sub(m.load.started).Seconds(); secs >= 1 && p.Events > 0 {
			parts = append(parts, statusPart{groupDigits(int(float64(p.Events)/secs)) + "/s", rankRate})
		}
		return append(parts, statusPart{m.keys.Back.Help().Key + " stops", rankHint})
	case loadStopping:
		return []statusPart{{"stopping", rankProgress}}
	case loadPaused:
		return []statusPart{{joinNonEmpty(" ", "paused at", units, "("+m.keys.Reload.Help().Key+" resumes)"), rankProgress}, count}
	case loadDone:
		return []statusPart{{units, rankProgress}}
	}
	return nil
}

// firstKey is the first key of a binding, for short hints.
func firstKey(b key.Binding) string {
	if keys := b.Keys(); len(keys) > 0 {
		return keys[0]
	}
	return ""
}

// plural says n things: "1 file", "8,064 files".
func plural(n int, thing string) string {
	if n == 1 {
		return "1 " + thing
	}
	return groupDigits(n) + " " + thing + "s"
}

// followStatus says how follow mode is doing: waiting for the first page or
// the time of the latest poll; statusView tells of failures.
func (m *Model) followStatus() string {
	switch {
	case !m.following || m.fol.err != nil:
		return ""
	case m.fol.cursor == nil:
		return "following"
	}
	return "following, polled " + displayTime(m.fol.polled, m.localTime).Format("15:04:05")
}

// errLine is a read error as one sanitized line, through Options.Explain
// when it is set.
func (m *Model) errLine(err error) string {
	if m.opts.Explain != nil {
		return Sanitize(m.opts.Explain(err))
	}
	return Sanitize(err.Error())
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
