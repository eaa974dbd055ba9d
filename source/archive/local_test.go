package archive

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/lazytrail/lazytrail/model"
	"github.com/lazytrail/lazytrail/source"
)

// genSummary is what gen_archive.py prints.
type genSummary struct {
	Total   int
	Hostile int
	Files   int
	Broken  []string
}

const genTool = "/work/shared/tools/gen_archive.py"

// generate writes an archive with gen_archive.py into a temporary folder.
func generate(t testing.TB, args ...string) (string, genSummary) {
	t.Helper()
	if _, err := os.Stat(genTool); err != nil {
		t.Skip("gen_archive.py not present")
	}
	if _, err := exec.LookPath("python3"); err != nil {
		t.Skip("python3 not present")
	}
	dir := t.TempDir()
	out, err := exec.Command("python3", append([]string{genTool, dir}, args...)...).Output()
	if err != nil {
		t.Fatalf("gen_archive.py: %v", err)
	}
	var sum genSummary
	if err := json.Unmarshal(out, &sum); err != nil {
		t.Fatalf("gen_archive.py summary: %v", err)
	}
	return dir, sum
}

// pageLog is everything a cursor yielded until io.EOF.
type pageLog struct {
	pages    []source.Page
	events   []model.Event
	problems []source.Problem
	last     source.Progress
}

// drain reads c to its end, failing the test on an error other than io.EOF.
func drain(t testing.TB, c source.Cursor) pageLog {
	t.Helper()
	var log pageLog
	for {
		p, err := c.Next(context.Background())
		if err != nil && !errors.Is(err, io.EOF) {
			t.Fatalf("Next: %v", err)
		}
		log.pages = append(log.pages, p)
		log.events = append(log.events, p.Events...)
		log.problems = append(log.problems, p.Problems...)
		log.last = p.Progress
		if err != nil {
			return log
		}
	}
}

// openLocal opens paths with q.
func openLocal(t testing.TB, q source.Query, paths ...string) (*Local, *cursor) {
	t.Helper()
	l, err := NewLocal(paths...)
	if err != nil {
		t.Fatal(err)
	}
	c, err := l.Open(context.Background(), q)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return l, c.(*cursor)
}

func ids(events []model.Event) []string {
	var out []string
	for _, e := range events {
		out = append(out, e.ID)
	}
	slices.Sort(out)
	return out
}

func TestLocalGeneratedArchive(t *testing.T) {
	dir, sum := generate(t, "--events", "2000", "--days", "1", "--regions", "2", "--broken", "--hostile")
	_, c := openLocal(t, source.Query{}, dir)
	log := drain(t, c)

	if len(log.events) != sum.Total {
		t.Errorf("%d events, want %d", len(log.events), sum.Total)
	}
	hostile := 0
	for _, e := range log.events {
		if strings.HasPrefix(e.ID, "hostile-") {
			hostile++
		}
		if e.Raw != nil || e.Blob == nil {
			t.Fatalf("event %s holds its raw record in memory", e.ID)
		}
		raw, err := e.Record()
		if err != nil || !bytes.Contains(raw, []byte(`"eventID":"`+e.ID+`"`)) {
			t.Fatalf("event %s: record %.80q, %v", e.ID, raw, err)
		}
	}
	if hostile != sum.Hostile {
		t.Errorf("%d hostile events, want %d", hostile, sum.Hostile)
	}

	// One problem per broken file, naming it and saying why; the digest
	// folder is not read at all.
	reasons := map[string]string{
		"truncated": "gzip: unexpected EOF (file truncated?)",
		"notgzip":   "neither gzip nor JSON",
		"badjson":   "invalid JSON",
		"norecords": "no CloudTrail records",
		"empty":     "empty file",
	}
	if len(log.problems) != len(sum.Broken) {
		t.Errorf("problems %v, want one per broken file %v", log.problems, sum.Broken)
	}
	for _, p := range log.problems {
		kind := strings.TrimSuffix(p.Where[strings.LastIndex(p.Where, "_")+1:], ".json.gz")
		if !slices.Contains(sum.Broken, filepath.Base(p.Where)) || !strings.Contains(p.Err.Error(), reasons[kind]) {
			t.Errorf("problem %q, want the file and %q", p.Error(), reasons[kind])
		}
	}
	files := sum.Files + len(sum.Broken)
	if log.last.UnitsDone != files || log.last.UnitsTotal != files || log.last.Events != sum.Total || log.last.Bytes == 0 {
		t.Errorf("progress %+v, want %d files and %d events", log.last, files, sum.Total)
	}
	oldest := slices.MinFunc(log.events, func(a, b model.Event) int { return a.Time.Compare(b.Time) })
	if !log.last.Reached.Equal(oldest.Time) {
		t.Errorf("reached %v, want the oldest event %v", log.last.Reached, oldest.Time)
	}
}

