package main

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"regexp"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/charmbracelet/x/ansi"
)

// e2eBinary builds the command into a temporary directory.
func e2eBinary(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "lazytrail")
	out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput()
	if err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// e2eHostileArchive generates an archive with hostile records and broken files
// with the shared generator; the test is skipped without python3.
func e2eHostileArchive(t *testing.T, events int) string {
	t.Helper()
	python, err := exec.LookPath("python3")
	if err != nil {
		t.Skip("python3 is not installed")
	}
	gen := filepath.Join("..", "shared", "tools", "gen_archive.py")
	if _, err := os.Stat(gen); err != nil {
		t.Skipf("archive generator not found: %v", err)
	}
	dir := t.TempDir()
	out, err := exec.Command(python, gen, dir, "--events", fmt.Sprint(events), "--days", "2",
		"--hostile", "--broken").CombinedOutput()
	if err != nil {
		t.Fatalf("gen_archive: %v\n%s", err, out)
	}
	return dir
}

// e2eSourceRecords reads every record of the archive's log files, keyed by
// eventID, as the exact bytes the gunzipped files hold.
func e2eSourceRecords(t *testing.T, dir string) map[string][]byte {
	t.Helper()
	recs := map[string][]byte{}
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.Contains(path, "/CloudTrail/") {
			return err
		}
		f, err := os.Open(path)
		if err != nil {
			return err
		}
		defer f.Close()
		zr, err := gzip.NewReader(f)
		if err != nil {
			return nil // a broken file of the archive
		}
		data, err := io.ReadAll(zr)
		if err != nil {
			return nil
		}
		var file struct{ Records []json.RawMessage }
		if json.Unmarshal(data, &file) != nil {
			return nil
		}
		for _, raw := range file.Records {
			recs[e2eEventID(t, raw)] = raw
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return recs
}

func e2eEventID(t *testing.T, raw []byte) string {
	t.Helper()
	var r struct {
		EventID string `json:"eventID"`
	}
	if err := json.Unmarshal(raw, &r); err != nil {
		t.Fatalf("record %.80s: %v", raw, err)
	}
	return r.EventID
}

// e2eList runs `lazytrail list` with args and returns its standard output.
func e2eList(t *testing.T, bin string, args ...string) []byte {
	t.Helper()
	cmd := exec.Command(bin, append([]string{"list"}, args...)...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("lazytrail list %v: %v\n%s", args, err, stderr.Bytes())
	}
	return out
}

// e2eUnsafe finds the first byte sequence a terminal would act on:
// ESC, other C0 controls but tab and newline, DEL, C1 controls, bidi
// controls, or invalid UTF-8.
func e2eUnsafe(b []byte) (string, bool) {
	for i := 0; i < len(b); {
		r, n := utf8.DecodeRune(b[i:])
		switch {
		case r == utf8.RuneError && n <= 1:
			return fmt.Sprintf("invalid UTF-8 at %d", i), true
		case r < 0x20 && r != '\t' && r != '\n', r == 0x7f, r >= 0x80 && r <= 0x9f:
			return fmt.Sprintf("control %U at %d", r, i), true
		case r >= 0x202a && r <= 0x202e, r >= 0x2066 && r <= 0x2069, r == 0x200e, r == 0x200f, r == 0x061c:
			return fmt.Sprintf("bidi control %U at %d", r, i), true
		}
		i += n
	}
	return "", false
}

func e2eHostileIDs(recs map[string][]byte) []string {
	var ids []string
	for id := range recs {
		if strings.HasPrefix(id, "hostile-") {
			ids = append(ids, id)
		}
	}
	return ids
}

func TestListOutputsOfHostileRecords(t *testing.T) {
	bin := e2eBinary(t)
	dir := e2eHostileArchive(t, 400)
	recs := e2eSourceRecords(t, dir)
	hostile := e2eHostileIDs(recs)
	if len(hostile) == 0 {
		t.Fatal("the archive holds no hostile records")
	}

	t.Run("table", func(t *testing.T) {
		out := e2eList(t, bin, dir, "--output", "table")
		if what, bad := e2eUnsafe(out); bad {
			t.Fatalf("table output carries %s", what)
		}
		for _, id := range hostile {
			if !bytes.Contains(out, []byte(id)) {
				t.Errorf("hostile record %s is missing from the table", id)
			}
		}
	})

	t.Run("json", func(t *testing.T) {
		var got []json.RawMessage
		if err := json.Unmarshal(e2eList(t, bin, dir, "--output", "json"), &got); err != nil {
			t.Fatal(err)
		}
		if len(got) != len(recs) {
			t.Errorf("%d records exported, the archive's good files hold %d", len(got), len(recs))
		}
		for _, raw := range got {
			id := e2eEventID(t, raw)
			if want, ok := recs[id]; !ok || !bytes.Equal(raw, want) {
				t.Errorf("record %s is not exported byte-exact:\n got %.200q\nwant %.200q", id, raw, want)
			}
		}
	})

	t.Run("jsonl", func(t *testing.T) {
		out := e2eList(t, bin, dir, "--output", "jsonl")
		lines := bytes.Split(bytes.TrimSuffix(out, []byte("\n")), []byte("\n"))
		if len(lines) != len(recs) {
			t.Errorf("%d lines, the archive's good files hold %d records", len(lines), len(recs))
		}
		for _, line := range lines {
			id := e2eEventID(t, line)
			var got, want any
			if err := json.Unmarshal(line, &got); err != nil {
				t.Fatal(err)
			}
			if err := json.Unmarshal(recs[id], &want); err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("record %s changed in jsonl:\n got %.200s\nwant %.200s", id, line, recs[id])
			}
		}
	})
	t.Logf("%d records (%d hostile) checked in table, json and jsonl", len(recs), len(hostile))
}

