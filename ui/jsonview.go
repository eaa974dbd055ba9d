package ui

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"unicode/utf8"
)

// indentRecord pretty-prints a raw record and splits it into lines. The
// lines are not yet sanitized.
func indentRecord(raw []byte) ([]string, error) {
	var buf bytes.Buffer
	if err := json.Indent(&buf, raw, "", "  "); err != nil {
		return nil, fmt.Errorf("pretty-print record: %w", err)
	}
	return strings.Split(buf.String(), "\n"), nil
}

// highlightJSON sanitizes one line of pretty-printed JSON and colours its
// tokens: keys, strings, numbers, literals and punctuation. Escapes inside
// strings (such as \u001b) are shown as written; sanitizing first turns any
// raw control, C1 or bidi character into a visible escape, which only ever
// happens inside strings and so leaves the tokens intact.
func highlightJSON(line string, st *Styles) string {
	line = Sanitize(line)
	var b strings.Builder
	b.Grow(len(line) + 32)
	for i := 0; i < len(line); {
		c := line[i]
		switch {
		case c == ' ':
			j := i
			for j < len(line) && line[j] == ' ' {
				j++
			}
			b.WriteString(line[i:j])
			i = j
		case c == '"':
			j := stringEnd(line, i)
			style := st.JSONString
			if isKey(line, j) {
				style = st.JSONKey
			}
			b.WriteString(style.Render(line[i:j]))
			i = j
		case c == '-' || (c >= '0' && c <= '9'):
			j := i + 1
			for j < len(line) && strings.IndexByte("0123456789.eE+-", line[j]) >= 0 {
				j++
			}
			b.WriteString(st.JSONNumber.Render(line[i:j]))
			i = j
		case c >= 'a' && c <= 'z':
			j := i + 1
			for j < len(line) && line[j] >= 'a' && line[j] <= 'z' {
				j++
			}
			b.WriteString(st.JSONLiteral.Render(line[i:j]))
			i = j
		default:
			_, size := utf8.DecodeRuneInString(line[i:])
			b.WriteString(st.JSONPunct.Render(line[i : i+size]))
			i += size
		}
	}
	return b.String()
}

// stringEnd returns the index just past the JSON string starting at line[i],
// or len(line) if it is not closed on this line.
func stringEnd(line string, i int) int {
	for j := i + 1; j < len(line); j++ {
		switch line[j] {
		case '\\':
			j++
		case '"':
			return j + 1
		}
	}
	return len(line)
}

// isKey reports whether the string ending before line[j] is an object key.
func isKey(line string, j int) bool {
	for j < len(line) && line[j] == ' ' {
		j++
	}
	return j < len(line) && line[j] == ':'
}