func TestLocalLayoutsAndShapes(t *testing.T) {
	org := filepath.Join("..", "..", "testdata", "archive", "org")
	loose := filepath.Join("..", "..", "testdata", "archive", "loose")
	tests := []struct {
		name  string
		q     source.Query
		paths []string
		ids   []string
	}{
		{"organization trail", source.Query{}, []string{org}, []string{"org-1", "org-2", "org-3", "org-4"}},
		{"insights", source.Query{Insights: true}, []string{org}, []string{"insight-1"}},
		{"a range of one day", source.Query{Start: time.Date(2026, 11, 19, 0, 0, 0, 0, time.UTC), End: time.Date(2026, 11, 19, 23, 59, 59, 0, time.UTC)}, []string{org}, []string{"org-1", "org-2", "org-3"}},
		{"loose files of every shape", source.Query{}, []string{loose}, []string{"org-5", "org-6", "org-7", "org-8"}},
		{"files named one by one", source.Query{}, []string{filepath.Join(loose, "records.jsonl"), filepath.Join(loose, "digest.json")}, []string{"org-7", "org-8"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, c := openLocal(t, tt.q, tt.paths...)
			log := drain(t, c)
			if len(log.problems) > 0 {
				t.Errorf("problems: %v", log.problems)
			}
			if got := ids(log.events); fmt.Sprint(got) != fmt.Sprint(tt.ids) {
				t.Errorf("events %v, want %v", got, tt.ids)
			}
			for _, e := range log.events {
				if e.Who == "" || e.Name == "" || e.Region == "" || e.Time.IsZero() {
					t.Errorf("event %s: %+v", e.ID, e)
				}
			}
		})
	}
}

