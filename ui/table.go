package ui

import (
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

// colSpec is how a column sizes: it never gets less than min cells (or it is
// dropped), grows towards ideal as room allows, and columns with a lower drop
// rank go first when even the minimums do not fit.
type colSpec struct {
	id         colID
	title      string
	min, ideal int
	drop       int
}

var columns = []colSpec{
	{colTime, "TIME", len(shortTime), len(shortTime), 99},
	{colEvent, "EVENT", 14, 28, 98},
	{colWho, "WHO", 12, 34, 97},
	{colService, "SERVICE", 5, 10, 3},
	{colRegion, "REGION", 9, 14, 2},
	{colIP, "SOURCE IP", 9, 15, 1},
	{colError, "ERROR", 6, 22, 4},
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
// columns. Columns shrink from their ideal widths in proportion to how much
// they can give; when even the minimums do not fit, the least useful columns
// are dropped. Leftover room goes to the who column.
func layoutColumns(width int) []column {
	specs := make([]colSpec, len(columns))
	copy(specs, columns)
	if width >= 120 {
		specs[0].min, specs[0].ideal = len(longTime), len(longTime)
	}
	avail := func() int { return width - gutter - (len(specs) - 1) }
	sumMin := func() int {
		n := 0
		for _, s := range specs {
			n += s.min
		}
		return n
	}
	for len(specs) > 1 && sumMin() > avail() {
		lowest := 0
		for i, s := range specs {
			if s.drop < specs[lowest].drop {
				lowest = i
			}
		}
		specs = append(specs[:lowest], specs[lowest+1:]...)
	}
	cols := make([]column, len(specs))
	need := 0
	for i, s := range specs {
		cols[i] = column{id: s.id, title: s.title, width: s.min}
		need += s.ideal - s.min
	}
	spare := max(avail()-sumMin(), 0)
	if spare >= need {
		for i, s := range specs {
			cols[i].width = s.ideal
		}
		spare -= need
		for i := range cols {
			if cols[i].id == colWho {
				cols[i].width += spare
			}
		}
		return cols
	}
	given := 0
	for i, s := range specs {
		g := spare * (s.ideal - s.min) / need
		cols[i].width += g
		given += g
	}
	for i := 0; given < spare; i = (i + 1) % len(cols) {
		if cols[i].width < specs[i].ideal {
			cols[i].width++
			given++
		}
	}
	return cols
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
