package ui

import (
	"slices"
	"strings"

	"github.com/lazytrail/lazytrail/model"
)

// colID names a table column.
type colID int

const (
	colTime colID = iota
	colEvent
	colWho
	colService
	colRegion
	colIP
	colError
)

// colSpec is how a column sizes. Columns are placed in order of rank (0 is
// the most important): each gets its min cells, and a column whose min no
// longer fits is dropped with every column ranked below it, rather than
// cutting every column to a stub. Room left over grows the columns towards
// ideal (typical values shown whole), then towards max.
type colSpec struct {
	id              colID
	title           string
	rank            int
	min, ideal, max int
}

// columns in display order. Who did what, when and from where ranks first;
// the service, which the event name and the detail pane also tell, last.
var columns = []colSpec{
	{colTime, "TIME", 0, len(shortTime), len(shortTime), len(shortTime)},
	{colEvent, "EVENT", 1, 18, 21, 30},
	{colWho, "WHO", 2, 14, 25, 48},
	{colService, "SERVICE", 6, 7, 10, 13},
	{colRegion, "REGION", 5, 14, 14, 14},
	{colIP, "SOURCE IP", 3, 15, 15, 39},
	{colError, "ERROR", 4, 12, 12, 28},
}

// gutter is the cursor mark, the error mark and a space before the columns.
const gutter = 3

// column is a laid-out column.
type column struct {
	id    colID
	title string
	width int
}

// layoutColumns fits the columns into width cells, one space between
// columns, as colSpec describes. Once every column has its ideal width, the
// time column shows the year; the who column takes what is left at the end.
func layoutColumns(width int) []column {
	byRank := make([]colSpec, len(columns))
	copy(byRank, columns)
	slices.SortStableFunc(byRank, func(a, b colSpec) int { return a.rank - b.rank })
	room := width - gutter
	kept := map[colID]bool{}
	for i, s := range byRank {
		need := s.min
		if i > 0 {
			need++ // the space before it
		}
		if need > room && i > 0 {
			break
		}
		room -= need
		kept[s.id] = true
	}
	var specs []colSpec
	var cols []column
	for _, s := range columns {
		if kept[s.id] {
			specs = append(specs, s)
			cols = append(cols, column{id: s.id, title: s.title, width: s.min})
		}
	}
	room = max(room, 0)
	room = grow(cols, specs, room, func(s colSpec) int { return s.ideal })
	for i := range cols {
		if cols[i].id == colTime && room >= len(longTime)-len(shortTime) {
			room -= len(longTime) - cols[i].width
			cols[i].width = len(longTime)
		}
	}
	room = grow(cols, specs, room, func(s colSpec) int { return s.max })
	for i := range cols {
		if cols[i].id == colWho {
			cols[i].width += room
		}
	}
	return cols
}

// grow shares room among the columns narrower than target, in proportion
// to what each lacks, and returns the room left.
func grow(cols []column, specs []colSpec, room int, target func(colSpec) int) int {
	lack := make([]int, len(cols))
	need := 0
	for i, s := range specs {
		lack[i] = max(target(s)-cols[i].width, 0)
		need += lack[i]
	}
	if need == 0 {
		return room
	}
	if room >= need {
		for i := range cols {
			cols[i].width += lack[i]
		}
		return room - need
	}
	given := 0
	for i := range cols {
		g := room * lack[i] / need
		cols[i].width += g
		lack[i] -= g
		given += g
	}
	for i := 0; given < room; i = (i + 1) % len(cols) {
		if lack[i] > 0 {
			cols[i].width++
			lack[i]--
			given++
		}
	}
	return 0
}

// eventTable is the list of selected events. It renders only the rows on
// screen, so drawing costs the same at any number of events.
type eventTable struct {
	sel    *model.Selection
	cursor int // index into sel of the highlighted row
	offset int // index of the first row on screen
	height int // rows on screen
	width  int
	cols   []column
}

func (t *eventTable) setSize(width, height int) {
	t.width, t.height = width, max(height, 1)
	t.cols = layoutColumns(width)
	t.clamp()
}

func (t *eventTable) len() int {
	if t.sel == nil {
		return 0
	}
	return t.sel.Len()
}

