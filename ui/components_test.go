package ui

import (
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/colorprofile"
	"github.com/charmbracelet/x/ansi"
)

func TestLayoutColumns(t *testing.T) {
	widths := func(cols []column) map[colID]int {
		out := map[colID]int{}
		for _, c := range cols {
			out[c.id] = c.width
		}
		return out
	}
	for _, width := range []int{200, 130, 120, 110, 100, 95, 90, 80, 79, 70, 60, 40, 20} {
		cols := layoutColumns(width)
		total := gutter + len(cols) - 1
		for _, c := range cols {
			total += c.width
			for _, s := range columns {
				if s.id == c.id && c.width < s.min {
					t.Errorf("width %d: column %s is %d cells, under its minimum %d", width, c.title, c.width, s.min)
				}
			}
		}
		if width >= 60 && total != width {
			t.Errorf("width %d: columns take %d cells", width, total)
		}
		got := widths(cols)
		if _, ok := got[colTime]; !ok {
			t.Errorf("width %d: the time column was dropped", width)
		}
		// A column is only shown when every column ranked above it is.
		for _, s := range columns {
			for _, above := range columns {
				_, shown := got[s.id]
				_, aboveShown := got[above.id]
				if shown && above.rank < s.rank && !aboveShown {
					t.Errorf("width %d: %s shown but %s, which ranks above it, dropped", width, s.title, above.title)
				}
			}
		}
		if width >= 80 && got[colIP] < len("255.255.255.255") {
			t.Errorf("width %d: source IP gets %d cells, too few for an IPv4 address", width, got[colIP])
		}
	}
	// At 80 cells who did what, when, from where, and its error; the region
	// and the service make way rather than cut the rest to stubs.
	at80 := widths(layoutColumns(80))
	if len(at80) != 5 || at80[colError] < len("AccessDenied") || at80[colEvent] < len("TerminateInstances") || at80[colWho] < 14 {
		t.Errorf("at 80 cells: %v", layoutColumns(80))
	}
	if _, ok := widths(layoutColumns(100))[colRegion]; !ok {
		t.Errorf("at 100 cells the region is dropped: %v", layoutColumns(100))
	}
	// At 120 cells typical values fit whole.
	at120 := widths(layoutColumns(120))
	for id, value := range map[colID]string{colTime: shortTime, colEvent: "TerminateInstances", colWho: "deploy-bot/session-3183",
		colService: "cloudtrail", colRegion: "ap-southeast-2", colIP: "203.0.113.255", colError: "AccessDenied"} {
		if at120[id] < len(value) {
			t.Errorf("at 120 cells column %d is %d cells, too few for %q", id, at120[id], value)
		}
	}
	if at130 := widths(layoutColumns(130)); at130[colTime] != len(longTime) {
		t.Errorf("at 130 cells the time column is %d cells, want the long form", at130[colTime])
	}
}

func TestFitParts(t *testing.T) {
	parts := []statusPart{{"archive ./logs", rankSource}, {"⠋ 10/20 files", rankProgress}, {"500 ev", rankCount},
		{"to 11-17 02:00", rankReached}, {"9,000/s", rankRate}, {"esc stops", rankHint}}
	tests := []struct {
		width int
		want  string
	}{
		{200, "archive ./logs · ⠋ 10/20 files · 500 ev · to 11-17 02:00 · 9,000/s · esc stops"},
		{70, "archive ./logs · ⠋ 10/20 files · 500 ev · to 11-17 02:00 · esc stops"},
		{50, "archive ./logs · ⠋ 10/20 files · to 11-17 02:00"},
		{45, "⠋ 10/20 files · to 11-17 02:00 · esc stops"},
		{10, "⠋ 10/20 files"},
	}
	for _, tt := range tests {
		if got := fitParts(parts, tt.width, " · "); got != tt.want {
			t.Errorf("width %d: %q, want %q", tt.width, got, tt.want)
		}
	}
	// A failure too long for the bar is kept, to be cut at its edge,
	// rather than left out for the less urgent parts.
	failed := []statusPart{{"copied", rankFlash}, {"load failed: " + strings.Repeat("x", 80), rankFailure}, {"archive", rankSource}}
	if got := fitParts(failed, 60, " · "); !strings.HasPrefix(got, "copied · load failed: xxx") || strings.Contains(got, "archive") {
		t.Errorf("a long failure after a flash: %q", got)
	}
}

func TestFitWideRunes(t *testing.T) {
	tests := []struct {
		in    string
		width int
		want  string
	}{
		{"alice", 8, "alice   "},
		{"deploy-bot/session", 8, "deploy-…"},
		{"漢字漢字", 5, "漢字…"},
		{"漢字", 4, "漢字"},
		{"a\x1b[31mb", 12, `a\x1b[31mb  `},
		{"\u202eabc", 6, `\u202…`},
	}
	for _, tt := range tests {
		got := fit(tt.in, tt.width)
		if got != tt.want {
			t.Errorf("fit(%q, %d) = %q, want %q", tt.in, tt.width, got, tt.want)
		}
		if w := ansi.StringWidth(got); w != tt.width {
			t.Errorf("fit(%q, %d) takes %d cells", tt.in, tt.width, w)
		}
	}
}