// tmuxSession is the lazytrail binary running in a detached tmux session
// on a server of its own.
type tmuxSession struct {
	t      *testing.T
	socket string
}

// width and height of the test terminal.
const e2eTermW, e2eTermH = 120, 40

// startTmux runs args in a new tmux session; the test is skipped without
// tmux. The server lets programs set the clipboard, so that a leaked OSC 52
// would show as a paste buffer.
func startTmux(t *testing.T, args ...string) *tmuxSession {
	t.Helper()
	if _, err := exec.LookPath("tmux"); err != nil {
		t.Skip("tmux is not installed")
	}
	s := &tmuxSession{t: t, socket: fmt.Sprintf("lazytrail-test-%d-%d", os.Getpid(), time.Now().UnixNano())}
	cmd := []string{"new-session", "-d", "-s", "main", "-x", fmt.Sprint(e2eTermW), "-y", fmt.Sprint(e2eTermH)}
	cmd = append(cmd, shellJoin(args))
	s.tmux(cmd...)
	t.Cleanup(func() { _ = exec.Command("tmux", "-L", s.socket, "kill-server").Run() })
	s.tmux("set-option", "-g", "set-clipboard", "on")
	return s
}

func shellJoin(args []string) string {
	quoted := make([]string, len(args))
	for i, a := range args {
		quoted[i] = "'" + strings.ReplaceAll(a, "'", `'\''`) + "'"
	}
	// Keep the pane after the program exits, so a crash is seen on screen.
	return "TERM=xterm-256color " + strings.Join(quoted, " ") + "; sleep 60"
}

func (s *tmuxSession) tmux(args ...string) string {
	s.t.Helper()
	out, err := exec.Command("tmux", append([]string{"-L", s.socket}, args...)...).CombinedOutput()
	if err != nil {
		s.t.Fatalf("tmux %v: %v\n%s", args, err, out)
	}
	return string(out)
}

// capture returns the pane's content with its styling escapes.
func (s *tmuxSession) capture() string {
	return s.tmux("capture-pane", "-p", "-e", "-t", "main")
}

// waitFor captures the pane until every one of wants shows, or fails after
// timeout.
func (s *tmuxSession) waitFor(timeout time.Duration, wants ...string) string {
	s.t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		screen := s.capture()
		plain := ansi.Strip(screen)
		missing := ""
		for _, w := range wants {
			if !strings.Contains(plain, w) {
				missing = w
				break
			}
		}
		if missing == "" {
			return screen
		}
		if time.Now().After(deadline) {
			s.t.Fatalf("%q did not show within %s; the screen:\n%s", missing, timeout, plain)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// sgrSeq matches one Select Graphic Rendition sequence, the only escape a
// captured screen may hold.
var sgrSeq = regexp.MustCompile(`\x1b\[[0-9;:]*m`)

// checkScreen fails unless the screen is intact: only styling escapes, no
// line wider than the terminal, the status bar on the last line, and the
// window title and clipboard untouched.
func (s *tmuxSession) checkScreen(screen string) {
	s.t.Helper()
	styled := sgrSeq.ReplaceAllString(screen, "")
	if what, bad := e2eUnsafe([]byte(styled)); bad {
		s.t.Fatalf("the screen holds %s besides styling:\n%q", what, styled)
	}
	lines := strings.Split(strings.TrimSuffix(styled, "\n"), "\n")
	if len(lines) != e2eTermH {
		s.t.Fatalf("the screen has %d lines, want %d", len(lines), e2eTermH)
	}
	for i, l := range lines {
		if w := ansi.StringWidth(l); w > e2eTermW {
			s.t.Fatalf("line %d is %d cells wide: %q", i+1, w, l)
		}
	}
	if !strings.HasSuffix(strings.TrimSpace(lines[e2eTermH-1]), "? help") {
		s.t.Fatalf("the last line is not the status bar: %q", lines[e2eTermH-1])
	}
	if title := s.tmux("display-message", "-p", "-t", "main", "#{pane_title}"); strings.Contains(title, "owned") {
		s.t.Fatalf("an event set the window title to %q", title)
	}
	if bufs := s.tmux("list-buffers"); strings.TrimSpace(bufs) != "" {
		s.t.Fatalf("an event wrote the clipboard: %q", bufs)
	}
}

func TestTUIShowsHostileRecordsSafely(t *testing.T) {
	bin := e2eBinary(t)
	dir := e2eHostileArchive(t, 400)
	hostile := e2eHostileIDs(e2eSourceRecords(t, dir))
	if len(hostile) < 11 {
		t.Fatalf("%d hostile records, want one of each of the generator's 11 payloads", len(hostile))
	}
	// hostile-0000 to hostile-0010 carry the generator's 11 payloads: each
	// is shown in the table, then opened in the detail pane.
	for i := range 11 {
		id := fmt.Sprintf("hostile-%04d", i)
		t.Run(id, func(t *testing.T) {
			s := startTmux(t, bin, "--filter", "id:"+id, dir)
			s.checkScreen(s.waitFor(15*time.Second, id, "1 of 400 events"))
			s.tmux("send-keys", "-t", "main", "Enter")
			s.checkScreen(s.waitFor(5*time.Second, "Event ID", id))
		})
	}
}

func TestDemoEventsAppearOnScreen(t *testing.T) {
	bin := e2eBinary(t)
	s := startTmux(t, bin, "--demo")
	screen := s.waitFor(60*time.Second, "CreateTrail", "RunInstances")
	s.checkScreen(screen)
}