func TestLocalPrunesByTime(t *testing.T) {
	dir, _ := generate(t, "--events", "3000", "--days", "2", "--regions", "1")
	_, all := openLocal(t, source.Query{}, dir)
	every := drain(t, all).events

	// gen_archive.py ends its archives at 2026-11-20T00:00Z.
	q := source.Query{Start: time.Date(2026, 11, 18, 12, 0, 0, 0, time.UTC), End: time.Date(2026, 11, 18, 12, 59, 59, 0, time.UTC)}
	l, c := openLocal(t, q, dir)
	got := drain(t, c).events

	var want []model.Event
	for _, e := range every {
		if !e.Time.Before(q.Start) && !e.Time.After(q.End) {
			want = append(want, e)
		}
	}
	if len(want) == 0 || fmt.Sprint(ids(got)) != fmt.Sprint(ids(want)) {
		t.Fatalf("%d events in range, want %d", len(got), len(want))
	}
	// Only files delivered from the range's start to 20 minutes after its
	// end (the 5-minute window and 15 minutes of delivery lag), give or
	// take 5 minutes of clock skew, are opened.
	inWindow := 0
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		if when, ok := timeFromName(d.Name()); ok && !when.Before(q.Start.Add(-5*time.Minute)) && !when.After(q.End.Add(20*time.Minute)) {
			inWindow++
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if n := int(l.opened.Load()); n != inWindow {
		t.Errorf("opened %d files, want the %d delivered in the range", n, inWindow)
	}
}

func TestCursorPagesNewestFirst(t *testing.T) {
	dir, sum := generate(t, "--events", "3000", "--days", "1", "--regions", "2")
	_, c := openLocal(t, source.Query{}, dir)
	c.maxPage = 100
	log := drain(t, c)
	if len(log.events) != sum.Total || len(log.pages) < 10 {
		t.Fatalf("%d events in %d pages", len(log.events), len(log.pages))
	}
	newest := slices.MaxFunc(log.events, func(a, b model.Event) int { return a.Time.Compare(b.Time) })
	if !slices.ContainsFunc(log.pages[0].Events, func(e model.Event) bool { return e.ID == newest.ID }) {
		t.Errorf("the newest event %s is not in the first page", newest.ID)
	}
	// Files come newest first: a page holds no event newer than the files
	// of the page before it could have, and Reached only moves back.
	var prev source.Progress
	for i, p := range log.pages {
		if i > 0 && p.Progress.Reached.After(prev.Reached) {
			t.Errorf("page %d reached %v after %v", i, p.Progress.Reached, prev.Reached)
		}
		for _, e := range p.Events {
			if i > 0 && e.Time.After(prev.Reached.Add(deliveryWindow)) {
				t.Errorf("page %d has %s at %v, newer than page %d reached (%v)", i, e.ID, e.Time, i-1, prev.Reached)
			}
		}
		prev = p.Progress
	}
}

// blockingList lists objects whose fetch of index block waits, the first
// time, until the worker's context is cancelled.
type blockingList struct {
	objs    []object
	started chan struct{} // closed when the blocking fetch starts
	mu      sync.Mutex
	fetches map[int]int
}

func newBlockingList(n, block int) *blockingList {
	bl := &blockingList{started: make(chan struct{}), fetches: map[int]int{}}
	for i := range n {
		body := fmt.Sprintf(`{"Records":[{"eventTime":"2026-11-19T10:%02d:00Z","eventName":"E","eventID":"id-%d","awsRegion":"us-east-1"}]}`, 59-i, i)
		bl.objs = append(bl.objs, object{
			name: fmt.Sprintf("obj-%d", i),
			when: time.Date(2026, 11, 19, 11, 0, 0, 0, time.UTC).Add(-time.Duration(i) * time.Minute),
			fetch: func(ctx context.Context) ([]byte, error) {
				bl.mu.Lock()
				bl.fetches[i]++
				first := bl.fetches[i] == 1
				bl.mu.Unlock()
				if i == block && first {
					close(bl.started)
					<-ctx.Done()
					return nil, ctx.Err()
				}
				return []byte(body), nil
			},
		})
	}
	return bl
}

func (bl *blockingList) list(ctx context.Context) ([]object, []source.Problem, error) {
	return bl.objs, nil, io.EOF
}

func TestCursorCancelAndResume(t *testing.T) {
	bl := newBlockingList(12, 5)
	c := newCursor(bl.list, source.Query{}, newContentCache(1<<20))
	defer c.Close()

	ctx, cancel := context.WithCancel(context.Background())
	var got []model.Event
	go func() {
		<-bl.started
		cancel()
	}()
	for {
		p, err := c.Next(ctx)
		got = append(got, p.Events...)
		if errors.Is(err, context.Canceled) {
			break
		}
		if err != nil {
			t.Fatalf("Next: %v", err)
		}
	}
	if c.jobs != nil {
		t.Error("workers still running after a cancelled Next")
	}
	if len(got) > 5 {
		t.Errorf("%d events before the blocked object 5", len(got))
	}
	log := drain(t, c)
	got = append(got, log.events...)
	var want []string
	for i := range 12 {
		want = append(want, fmt.Sprintf("id-%d", i))
	}
	var order []string
	for _, e := range got {
		order = append(order, e.ID)
	}
	if fmt.Sprint(order) != fmt.Sprint(want) {
		t.Errorf("events %v, want each once, newest first: %v", order, want)
	}
	if bl.fetches[5] != 2 {
		t.Errorf("the cancelled object was fetched %d times, want 2", bl.fetches[5])
	}
	if _, err := c.Next(context.Background()); !errors.Is(err, io.EOF) {
		t.Errorf("Next after the end: %v", err)
	}
}

func TestCursorClosed(t *testing.T) {
	bl := newBlockingList(3, -1)
	c := newCursor(bl.list, source.Query{}, newContentCache(1<<20))
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Next(context.Background()); !errors.Is(err, errClosed) {
		t.Errorf("Next after Close: %v", err)
	}
}

func TestLocalBlobContentIsCached(t *testing.T) {
	dir, _ := generate(t, "--events", "300", "--days", "1", "--regions", "1")
	l, c := openLocal(t, source.Query{}, dir)
	log := drain(t, c)
	opened := l.opened.Load()

	// Records of one file, read concurrently, decompress the file once.
	first := log.events[0].Blob
	var same []model.Event
	for _, e := range log.events {
		if e.Blob == first {
			same = append(same, e)
		}
	}
	var wg sync.WaitGroup
	for _, e := range same {
		wg.Go(func() {
			raw, err := e.Record()
			if err != nil || !json.Valid(raw) {
				t.Errorf("%s: %v", e.ID, err)
			}
		})
	}
	wg.Wait()
	wg.Wait()
	if n := l.opened.Load() - opened; n < 1 || n > 2 {
		t.Errorf("reading %d records of one file opened it %d times", len(same), n)
	}
	for _, e := range same {
		if _, err := e.Record(); err != nil {
			t.Fatal(err)
		}
	}
	if n := l.opened.Load() - opened; n > 2 {
		t.Errorf("reading the records again opened the file %d times in all", n)
	}
}

func TestContentCacheEvictsLeastRecent(t *testing.T) {
	cc := newContentCache(10)
	a, b, d := &blob{}, &blob{}, &blob{}
	cc.put(a, []byte("aaaa"))
	cc.put(b, []byte("bbbb"))
	cc.get(a) // a is now the most recent
	cc.put(d, []byte("dddd"))
	if _, ok := cc.get(b); ok {
		t.Error("b should have been evicted")
	}
	if _, ok := cc.get(a); !ok {
		t.Error("a was evicted")
	}
	cc.put(&blob{}, make([]byte, 11))
	if cc.size > 10 {
		t.Errorf("size %d over the cap", cc.size)
	}
}

func TestNewLocalErrors(t *testing.T) {
	if _, err := NewLocal(); err == nil {
		t.Error("no paths: no error")
	}
	if _, err := NewLocal(filepath.Join(t.TempDir(), "missing")); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("missing path: %v", err)
	}
	_, c := openLocal(t, source.Query{}, t.TempDir())
	if log := drain(t, c); len(log.events) != 0 || len(log.problems) != 0 {
		t.Errorf("empty folder: %d events, problems %v", len(log.events), log.problems)
	}
}

