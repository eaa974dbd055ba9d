package ui

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/colorprofile"

	"github.com/lazytrail/lazytrail/model"
	"github.com/lazytrail/lazytrail/source"
	"github.com/lazytrail/lazytrail/source/archive"
)

// checkFrame fails t if a rendered frame holds anything a terminal would
// act on besides line breaks: the frame is drawn with no styles, so every
// control byte or rune in it would have come from event text.
func checkFrame(t *testing.T, what, out string) {
	t.Helper()
	if !utf8.ValidString(out) {
		t.Fatalf("%s: frame is not valid UTF-8: %q", what, out)
	}
	for i, r := range out {
		if (r < 0x20 && r != '\n') || r == 0x7f || unsafeRune(r) {
			t.Fatalf("%s: frame holds %U at %d: %q", what, r, i, out)
		}
	}
}

// plainModel returns a model over events drawn without any styling.
func plainModel(t *testing.T, events []model.Event, opts Options, problems []source.Problem) *Model {
	t.Helper()
	m := newTestModel(&sliceSource{events: events, problems: problems, pageSize: 2}, opts, 80, 24)
	m.Update(tea.ColorProfileMsg{Profile: colorprofile.NoTTY})
	drive(t, m, m.Init())
	return m
}

// hostileEvents returns events carrying s in every text field: one whose raw
// record is valid JSON holding s, one whose raw record is s itself.
func hostileEvents(s string) []model.Event {
	fields := map[string]any{
		"eventVersion": "1.09", "eventTime": "2026-11-20T10:00:00Z", "eventID": s, "eventName": s,
		"eventSource": s, "awsRegion": s, "sourceIPAddress": s, "userAgent": s, "errorCode": s,
		"errorMessage": s, "requestParameters": map[string]any{s: []any{s, 1.5, true, nil}},
		"userIdentity": map[string]any{"type": s, "userName": s},
	}
	raw, _ := json.Marshal(fields)
	ev := model.Event{
		ID: s, Time: time.Date(2026, 11, 20, 10, 0, 0, 0, time.UTC), Name: s, Source: s, Region: s,
		SourceIP: s, UserAgent: s, ErrorCode: s, ErrorMessage: s, Type: s, Category: s, Account: s,
		AccessKeyID: s, IdentityType: s, Who: s, Resources: []model.Resource{{ARN: s, Type: s}}, Raw: raw,
	}
	bad := ev
	bad.ID, bad.Time, bad.Raw = s+"-raw", ev.Time.Add(-time.Minute), []byte(s)
	return []model.Event{ev, bad}
}

// checkAllScreens renders every screen of m with the cursor on each event.
func checkAllScreens(t *testing.T, m *Model) {
	t.Helper()
	for i := range m.sel.Len() {
		m.table.cursor = i
		m.table.clamp()
		checkFrame(t, "table", frame(m))
		press(t, m, "enter")
		checkFrame(t, "detail", frame(m))
		press(t, m, "G")
		checkFrame(t, "detail end", frame(m))
		press(t, m, "esc")
	}
	for _, k := range []string{"u", "!", "?"} {
		press(t, m, k)
		checkFrame(t, k, frame(m))
		press(t, m, "esc")
	}
}

func FuzzView(f *testing.F) {
	for _, s := range []string{
		"alice", "\x1b[2J\x1b[Hclean", "\x1b]52;c;ZXZpbA==\x07", "ok\rOVER", "\u202eevil\u202c",
		"nul\x00del\x7f\u009b31m", "\xff\xfe\x9b", "漢字👩‍💻e\u0301", `"\u001b[31m"`, strings.Repeat("W", 300),
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		problems := []source.Problem{{Where: s, Err: errors.New(s)}}
		m := plainModel(t, hostileEvents(s), Options{Status: s}, problems)
		checkAllScreens(t, m)
		// A caller's name picked from the user list lands in the filter.
		press(t, m, "u", "down", "enter")
		checkFrame(t, "after picking a user", frame(m))
		press(t, m, "/")
		_, cmd := m.Update(tea.PasteMsg{Content: s})
		drive(t, m, cmd)
		checkFrame(t, "filter bar", frame(m))
	})
}

// TestHostileArchive renders every event of an archive made with
// gen_archive.py --hostile --broken.
func TestHostileArchive(t *testing.T) {
	src, err := archive.NewLocal("../testdata/ui/archive")
	if err != nil {
		t.Fatal(err)
	}
	m := newTestModel(src, Options{}, 80, 24)
	m.Update(tea.ColorProfileMsg{Profile: colorprofile.NoTTY})
	drive(t, m, m.Init())
	if m.load.state != loadDone {
		t.Fatalf("load state %v: %v", m.load.state, m.load.err)
	}
	hostile := 0
	for i := range m.sel.Len() {
		if ev := m.sel.Event(i); strings.HasPrefix(ev.ID, "hostile-") {
			hostile++
		}
	}
	if hostile == 0 || len(m.problems) == 0 {
		t.Fatalf("the fixture shows %d hostile events and %d damaged files; want some of each", hostile, len(m.problems))
	}
	checkAllScreens(t, m)
}
