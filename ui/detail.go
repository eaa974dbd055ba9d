package ui

import (
	"fmt"
	"strings"

	"github.com/charmbracelet/x/ansi"

	"github.com/lazytrail/lazytrail/model"
)

// detailPane shows one event: a summary of who did what, when and from where,
// then the raw record pretty-printed and coloured. The record is read by a
// Cmd (it may live in a file) and arrives later through setRecord.
type detailPane struct {
	ev     model.Event
	row    model.RowID
	record []string // pretty-printed record lines; nil until loaded
	raw    []byte   // the record as read, when it is not valid JSON
	recErr error    // why the record could not be read
	lines  []string // rendered and wrapped content
	offset int
	width  int
	height int
}

// open shows ev and forgets the previous event's record.
func (d *detailPane) open(ev model.Event, row model.RowID) {
	*d = detailPane{ev: ev, row: row, width: d.width, height: d.height}
}

// setRecord stores the result of reading the record.
func (d *detailPane) setRecord(lines []string, raw []byte, err error) {
	d.record, d.raw, d.recErr = lines, raw, err
}

func (d *detailPane) setSize(width, height int) {
	d.width, d.height = width, max(height, 1)
	d.clamp()
}

func (d *detailPane) scroll(delta int) {
	d.offset += delta
	d.clamp()
}

func (d *detailPane) top()    { d.offset = 0 }
func (d *detailPane) bottom() { d.offset = len(d.lines); d.clamp() }

func (d *detailPane) clamp() {
	d.offset = min(max(d.offset, 0), max(len(d.lines)-d.height, 0))
}

// rebuild renders the content for the current size, styles and time zone.
func (d *detailPane) rebuild(st *Styles, local bool) {
	// Summary values take one line each (the error up to four); the record
	// below shows them in full.
	const labelW = 11
	valueW := d.width - labelW
	var lines []string
	add := func(label, value string) {
		if value == "" {
			return
		}
		lines = append(lines, st.Label.Render(fmt.Sprintf("%-10s", label))+" "+clip(Sanitize(value), valueW))
	}
	ev := &d.ev
	who := ev.Who
	if ev.IdentityType != "" {
		who += " (" + ev.IdentityType + ")"
	}
	add("Who", who)
	what := ev.Name
	if ev.Source != "" {
		what += "  " + ev.Source
	}
	switch ev.ReadOnly {
	case model.ReadOnlyTrue:
		what += "  read-only"
	case model.ReadOnlyFalse:
		what += "  write"
	}
	add("What", what)
	if !ev.Time.IsZero() {
		when := displayTime(ev.Time, local).Format(longTime) + " " + zoneName(local)
		if local {
			when += "  (" + ev.Time.UTC().Format(longTime) + " UTC)"
		}
		add("When", when)
	}
	add("From", joinNonEmpty("  ", ev.SourceIP, ev.Region))
	add("Agent", ev.UserAgent)
	add("Account", ev.Account)
	add("Access key", ev.AccessKeyID)
	add("Type", joinNonEmpty("  ", ev.Type, ev.Category))
	add("Event ID", ev.ID)
	for i, r := range ev.Resources {
		label := ""
		if i == 0 {
			label = "Resources"
		}
		add(label, joinNonEmpty("  ", r.ARN, r.Type))
	}
	if ev.ErrorCode != "" || ev.ErrorMessage != "" {
		msg := clip(Sanitize(ev.ErrorMessage), 4*valueW-len(ev.ErrorCode)-1)
		lines = append(lines, st.Error.Render(fmt.Sprintf("%-10s", "Error"))+" "+
			st.Error.Render(clip(Sanitize(ev.ErrorCode), valueW))+" "+msg)
	}
	lines = append(lines, "")
	switch {
	case d.recErr != nil:
		lines = append(lines, st.Error.Render("cannot read the record: "+Sanitize(d.recErr.Error())))
	case d.raw != nil:
		lines = append(lines, st.Warn.Render("the record is not valid JSON; shown as read:"))
		lines = append(lines, Sanitize(string(d.raw)))
	case d.record == nil:
		lines = append(lines, st.Muted.Render("reading the record…"))
	default:
		for _, l := range d.record {
			lines = append(lines, highlightJSON(l, st))
		}
	}
	d.lines = d.lines[:0]
	for _, l := range lines {
		if ansi.StringWidth(l) <= d.width {
			d.lines = append(d.lines, l)
			continue
		}
		d.lines = append(d.lines, strings.Split(ansi.Wrap(l, d.width, ""), "\n")...)
	}
	d.clamp()
}

// view renders the lines on screen, padded to the pane's height.
func (d *detailPane) view() string {
	end := min(d.offset+d.height, len(d.lines))
	out := make([]string, d.height)
	copy(out, d.lines[d.offset:end])
	return strings.Join(out, "\n")
}

// position says how far the pane is scrolled, e.g. "12-34 of 80".
func (d *detailPane) position() string {
	if len(d.lines) <= d.height {
		return ""
	}
	return fmt.Sprintf("lines %d-%d of %d", d.offset+1, min(d.offset+d.height, len(d.lines)), len(d.lines))
}

func joinNonEmpty(sep string, parts ...string) string {
	kept := parts[:0:0]
	for _, p := range parts {
		if p != "" {
			kept = append(kept, p)
		}
	}
	return strings.Join(kept, sep)
}
