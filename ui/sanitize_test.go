package ui

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func TestSanitize(t *testing.T) {
	tests := []struct{ in, want string }{
		{"", ""},
		{"alice", "alice"},
		{"日本語 ümlaut e\u0301 👍", "日本語 ümlaut e\u0301 👍"},
		{"a\x1b[31mred", `a\x1b[31mred`},
		{"\x1b]52;c;ZXZpbA==\x07", `\x1b]52;c;ZXZpbA==\x07`},
		{"line1\nline2\r\tx", `line1\nline2\r\tx`},
		{"nul\x00del\x7f", `nul\x00del\x7f`},
		{"c1 \u009b31m csi", `c1 \u009b31m csi`},
		{"\u0085next line", `\u0085next line`},
		{"evil\u202egnp.exe", `evil\u202egnp.exe`},
		{"\u2066iso\u2069 \u200e\u200f\u061c", `\u2066iso\u2069 \u200e\u200f\u061c`},
		{"sep\u2028x\u2029", `sep\u2028x\u2029`},
		{"bad \x9b utf8 \xff", `bad \x9b utf8 \xff`},
		{`back\slash`, `back\slash`},
	}
	for _, tt := range tests {
		if got := Sanitize(tt.in); got != tt.want {
			t.Errorf("Sanitize(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// checkSafe fails t if out contains a byte or rune a terminal could
// interpret as control.
func checkSafe(t *testing.T, in, out string) {
	t.Helper()
	for i := 0; i < len(out); i++ {
		if c := out[i]; c < 0x20 || c == 0x7f {
			t.Fatalf("Sanitize(%q) = %q: control byte %#x at %d", in, out, c, i)
		}
	}
	if !utf8.ValidString(out) {
		t.Fatalf("Sanitize(%q) = %q: not valid UTF-8", in, out)
	}
	for i, r := range out {
		if unsafeRune(r) {
			t.Fatalf("Sanitize(%q) = %q: unsafe rune %U at %d", in, out, r, i)
		}
	}
}

func FuzzSanitize(f *testing.F) {
	for _, s := range []string{"alice", "a\x1b[2J", "\u009b\u202e", "\xff\xfe", "日本\t\n", "\x1b]8;;http://x\x07"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		out := Sanitize(in)
		checkSafe(t, in, out)
		if firstUnsafe(in) < 0 && out != in {
			t.Fatalf("Sanitize changed printable text %q to %q", in, out)
		}
		if Sanitize(out) != out {
			t.Fatalf("Sanitize is not idempotent on %q", in)
		}
		// Every printable rune of the input survives, in order.
		var kept strings.Builder
		for _, r := range in {
			if r != utf8.RuneError && r >= 0x20 && r != 0x7f && !unsafeRune(r) {
				kept.WriteRune(r)
			}
		}
		if !containsInOrder(out, kept.String()) {
			t.Fatalf("Sanitize(%q) = %q lost printable text", in, out)
		}
	})
}

// containsInOrder reports whether the runes of sub appear in s in order.
func containsInOrder(s, sub string) bool {
	for _, r := range sub {
		i := strings.IndexRune(s, r)
		if i < 0 {
			return false
		}
		s = s[i+utf8.RuneLen(r):]
	}
	return true
}

func BenchmarkSanitizePrintable(b *testing.B) {
	s := "assumed-role/deploy-bot/i-0123456789abcdef0"
	for b.Loop() {
		_ = Sanitize(s)
	}
}
