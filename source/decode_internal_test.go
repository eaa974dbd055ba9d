package source

import (
	"bytes"
	"encoding/json"
	"testing"
)

// FuzzObjectEnd checks objectEnd against encoding/json: for input that
// starts with a valid JSON object, it finds that object's end; whatever it
// finds ends with '}'.
func FuzzObjectEnd(f *testing.F) {
	for _, seed := range []string{
		`{}`, `{"a":1}`, `{"a":"}"}`, `{"a":"\"}"}`, `{"a":"\\"}x`, `{"a":[1,{"b":"]"}]} {"c":2}`,
		`{"long":"` + string(bytes.Repeat([]byte("abcdefgh"), 9)) + `\\\"\\"}`, `{"a":[}`, `{"a":"`, `{"a":{"b":{}}}}}`,
		`{"userAgent":"\u202e\\\"}]{[\\","x":["}"]}`,
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) == 0 || data[0] != '{' {
			return
		}
		got := objectEnd(data)
		if got > 0 && data[got-1] != '}' {
			t.Fatalf("objectEnd(%q) = %d, not at a '}'", data, got)
		}
		dec := json.NewDecoder(bytes.NewReader(data))
		var v json.RawMessage
		if dec.Decode(&v) != nil {
			return
		}
		if want := int(dec.InputOffset()); got != want {
			t.Fatalf("objectEnd(%q) = %d, want %d", data, got, want)
		}
	})
}
