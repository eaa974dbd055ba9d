package archive

import (
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/lazytrail/lazytrail/model"
	"github.com/lazytrail/lazytrail/source"
)

// hugeDay is the day the huge-input archives are delivered on.
var hugeDay = time.Date(2026, 11, 19, 0, 0, 0, 0, time.UTC)

// hugeRecord is one compact CloudTrail record; params is the JSON of its
// requestParameters.
func hugeRecord(i int, at time.Time, params string) string {
	return fmt.Sprintf(`{"eventVersion":"1.09","userIdentity":{"type":"IAMUser","accountId":"111111111111",`+
		`"arn":"arn:aws:iam::111111111111:user/u%d","userName":"u%d"},"eventTime":%q,"eventSource":"ec2.amazonaws.com",`+
		`"eventName":"DescribeInstances","awsRegion":"us-east-1","sourceIPAddress":"192.0.2.%d","userAgent":"aws-cli/2.15",`+
		`"requestParameters":%s,"responseElements":null,"eventID":"huge-%08d","readOnly":true,"eventType":"AwsApiCall",`+
		`"managementEvent":true,"recipientAccountId":"111111111111"}`,
		i%50, i%50, at.Format(time.RFC3339), i%250+1, params, i)
}

// gzipWriter is reused across log files: a new one per file costs more
// than the file.
var gzipWriter, _ = gzip.NewWriterLevel(nil, gzip.BestSpeed)

// writeLogFile writes records into a gzipped Records file named for the
// delivery time at, under dir's day folder, and returns its path. It is not
// safe for concurrent use.
func writeLogFile(t testing.TB, dir string, at time.Time, id int, records []string) string {
	t.Helper()
	day := filepath.Join(dir, "AWSLogs", "111111111111", "CloudTrail", "us-east-1", at.Format("2006/01/02"))
	if err := os.MkdirAll(day, 0o755); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(day, fmt.Sprintf("111111111111_CloudTrail_us-east-1_%s_%016x.json.gz", at.Format("20060102T1504Z"), id))
	var buf bytes.Buffer
	zw := gzipWriter
	zw.Reset(&buf)
	io.WriteString(zw, `{"Records":[`)
	io.WriteString(zw, strings.Join(records, ","))
	io.WriteString(zw, `]}`)
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// heapPeak samples the heap in use until stop is called and returns the
// highest value seen above the heap in use when it started.
func heapPeak() (stop func() uint64) {
	var ms runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&ms)
	base := ms.HeapInuse
	var peak atomic.Uint64
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		tick := time.NewTicker(5 * time.Millisecond)
		defer tick.Stop()
		var ms runtime.MemStats
		for {
			runtime.ReadMemStats(&ms)
			if ms.HeapInuse > base && ms.HeapInuse-base > peak.Load() {
				peak.Store(ms.HeapInuse - base)
			}
			select {
			case <-done:
				return
			case <-tick.C:
			}
		}
	})
	return func() uint64 {
		close(done)
		wg.Wait()
		return peak.Load()
	}
}

// readLocal reads every event under dir, keeping only IDs, and returns them
// with each page's progress.
func readLocal(t *testing.T, dir string) ([]string, []source.Progress, []source.Problem) {
	t.Helper()
	src, err := NewLocal(dir)
	if err != nil {
		t.Fatal(err)
	}
	c, err := src.Open(context.Background(), source.Query{})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	var ids []string
	var progress []source.Progress
	var problems []source.Problem
	for {
		page, err := c.Next(context.Background())
		for _, e := range page.Events {
			ids = append(ids, e.ID)
		}
		progress = append(progress, page.Progress)
		problems = append(problems, page.Problems...)
		if errors.Is(err, io.EOF) {
			return ids, progress, problems
		}
		if err != nil {
			t.Fatal(err)
		}
	}
}

// checkAllOnce fails unless ids are huge-00000000 to huge-(n-1), each once.
func checkAllOnce(t *testing.T, ids []string, n int) {
	t.Helper()
	seen := make(map[string]bool, len(ids))
	for _, id := range ids {
		if seen[id] {
			t.Fatalf("event %s read twice", id)
		}
		seen[id] = true
	}
	for i := range n {
		if id := fmt.Sprintf("huge-%08d", i); !seen[id] {
			t.Fatalf("event %s lost (read %d of %d)", id, len(ids), n)
		}
	}
	if len(ids) != n {
		t.Fatalf("read %d events, want %d", len(ids), n)
	}
}

