package ui

import (
	"slices"
	"strings"

	"github.com/sahilm/fuzzy"
)

// pickItem is one choice in a picker.
type pickItem struct {
	label string // shown (sanitized when drawn)
	note  string // shown right-aligned, e.g. an event count
	value string // what choosing it means
}

// pickItems adapts items to fuzzy.Source.
type pickItems []pickItem

func (p pickItems) String(i int) string { return p[i].label }
func (p pickItems) Len() int            { return len(p) }

// picker is a list to choose from, optionally narrowed by fuzzy search: the
// user picker (callers with their event counts) and the time presets.
type picker struct {
	kind   pickerKind
	title  string
	items  pickItems
	search bool // typing narrows the list
	input  lineInput
	shown  []int // indexes into items, best match first
	cursor int   // index into shown
	offset int
	height int
	width  int
}

// pickerKind says what a picker chooses.
type pickerKind int

const (
	pickUser pickerKind = iota
	pickTime
)

// open shows items, with the cursor on the item whose value is current.
func (p *picker) open(kind pickerKind, title string, items []pickItem, search bool, current string) {
	*p = picker{kind: kind, title: title, items: items, search: search, width: p.width, height: p.height}
	p.refilter()
	for i, idx := range p.shown {
		if items[idx].value == current {
			p.cursor = i
		}
	}
	p.clamp()
}

// refilter recomputes the items shown for the search text.
func (p *picker) refilter() {
	p.shown = p.shown[:0]
	q := strings.TrimSpace(p.input.String())
	if q == "" {
		for i := range p.items {
			p.shown = append(p.shown, i)
		}
	} else {
		// Items holding the text as typed come first, in list order; then
		// the other fuzzy matches, best first.
		lq := strings.ToLower(q)
		for i, it := range p.items {
			if strings.Contains(strings.ToLower(it.label), lq) {
				p.shown = append(p.shown, i)
			}
		}
		exact := len(p.shown)
		for _, m := range fuzzy.FindFrom(q, p.items) {
			if !slices.Contains(p.shown[:exact], m.Index) {
				p.shown = append(p.shown, m.Index)
			}
		}
	}
	p.cursor = 0
	p.offset = 0
}

// chosen returns the item under the cursor.
func (p *picker) chosen() (pickItem, bool) {
	if p.cursor >= len(p.shown) {
		return pickItem{}, false
	}
	return p.items[p.shown[p.cursor]], true
}

func (p *picker) setSize(width, height int) {
	p.width, p.height = width, max(height-2, 1) // title and search lines
	p.clamp()
}

func (p *picker) move(delta int) {
	p.cursor += delta
	p.clamp()
}

func (p *picker) clamp() {
	n := len(p.shown)
	p.cursor = min(max(p.cursor, 0), max(n-1, 0))
	if p.cursor < p.offset {
		p.offset = p.cursor
	}
	if p.cursor >= p.offset+p.height {
		p.offset = p.cursor - p.height + 1
	}
	p.offset = min(max(p.offset, 0), max(n-p.height, 0))
}

// view renders the title, the search line and the visible items, and
// returns the cursor column of the search line (-1 without search).
func (p *picker) view(st *Styles) (string, int) {
	lines := make([]string, 0, p.height+2)
	title := st.Title.Render(pad(p.title, p.width))
	if hint := "type to search, enter chooses, esc cancels"; p.search && cellWidth(p.title)+len(hint)+2 <= p.width {
		title = st.Title.Render(pad(p.title, p.width-len(hint))) + st.Muted.Render(hint)
	}
	lines = append(lines, title)
	cursorX := -1
	if p.search {
		const prompt = "search: "
		text, x := p.input.view(max(p.width-len(prompt), 1))
		lines = append(lines, st.Muted.Render(prompt)+text)
		cursorX = len(prompt) + x
	} else {
		lines = append(lines, st.Muted.Render(clip("enter chooses, esc cancels", p.width)))
	}
	if len(p.shown) == 0 {
		lines = append(lines, st.Muted.Render("  no match"))
	}
	end := min(p.offset+p.height, len(p.shown))
	for i := p.offset; i < end; i++ {
		it := p.items[p.shown[i]]
		mark := "  "
		if i == p.cursor {
			mark = "> "
		}
		noteW := len(it.note)
		labelW := max(p.width-len(mark)-noteW-1, 1)
		line := mark + fit(it.label, labelW) + " " + it.note
		if i == p.cursor {
			line = st.Selected.Render(pad(line, p.width))
		}
		lines = append(lines, line)
	}
	return strings.Join(lines, "\n"), cursorX
}