func TestGroupDigits(t *testing.T) {
	for n, want := range map[int]string{0: "0", 999: "999", 1000: "1,000", 1234567: "1,234,567", -4200: "-4,200"} {
		if got := groupDigits(n); got != want {
			t.Errorf("groupDigits(%d) = %q, want %q", n, got, want)
		}
	}
}

func TestHighlightJSON(t *testing.T) {
	st := NewStyles(colorprofile.ANSI)
	lines, err := indentRecord([]byte(`{"a":"x\u001b[31m","n":-1.5e3,"ok":true,"z":null,"s":"` + "\u009b\u202e" + `","q":"say \"hi\": yes"}`))
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, l := range lines {
		h := highlightJSON(l, &st)
		if strings.Contains(h, "\u009b") || strings.Contains(h, "\u202e") {
			t.Fatalf("raw C1 or bidi rune in %q", h)
		}
		out = append(out, ansi.Strip(h))
	}
	want := []string{
		`{`,
		`  "a": "x\u001b[31m",`,
		`  "n": -1.5e3,`,
		`  "ok": true,`,
		`  "z": null,`,
		`  "s": "\u009b\u202e",`,
		`  "q": "say \"hi\": yes"`,
		`}`,
	}
	if strings.Join(out, "\n") != strings.Join(want, "\n") {
		t.Errorf("highlighted text:\n%s\nwant:\n%s", strings.Join(out, "\n"), strings.Join(want, "\n"))
	}
	// Keys and string values get different styles.
	key := highlightJSON(`  "q": "say \"hi\": yes"`, &st)
	if !strings.HasPrefix(key, "  "+st.JSONKey.Render(`"q"`)) || !strings.Contains(key, st.JSONString.Render(`"say \"hi\": yes"`)) {
		t.Errorf("key or value styled wrongly: %q", key)
	}
	if _, err := indentRecord([]byte(`{"a":`)); err == nil {
		t.Error("indentRecord accepted truncated JSON")
	}
}

func TestLineInput(t *testing.T) {
	var in lineInput
	keys := func(ks ...tea.KeyPressMsg) {
		for _, k := range ks {
			in.handle(k)
		}
	}
	txt := func(s string) tea.KeyPressMsg { return tea.KeyPressMsg{Code: []rune(s)[0], Text: s} }
	keys(txt("u"), txt("s"), txt("e"), txt("r"), txt(":"), txt("漢"))
	if in.String() != "user:漢" {
		t.Fatalf("value %q", in.String())
	}
	keys(tea.KeyPressMsg{Code: tea.KeyLeft}, tea.KeyPressMsg{Code: tea.KeyBackspace})
	if in.String() != "user漢" || in.pos != 4 {
		t.Fatalf("after left, backspace: %q at %d", in.String(), in.pos)
	}
	in.set("user:alice event:Run")
	keys(tea.KeyPressMsg{Code: 'w', Mod: tea.ModCtrl})
	if in.String() != "user:alice " {
		t.Fatalf("after ctrl+w: %q", in.String())
	}
	keys(tea.KeyPressMsg{Code: tea.KeySpace, Text: " "})
	if in.String() != "user:alice  " {
		t.Fatalf("after space: %q", in.String())
	}
	keys(tea.KeyPressMsg{Code: tea.KeyBackspace})
	in.insert("a\nb\tc")
	if in.String() != "user:alice a b c" {
		t.Fatalf("after pasting: %q", in.String())
	}
	if changed := in.handle(tea.KeyPressMsg{Code: 'x', Mod: tea.ModCtrl}); changed {
		t.Error("an unbound ctrl key changed the value")
	}
	in.set("\x1b[2Jhostile")
	view, x := in.view(40)
	if strings.ContainsRune(view, 0x1b) || !strings.HasPrefix(view, `\x1b[2J`) || x != ansi.StringWidth(view) {
		t.Errorf("view %q with cursor at %d", view, x)
	}
	in.set(strings.Repeat("x", 50))
	view, x = in.view(20)
	if w := ansi.StringWidth(view); w > 20 || x >= 20 {
		t.Errorf("long value drawn %d cells wide, cursor at %d", w, x)
	}
}

func TestPickerSearchPrefersTypedText(t *testing.T) {
	var p picker
	p.setSize(80, 10)
	items := []pickItem{{label: "ci-runner/session-2157"}, {label: "bob"}, {label: "AWSReservedSSO_Admin_abc/erin@example.com"}}
	p.open(pickUser, "Users", items, true, "")
	p.input.set("erin")
	p.refilter()
	if len(p.shown) != 2 || items[p.shown[0]].label != items[2].label || items[p.shown[1]].label != items[0].label {
		t.Errorf("search erin shows %v, want erin's entry first, then the fuzzy match", p.shown)
	}
	p.input.set("zzz")
	p.refilter()
	if _, ok := p.chosen(); ok || len(p.shown) != 0 {
		t.Errorf("search zzz shows %v", p.shown)
	}
}