// current returns the highlighted event's row id, if there is one.
func (t *eventTable) current() (model.RowID, bool) {
	if t.cursor >= t.len() {
		return 0, false
	}
	return t.sel.Row(t.cursor), true
}

// setSelection replaces the rows shown, keeping the highlighted event (and
// its place on screen) when the new selection still holds it. With pinTop
// set (follow mode) and the newest row on screen, the newest row stays on
// screen: rows that arrive above the cursor push it down rather than scroll
// out of sight.
func (t *eventTable) setSelection(sel *model.Selection, pinTop bool) {
	row, had := t.current()
	atTop := t.offset == 0
	screenPos := t.cursor - t.offset
	t.sel = sel
	if had {
		if i, ok := sel.Index(row); ok {
			t.cursor = i
			t.offset = i - screenPos
			if pinTop && atTop {
				t.offset = 0
			}
		}
	}
	t.clamp()
}

func (t *eventTable) move(delta int) {
	t.cursor += delta
	t.clamp()
}

func (t *eventTable) home() { t.cursor = 0; t.clamp() }
func (t *eventTable) end()  { t.cursor = t.len() - 1; t.clamp() }

// clamp keeps the cursor inside the selection and on screen.
func (t *eventTable) clamp() {
	n := t.len()
	t.cursor = min(max(t.cursor, 0), max(n-1, 0))
	if t.cursor < t.offset {
		t.offset = t.cursor
	}
	if t.cursor >= t.offset+t.height {
		t.offset = t.cursor - t.height + 1
	}
	t.offset = min(max(t.offset, 0), max(n-t.height, 0))
}

// header renders the column titles.
func (t *eventTable) header(st *Styles, local bool) string {
	var b strings.Builder
	b.WriteString(strings.Repeat(" ", gutter))
	for i, c := range t.cols {
		if i > 0 {
			b.WriteByte(' ')
		}
		title := c.title
		if c.id == colTime {
			title += " (" + zoneName(local) + ")"
		}
		b.WriteString(pad(title, c.width))
	}
	return st.Header.Render(pad(b.String(), t.width))
}

// view renders the rows on screen, one line each, padding with empty lines
// to the table's height.
func (t *eventTable) view(st *Styles, local bool) string {
	var b strings.Builder
	end := min(t.offset+t.height, t.len())
	for i := t.offset; i < end; i++ {
		if i > t.offset {
			b.WriteByte('\n')
		}
		ev := t.sel.Event(i)
		b.WriteString(t.row(&ev, i == t.cursor, st, local))
	}
	for i := max(end-t.offset, 0); i < t.height; i++ {
		if i > 0 {
			b.WriteByte('\n')
		}
	}
	return b.String()
}

// row renders one event. Every event field goes through fit, which
// sanitizes it.
func (t *eventTable) row(ev *model.Event, selected bool, st *Styles, local bool) string {
	var b strings.Builder
	b.Grow(t.width + 16)
	if selected {
		b.WriteByte('>')
	} else {
		b.WriteByte(' ')
	}
	failed := ev.ErrorCode != ""
	if failed {
		b.WriteByte('!')
	} else {
		b.WriteByte(' ')
	}
	b.WriteByte(' ')
	for i, c := range t.cols {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(fit(cell(ev, c, local), c.width))
	}
	line := pad(b.String(), t.width)
	switch {
	case selected && failed:
		return st.Selected.Inherit(st.ErrorRow).Render(line)
	case selected:
		return st.Selected.Render(line)
	case failed:
		return st.ErrorRow.Render(line)
	}
	return line
}

// cell returns the raw text of one column of ev.
func cell(ev *model.Event, c column, local bool) string {
	switch c.id {
	case colTime:
		if ev.Time.IsZero() {
			return ""
		}
		layout := shortTime
		if c.width >= len(longTime) {
			layout = longTime
		}
		return displayTime(ev.Time, local).Format(layout)
	case colEvent:
		if ev.Name == "" && ev.Insight {
			return "(insight)"
		}
		return ev.Name
	case colWho:
		return ev.Who
	case colService:
		return ev.Service()
	case colRegion:
		return ev.Region
	case colIP:
		return ev.SourceIP
	case colError:
		return ev.ErrorCode
	}
	return ""
}
