package main

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"strings"
	"testing"
)

// hostileFixture holds generated records whose userAgent, errorMessage and
// requestParameters carry terminal escapes, bidi overrides and NULs, next to
// damaged files; testdata/list/hostile.json puts such text in every column of
// the table.
const hostileFixture = "testdata/ui/archive"

// runListCmd runs `lazytrail list args...` and returns stdout, stderr and the error.
func runListCmd(t *testing.T, args ...string) (string, string, error) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	err := run(context.Background(), append([]string{"list"}, args...), &stdout, &stderr)
	return stdout.String(), stderr.String(), err
}

func TestListTableIsTerminalSafe(t *testing.T) {
	out, _, err := runListCmd(t, hostileFixture, "testdata/list/hostile.json", "--output", "table", "--filter", "err:any")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out, "hostile-list-7") || !strings.Contains(out, "hostile-0") {
		t.Fatal("the hostile records are not in the table")
	}
	if what, bad := e2eUnsafe([]byte(out)); bad {
		t.Fatalf("table output carries %s", what)
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
