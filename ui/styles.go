package ui

import (
	"image/color"

	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/colorprofile"
)

// palette is the handful of colours the interface uses. They are the basic
// ANSI colours, so the terminal's theme decides the exact shades and they
// read on dark and light backgrounds alike.
var palette = struct {
	accent, muted, errc, warn, ok, key, number color.Color
}{
	accent: lipgloss.Cyan,
	muted:  lipgloss.BrightBlack,
	errc:   lipgloss.Red,
	warn:   lipgloss.Yellow,
	ok:     lipgloss.Green,
	key:    lipgloss.Blue,
	number: lipgloss.Magenta,
}

// Styles is every style the interface draws with.
type Styles struct {
	Header   lipgloss.Style // table column titles
	Selected lipgloss.Style // the row under the cursor
	ErrorRow lipgloss.Style // rows of failed calls
	Muted    lipgloss.Style // secondary text
	Title    lipgloss.Style // pane titles
	Label    lipgloss.Style // summary labels in the detail pane
	Error    lipgloss.Style // error messages (bad filter, failed load)
	Warn     lipgloss.Style // damaged files, paused loads
	Status   lipgloss.Style // the status bar
	HelpKey  lipgloss.Style // keys in help

	JSONKey     lipgloss.Style
	JSONString  lipgloss.Style
	JSONNumber  lipgloss.Style
	JSONLiteral lipgloss.Style // true, false, null
	JSONPunct   lipgloss.Style
}

// NewStyles builds the styles for a colour profile. Profiles with colours get
// the palette (so does colorprofile.Unknown); colorprofile.Ascii (what NO_COLOR selects) gets bold, faint
// and reverse video only; colorprofile.NoTTY gets no styling at all.
func NewStyles(p colorprofile.Profile) Styles {
	plain := lipgloss.NewStyle()
	switch {
	case p == colorprofile.NoTTY:
		return Styles{
			Header: plain, Selected: plain, ErrorRow: plain, Muted: plain, Title: plain, Label: plain,
			Error: plain, Warn: plain, Status: plain, HelpKey: plain,
			JSONKey: plain, JSONString: plain, JSONNumber: plain, JSONLiteral: plain, JSONPunct: plain,
		}
	case p == colorprofile.Ascii:
		bold := plain.Bold(true)
		return Styles{
			Header: bold, Selected: plain.Reverse(true), ErrorRow: bold, Muted: plain.Faint(true),
			Title: bold, Label: bold, Error: bold, Warn: bold, Status: plain.Reverse(true),
			HelpKey: bold,
			JSONKey: bold, JSONString: plain, JSONNumber: plain, JSONLiteral: plain, JSONPunct: plain.Faint(true),
		}
	}
	return Styles{
		Header:   plain.Bold(true).Foreground(palette.accent),
		Selected: plain.Reverse(true),
		ErrorRow: plain.Foreground(palette.errc),
		Muted:    plain.Foreground(palette.muted),
		Title:    plain.Bold(true).Foreground(palette.accent),
		Label:    plain.Bold(true),
		Error:    plain.Bold(true).Foreground(palette.errc),
		Warn:     plain.Foreground(palette.warn),
		Status:   plain.Reverse(true),
		HelpKey:  plain.Bold(true).Foreground(palette.accent),

		JSONKey:     plain.Foreground(palette.key),
		JSONString:  plain.Foreground(palette.ok),
		JSONNumber:  plain.Foreground(palette.number),
		JSONLiteral: plain.Foreground(palette.warn),
		JSONPunct:   plain.Foreground(palette.muted),
	}
}
