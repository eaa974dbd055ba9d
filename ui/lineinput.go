package ui

import (
	"strings"
	"unicode"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"
)

// lineInput is a one-line text editor for the filter bar and picker search.
// Its value is drawn through Sanitize, because it can hold event text (the
// user picker writes a caller's name into the filter).
type lineInput struct {
	value []rune
	pos   int // cursor, in runes
}

func (in *lineInput) String() string { return string(in.value) }

func (in *lineInput) set(s string) {
	in.value = []rune(s)
	in.pos = len(in.value)
}

// handle applies an editing key and reports whether the value changed.
// Keys it does not know are ignored.
func (in *lineInput) handle(msg tea.KeyPressMsg) (changed bool) {
	switch msg.String() {
	case "left", "ctrl+b":
		in.pos = max(in.pos-1, 0)
	case "right", "ctrl+f":
		in.pos = min(in.pos+1, len(in.value))
	case "home", "ctrl+a":
		in.pos = 0
	case "end", "ctrl+e":
		in.pos = len(in.value)
	case "backspace", "ctrl+h":
		if in.pos == 0 {
			return false
		}
		in.value = append(in.value[:in.pos-1], in.value[in.pos:]...)
		in.pos--
		return true
	case "delete", "ctrl+d":
		if in.pos == len(in.value) {
			return false
		}
		in.value = append(in.value[:in.pos], in.value[in.pos+1:]...)
		return true
	case "ctrl+w", "alt+backspace":
		start := in.pos
		for start > 0 && unicode.IsSpace(in.value[start-1]) {
			start--
		}
		for start > 0 && !unicode.IsSpace(in.value[start-1]) {
			start--
		}
		if start == in.pos {
			return false
		}
		in.value = append(in.value[:start], in.value[in.pos:]...)
		in.pos = start
		return true
	case "ctrl+u":
		if in.pos == 0 {
			return false
		}
		in.value = in.value[in.pos:]
		in.pos = 0
		return true
	case "ctrl+k":
		if in.pos == len(in.value) {
			return false
		}
		in.value = in.value[:in.pos]
		return true
	default:
		if msg.Text == "" || msg.Mod&(tea.ModCtrl|tea.ModAlt) != 0 {
			return false
		}
		return in.insert(msg.Text)
	}
	return false
}

// insert puts text at the cursor, turning line breaks and tabs into spaces
// (pasted text may hold them).
func (in *lineInput) insert(text string) bool {
	text = strings.Map(func(r rune) rune {
		if r == '\n' || r == '\r' || r == '\t' {
			return ' '
		}
		return r
	}, text)
	if text == "" {
		return false
	}
	ins := []rune(text)
	v := make([]rune, 0, len(in.value)+len(ins))
	v = append(v, in.value[:in.pos]...)
	v = append(v, ins...)
	v = append(v, in.value[in.pos:]...)
	in.value = v
	in.pos += len(ins)
	return true
}

// view renders the value in at most width cells, scrolled so the cursor is
// visible, and returns the cursor's cell column within it.
func (in *lineInput) view(width int) (string, int) {
	before := Sanitize(string(in.value[:in.pos]))
	after := Sanitize(string(in.value[in.pos:]))
	cur := ansi.StringWidth(before)
	if cur >= width {
		// Keep the cursor in the last column.
		cut := cur - width + 2
		before = ansi.TruncateLeft(before, cut, "…")
		cur = ansi.StringWidth(before)
	}
	return clip(before+after, width), cur
}
