package ui

import (
	"fmt"
	"strings"

	"github.com/charmbracelet/x/ansi"

	"github.com/lazytrail/lazytrail/keymap"
)

// filterHelp lists the filter keys for the help screen.
const filterHelp = "Filter: user: event: source: region: ip: err: readonly: resource: account: " +
	"since: until: id: accesskey: agent: type: category:  (a,b = or; -key: = not; other words: fuzzy text)"

// regionHelp is what the help says about regions for the live API.
const regionHelp = "Live API: IAM, STS and console sign-in events land in us-east-1; include it."

// helpLines renders every binding of km by group, in two columns when the
// width allows, followed by the filter syntax and the note on regions.
func helpLines(km keymap.KeyMap, st *Styles, width int) []string {
	groups := km.Groups()
	blocks := make([][]string, len(groups))
	keyW := 0
	for _, g := range groups {
		for _, b := range g.Bindings {
			keyW = max(keyW, ansi.StringWidth(b.Help().Key))
		}
	}
	colW := 0
	for i, g := range groups {
		block := []string{st.Title.Render(g.Title)}
		for _, b := range g.Bindings {
			h := b.Help()
			line := "  " + st.HelpKey.Render(pad(h.Key, keyW)) + "  " + h.Desc
			colW = max(colW, ansi.StringWidth(line))
			block = append(block, line)
		}
		blocks[i] = append(block, "")
	}
	var left, right []string
	if width >= 2*colW+2 {
		// Split the groups where the taller column is shortest.
		best, bestH := 1, -1
		for k := 1; k < len(blocks); k++ {
			l, r := 0, 0
			for i, b := range blocks {
				if i < k {
					l += len(b)
				} else {
					r += len(b)
				}
			}
			if h := max(l, r); bestH < 0 || h < bestH {
				best, bestH = k, h
			}
		}
		for i, b := range blocks {
			if i < best {
				left = append(left, b...)
			} else {
				right = append(right, b...)
			}
		}
	} else {
		for _, b := range blocks {
			left = append(left, b...)
		}
	}
	lines := make([]string, 0, max(len(left), len(right))+2)
	for i := 0; i < max(len(left), len(right)); i++ {
		var l, r string
		if i < len(left) {
			l = left[i]
		}
		if i < len(right) {
			r = right[i]
		}
		if right == nil {
			lines = append(lines, clip(l, width))
			continue
		}
		lines = append(lines, clip(pad(l, colW+2)+r, width))
	}
	for _, text := range []string{filterHelp, regionHelp} {
		for _, l := range strings.Split(ansi.Wordwrap(text, width, " "), "\n") {
			lines = append(lines, st.Muted.Render(l))
		}
	}
	return lines
}

// helpPage is how many help lines fit under the title.
func (m *Model) helpPage() int { return max(m.height-2, 1) }

// scrollHelp moves the help screen by delta lines, or to its top or end.
func (m *Model) scrollHelp(delta int) {
	n := len(helpLines(m.keys, &m.styles, m.width))
	m.helpOff = min(max(m.helpOff+delta, 0), max(n-m.helpPage(), 0))
}

// helpView renders the title and the help lines that fit, saying which
// lines show when not all do.
func (m *Model) helpView() string {
	lines := helpLines(m.keys, &m.styles, m.width)
	page := m.helpPage()
	off := min(m.helpOff, max(len(lines)-page, 0))
	title := "Keys"
	if len(lines) > page {
		title += fmt.Sprintf(" · lines %d-%d of %d (%s/%s scroll)", off+1, min(off+page, len(lines)), len(lines),
			firstKey(m.keys.Down), firstKey(m.keys.Up))
	}
	return m.styles.Title.Render(clip(title, m.width)) + "\n" + fillLines(strings.Join(lines[off:], "\n"), page)
}
