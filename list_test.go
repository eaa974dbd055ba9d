package main

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/csv"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"unicode/utf8"
)

// hostileFixture holds generated records whose userAgent, errorMessage and
// requestParameters carry terminal escapes, bidi overrides and NULs, next to
// damaged files.
const hostileFixture = "testdata/ui/archive"

// runListCmd runs `lazytrail list args...` and returns stdout, stderr and the error.
func runListCmd(t *testing.T, args ...string) (string, string, error) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	err := run(context.Background(), append([]string{"list"}, args...), &stdout, &stderr)
	return stdout.String(), stderr.String(), err
}

// archiveBytes returns the decompressed content of every readable log file
// under dir, concatenated.
func archiveBytes(t *testing.T, dir string) []byte {
	t.Helper()
	var all bytes.Buffer
	err := filepath.WalkDir(dir, func(path string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(path, ".json.gz") {
			return err
		}
		f, err := os.Open(path)
		if err != nil {
			return err
		}
		defer f.Close()
		zr, err := gzip.NewReader(f)
		if err != nil {
			return nil // a damaged file the test archive holds on purpose
		}
		b, err := io.ReadAll(zr)
		if err != nil {
			return nil
		}
		all.Write(b)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return all.Bytes()
}

func TestListJSONIsByteExact(t *testing.T) {
	out, stderr, err := runListCmd(t, hostileFixture, "--output", "json")
	if err != nil {
		t.Fatalf("list: %v\n%s", err, stderr)
	}
	var records []json.RawMessage
	if err := json.Unmarshal([]byte(out), &records); err != nil {
		t.Fatalf("output is not a JSON array: %v", err)
	}
	if len(records) == 0 {
		t.Fatal("no records")
	}
	source := archiveBytes(t, hostileFixture)
	hostile := 0
	for i, rec := range records {
		if !bytes.Contains(source, rec) {
			t.Errorf("record %d is not byte-identical to any record in the archive: %.120s", i, rec)
		}
		if bytes.Contains(rec, []byte(`"hostile-`)) {
			hostile++
		}
	}
	if hostile == 0 {
		t.Error("the hostile records were not exported")
	}
}

func TestListJSONLKeepsContent(t *testing.T) {
	jsonOut, _, err := runListCmd(t, hostileFixture, "--output", "json")
	if err != nil {
		t.Fatal(err)
	}
	jsonlOut, _, err := runListCmd(t, hostileFixture, "--output", "jsonl")
	if err != nil {
		t.Fatal(err)
	}
	var records []any
	if err := json.Unmarshal([]byte(jsonOut), &records); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSuffix(jsonlOut, "\n"), "\n")
	if len(lines) != len(records) {
		t.Fatalf("jsonl has %d lines, json %d records", len(lines), len(records))
	}
	for i, line := range lines {
		var rec any
		if err := json.Unmarshal([]byte(line), &rec); err != nil {
			t.Fatalf("line %d is not JSON: %v", i, err)
		}
		if !reflect.DeepEqual(rec, records[i]) {
			t.Errorf("line %d differs in content from the raw record", i)
		}
	}
}

func TestListTableIsTerminalSafe(t *testing.T) {
	out, _, err := runListCmd(t, hostileFixture, "testdata/list/hostile.json", "--output", "table", "--filter", "err:any")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out, "hostile-list-7") || !strings.Contains(out, "hostile-0") {
		t.Fatal("the hostile records are not in the table")
	}
	for i, r := range out {
		switch {
		case r == utf8.RuneError:
			t.Fatalf("invalid UTF-8 at byte %d", i)
		case r < 0x20 && r != '\n', r == 0x7f, r >= 0x80 && r <= 0x9f:
			t.Fatalf("control character %U at byte %d: %q", r, i, out[max(0, i-40):min(len(out), i+40)])
		case r >= 0x202a && r <= 0x202e, r >= 0x2066 && r <= 0x2069, r == 0x200e, r == 0x200f, r == 0x061c:
			t.Fatalf("bidi control %U at byte %d", r, i)
		}
	}
	if !strings.Contains(out, `\x1b`) {
		t.Error("escapes are not shown visibly")
	}
}

func TestListCSVNeutralizesFormulas(t *testing.T) {
	out, _, err := runListCmd(t, "testdata/list/formulas.json", "--output", "csv")
	if err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(strings.NewReader(out)).ReadAll()
	if err != nil {
		t.Fatalf("not CSV: %v", err)
	}
	if len(rows) != 3 {
		t.Fatalf("got %d rows, want a header and 2 events", len(rows))
	}
	for _, row := range rows[1:] {
		for _, cell := range row {
			if cell != "" && strings.ContainsRune("=+-@", rune(cell[0])) {
				t.Errorf("cell %q starts a formula", cell)
			}
		}
	}
	if rows[1][2] != `'=HYPERLINK("http://x")` {
		t.Errorf("who = %q, want it quoted and kept", rows[1][2])
	}
}

func TestListReportsDamageAndFailsWhenNothingIsRead(t *testing.T) {
	_, stderr, err := runListCmd(t, "testdata/list/broken")
	if err == nil || !strings.Contains(err.Error(), "nothing could be read") {
		t.Fatalf("err = %v, want 'nothing could be read'", err)
	}
	for _, name := range []string{"a.json.gz", "b.json"} {
		if !strings.Contains(stderr, name) {
			t.Errorf("stderr does not name %s:\n%s", name, stderr)
		}
	}

	out, stderr, err := runListCmd(t, hostileFixture, "--output", "jsonl")
	if err != nil {
		t.Fatalf("an archive with some damaged files failed: %v", err)
	}
	if !strings.Contains(stderr, "truncated") || out == "" {
		t.Errorf("want the damaged files on stderr and the rest on stdout; stderr:\n%s", stderr)
	}
}

func TestListRejectsBadArguments(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{hostileFixture, "--filter", "colour:red"}, "colour"},
		{[]string{hostileFixture, "--since", "yesterday"}, "since"},
		{[]string{hostileFixture, "--output", "xml"}, "xml"},
	} {
		_, _, err := runListCmd(t, tc.args...)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("list %v: err = %v, want it to mention %q", tc.args, err, tc.want)
		}
	}
}

func TestListFilterAgreesWithCounts(t *testing.T) {
	all, _, err := runListCmd(t, hostileFixture, "--output", "jsonl")
	if err != nil {
		t.Fatal(err)
	}
	alice, _, err := runListCmd(t, hostileFixture, "--output", "jsonl", "--filter", "user:alice")
	if err != nil {
		t.Fatal(err)
	}
	want := 0
	for _, line := range strings.Split(strings.TrimSpace(all), "\n") {
		var rec struct {
			UserIdentity struct {
				UserName string `json:"userName"`
			} `json:"userIdentity"`
		}
		if err := json.Unmarshal([]byte(line), &rec); err != nil {
			t.Fatal(err)
		}
		if rec.UserIdentity.UserName == "alice" {
			want++
		}
	}
	got := strings.Count(alice, "\n")
	if want == 0 || got != want {
		t.Errorf("user:alice selected %d records, the archive has %d by alice", got, want)
	}
}