func TestLocalMultiMemberGzip(t *testing.T) {
	body := []byte(`{"Records":[{"eventTime":"2026-11-19T10:00:00Z","eventName":"A","eventID":"mm-1","awsRegion":"us-east-1"}]}`)
	var buf bytes.Buffer
	for _, part := range [][]byte{body[:30], body[30:]} {
		zw := gzip.NewWriter(&buf)
		zw.Write(part)
		zw.Close()
	}
	path := filepath.Join(t.TempDir(), "x.json.gz")
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	_, c := openLocal(t, source.Query{}, path)
	log := drain(t, c)
	if len(log.problems) != 0 || len(log.events) != 1 {
		t.Fatalf("events %d, problems %v", len(log.events), log.problems)
	}
	if raw, err := log.events[0].Record(); err != nil || !bytes.Equal(raw, body[bytes.IndexByte(body, '[')+1:len(body)-2]) {
		t.Errorf("record %q, %v", raw, err)
	}
}

// TestLocalSharedData reads all of the shared corpus of real records as one
// archive: every record becomes an event or a problem with a reason.
func TestLocalSharedData(t *testing.T) {
	root := "/work/shared/data"
	if _, err := os.Stat(root); err != nil {
		t.Skip("shared data not present")
	}
	_, c := openLocal(t, source.Query{}, root)
	log := drain(t, c)
	for _, e := range log.events {
		if e.Who == "" || e.Name == "" || e.Time.IsZero() {
			t.Errorf("%s: event %s: who %q name %q time %v", e.Blob.Name(), e.ID, e.Who, e.Name, e.Time)
		}
	}
	for _, p := range log.problems {
		if p.Where == "" || p.Err == nil {
			t.Errorf("problem without a file or a reason: %#v", p)
		}
		t.Logf("problem: %v", p)
	}
	t.Logf("%d files: %d events, %d problems", log.last.UnitsDone, len(log.events), len(log.problems))
	if len(log.events) < 450 {
		t.Errorf("only %d events", len(log.events))
	}
}

func TestLocalBlobNoticesAChangedFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "x.json")
	body := `{"Records":[{"eventTime":"2026-11-19T10:00:00Z","eventName":"A","eventID":"c-1","awsRegion":"us-east-1"}]}`
	if err := os.WriteFile(path, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	_, c := openLocal(t, source.Query{}, path)
	log := drain(t, c)
	if len(log.events) != 1 {
		t.Fatalf("%d events", len(log.events))
	}
	if err := os.WriteFile(path, []byte(body+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := log.events[0].Record(); err == nil || !strings.Contains(err.Error(), "changed") {
		t.Errorf("Record of a changed file: %v", err)
	}
}