func TestHugeSingleLogFile(t *testing.T) {
	if testing.Short() {
		t.Skip("writes and reads a 50 MB log file")
	}
	dir := t.TempDir()
	params := `{"filter":[{"name":"tag:team","values":["` + strings.Repeat("x", 500) + `"]}]}`
	var recs []string
	size := 0
	for i := 0; size < 50<<20; i++ {
		r := hugeRecord(i, hugeDay.Add(-time.Duration(i)*time.Millisecond), params)
		recs = append(recs, r)
		size += len(r) + 1
	}
	writeLogFile(t, dir, hugeDay, 1, recs)
	n := len(recs)
	recs = nil

	stop := heapPeak()
	ids, progress, problems := readLocal(t, dir)
	peak := stop()
	if len(problems) > 0 {
		t.Fatalf("problems: %v", problems)
	}
	checkAllOnce(t, ids, n)
	last := progress[len(progress)-1]
	if last.UnitsDone != 1 || last.Events != n || last.Bytes == 0 {
		t.Fatalf("final progress %+v, want 1 file, %d events and the bytes read", last, n)
	}
	// The events keep their raw records (50 MB) and parsed fields; the
	// bound allows for that several times over, not for unbounded copies.
	const bound = 600 << 20
	if peak > bound {
		t.Fatalf("heap peaked %d MiB above the start reading %d MiB, want under %d MiB", peak>>20, size>>20, bound>>20)
	}
	t.Logf("%d MiB file, %d events, %d pages, heap peak +%d MiB", size>>20, n, len(progress), peak>>20)
}

func TestHugeRequestParameters(t *testing.T) {
	dir := t.TempDir()
	big := `{"policy":"` + strings.Repeat("A", 1<<20) + `"}`
	rec := hugeRecord(0, hugeDay.Add(-time.Minute), big)
	writeLogFile(t, dir, hugeDay, 1, []string{rec, hugeRecord(1, hugeDay.Add(-2*time.Minute), "null")})
	_, c := openLocal(t, source.Query{}, dir)
	read := drain(t, c)
	if len(read.problems) > 0 {
		t.Fatalf("problems: %v", read.problems)
	}
	events := read.events
	if len(events) != 2 || events[0].ID != "huge-00000000" {
		t.Fatalf("read %d events, want the 1 MB one and its neighbour", len(events))
	}
	raw, err := events[0].Record()
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(raw, []byte(rec)) {
		t.Fatalf("the 1 MB record came back as %d bytes, not byte-exact", len(raw))
	}
	// The filter engine matches on it without trouble.
	store := model.NewStore()
	store.Add(events)
	f, err := model.ParseFilter("user:u0", time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if sel := store.Select(f); sel.Len() != 1 {
		t.Fatalf("user:u0 selects %d events, want 1", sel.Len())
	}
}

func TestHugeFolder(t *testing.T) {
	files := 100000
	if testing.Short() {
		files = 5000
	}
	dir := t.TempDir()
	start := time.Now()
	for i := range files {
		at := hugeDay.Add(-time.Duration(i) * time.Second)
		writeLogFile(t, dir, hugeDay, i, []string{hugeRecord(i, at, "null")})
	}
	t.Logf("wrote %d files in %s", files, time.Since(start).Round(time.Millisecond))
	start = time.Now()

	stop := heapPeak()
	ids, progress, problems := readLocal(t, dir)
	peak := stop()
	if len(problems) > 0 {
		t.Fatalf("problems: %v", problems[:min(3, len(problems))])
	}
	checkAllOnce(t, ids, files)
	// Progress comes page by page (a page holds at most pageEvents
	// events), counting files as they are read.
	if len(progress) < files/pageEvents {
		t.Fatalf("%d pages for %d files: progress is not reported as the read goes", len(progress), files)
	}
	prev := 0
	for _, p := range progress {
		if p.UnitsDone < prev || (p.UnitsTotal != 0 && p.UnitsTotal != files) {
			t.Fatalf("progress %+v after %d files done, want a count rising to %d", p, prev, files)
		}
		prev = p.UnitsDone
	}
	if prev != files {
		t.Fatalf("progress ends at %d files, want %d", prev, files)
	}
	const bound = 400 << 20
	if peak > bound {
		t.Fatalf("heap peaked %d MiB above the start for %d small files, want under %d MiB", peak>>20, files, bound>>20)
	}
	t.Logf("read %d files in one folder in %s, %d pages, heap peak +%d MiB", files, time.Since(start).Round(time.Millisecond), len(progress), peak>>20)
}
