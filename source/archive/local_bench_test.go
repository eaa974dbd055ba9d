package archive

import (
	"context"
	"errors"
	"io"
	"os"
	"os/exec"
	"runtime"
	"syscall"
	"testing"
	"time"

	"github.com/lazytrail/lazytrail/model"
	"github.com/lazytrail/lazytrail/source"
)

// BenchmarkLocalIngest reads the archive named by LAZYTRAIL_BENCH_ARCHIVE
// (e.g. gen_archive.py /tmp/big --events 1000000 --days 7 --regions 4)
// through NewLocal and a cursor into a model.Store, and, in the same run,
// times `gzip -dc` over the same files for comparison. It reports wall and
// CPU seconds per ingest and for gzip -dc (CPU time is what counts on a
// shared machine: ingest uses every core, gzip one), events, and the heap
// in use after the ingest with the store alive.
func BenchmarkLocalIngest(b *testing.B) {
	dir := benchArchive(b)
	b.Run("gzip-dc", func(b *testing.B) {
		cpu := -cpuTime(syscall.RUSAGE_CHILDREN)
		for b.Loop() {
			gz := exec.Command("sh", "-c", `find "$0" -name '*.json.gz' -print0 | xargs -0 cat | gzip -dc > /dev/null`, dir)
			if out, err := gz.CombinedOutput(); err != nil {
				b.Fatalf("gzip -dc: %v: %s", err, out)
			}
		}
		cpu += cpuTime(syscall.RUSAGE_CHILDREN)
		b.ReportMetric(b.Elapsed().Seconds()/float64(b.N), "s/op")
		b.ReportMetric(cpu.Seconds()/float64(b.N), "cpu-s/op")
	})
	l, err := NewLocal(dir)
	if err != nil {
		b.Fatal(err)
	}
	b.Run("store", func(b *testing.B) { ingestLocal(b, l, true) })
	b.Run("count", func(b *testing.B) { ingestLocal(b, l, false) })
}

// ingestLocal reads l fully, into a model.Store or only counting events.
func ingestLocal(b *testing.B, l *Local, keep bool) {
	var store *model.Store
	events := 0
	cpu := -cpuTime(syscall.RUSAGE_SELF)
	for b.Loop() {
		store, events = model.NewStore(), 0
		eachPage(b, l, source.Query{}, func(p []model.Event) {
			events += len(p)
			if keep {
				store.Add(p)
			}
		})
	}
	b.StopTimer()
	cpu += cpuTime(syscall.RUSAGE_SELF)
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	b.ReportMetric(b.Elapsed().Seconds()/float64(b.N), "s/op")
	b.ReportMetric(cpu.Seconds()/float64(b.N), "cpu-s/op")
	b.ReportMetric(float64(events), "events")
	b.ReportMetric(float64(ms.HeapInuse)/(1<<20), "MiB-heap")
	runtime.KeepAlive(store)
}

// benchArchive returns the archive folder named by LAZYTRAIL_BENCH_ARCHIVE,
// skipping the benchmark when it is not set.
func benchArchive(b *testing.B) string {
	dir := os.Getenv("LAZYTRAIL_BENCH_ARCHIVE")
	if dir == "" {
		b.Skip("set LAZYTRAIL_BENCH_ARCHIVE to an archive folder")
	}
	return dir
}

// eachPage reads what src holds for q and hands each page's events to fn,
// failing the benchmark on any error.
func eachPage(b *testing.B, src source.Source, q source.Query, fn func([]model.Event)) {
	c, err := src.Open(context.Background(), q)
	if err != nil {
		b.Fatal(err)
	}
	defer c.Close()
	for {
		p, err := c.Next(context.Background())
		if err != nil && !errors.Is(err, io.EOF) {
			b.Fatal(err)
		}
		fn(p.Events)
		if err != nil {
			return
		}
	}
}

// cpuTime returns the user and system CPU time used by who.
func cpuTime(who int) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(who, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
