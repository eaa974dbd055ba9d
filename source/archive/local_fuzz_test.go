package archive

import (
	"bytes"
	"compress/gzip"
	"os"
	"path/filepath"
	"testing"

	"github.com/lazytrail/lazytrail/source"
)

// FuzzLocalFile reads any bytes as a local .json.gz file: no panic, a
// problem names the file and says why, and every event's raw record can be
// read back from the file.
func FuzzLocalFile(f *testing.F) {
	body := []byte(`{"Records":[{"eventTime":"2026-11-19T10:00:00Z","eventName":"A","eventID":"f-1","awsRegion":"us-east-1"},` +
		`{"eventTime":"2026-11-19T10:01:00Z","eventName":"B","eventID":"f-2","awsRegion":"us-east-1"}]}`)
	gz := func(parts ...[]byte) []byte {
		var buf bytes.Buffer
		for _, p := range parts {
			zw := gzip.NewWriter(&buf)
			zw.Write(p)
			zw.Close()
		}
		return buf.Bytes()
	}
	named := func() []byte {
		var buf bytes.Buffer
		zw := gzip.NewWriter(&buf)
		zw.Name, zw.Comment, zw.Extra = "x.json", "comment", []byte("extra")
		zw.Write(body)
		zw.Close()
		return buf.Bytes()
	}
	whole := gz(body)
	for _, seed := range [][]byte{
		whole,
		gz(body[:50], body[50:]),
		whole[:len(whole)/2],
		whole[:len(whole)-4],
		append(append([]byte{}, whole...), "trailing garbage"...),
		named(),
		gz(nil),
		body,
		[]byte{0x1f, 0x8b},
		nil,
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		path := filepath.Join(t.TempDir(), "f.json.gz")
		if err := os.WriteFile(path, data, 0o644); err != nil {
			t.Fatal(err)
		}
		_, c := openLocal(t, source.Query{}, path)
		log := drain(t, c)
		for _, p := range log.problems {
			if p.Where != path || p.Err == nil || p.Err.Error() == "" {
				t.Errorf("problem %#v", p)
			}
		}
		for _, e := range log.events {
			raw, err := e.Record()
			if err != nil || len(raw) == 0 || raw[0] != '{' || raw[len(raw)-1] != '}' {
				t.Errorf("event %q: record %q, %v", e.ID, raw, err)
			}
		}
	})
}
