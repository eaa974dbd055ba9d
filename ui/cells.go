package ui

import (
	"strconv"
	"strings"
	"time"

	"github.com/charmbracelet/x/ansi"
)

// fit sanitizes s and truncates or pads it to exactly width cells, counting
// wide runes as two cells.
func fit(s string, width int) string {
	if width <= 0 {
		return ""
	}
	s = Sanitize(s)
	w := cellWidth(s)
	if w > width {
		s = ansi.Truncate(s, width, "…")
		w = cellWidth(s)
	}
	if w < width {
		s += strings.Repeat(" ", width-w)
	}
	return s
}

// clip truncates already safe (sanitized or styled) text to width cells.
func clip(s string, width int) string {
	if width <= 0 {
		return ""
	}
	if cellWidth(s) <= width {
		return s
	}
	return ansi.Truncate(s, width, "…")
}

// cellWidth returns how many cells s takes, skipping escape sequences. Plain
// printable ASCII, the common case, is counted without grapheme analysis.
func cellWidth(s string) int {
	for i := 0; i < len(s); i++ {
		if s[i] < 0x20 || s[i] >= 0x7f {
			return ansi.StringWidth(s)
		}
	}
	return len(s)
}

// pad truncates or pads safe text to exactly width cells.
func pad(s string, width int) string {
	s = clip(s, width)
	if w := cellWidth(s); w < width {
		s += strings.Repeat(" ", width-w)
	}
	return s
}

// Time layouts: the short one fits the table at 80 columns.
const (
	shortTime  = "01-02 15:04:05"
	longTime   = "2006-01-02 15:04:05"
	minuteTime = "01-02 15:04" // how far back a read has reached
)

// displayTime converts t to UTC or to the local zone.
func displayTime(t time.Time, local bool) time.Time {
	if local {
		return t.Local()
	}
	return t.UTC()
}

// zoneName names the zone times are shown in.
func zoneName(local bool) string {
	if local {
		return "local"
	}
	return "UTC"
}

// groupDigits formats n with thousands separators: 1234567 -> 1,234,567.
func groupDigits(n int) string {
	if n < 0 {
		return "-" + groupDigits(-n)
	}
	s := strconv.Itoa(n)
	if len(s) <= 3 {
		return s
	}
	var b strings.Builder
	lead := len(s) % 3
	if lead > 0 {
		b.WriteString(s[:lead])
	}
	for i := lead; i < len(s); i += 3 {
		if b.Len() > 0 {
			b.WriteByte(',')
		}
		b.WriteString(s[i : i+3])
	}
	return b.String()
}
