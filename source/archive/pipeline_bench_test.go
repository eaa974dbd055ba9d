package archive

import (
	"context"
	"errors"
	"io"
	"os"
	"syscall"
	"testing"

	"github.com/lazytrail/lazytrail/model"
	"github.com/lazytrail/lazytrail/source"
)

// BenchmarkArchiveStoreAdd times model.Store.Add alone over the events of
// the archive named by LAZYTRAIL_BENCH_ARCHIVE, read beforehand in the
// pages a cursor yields: the part of an ingest that runs on the reader's
// goroutine.
func BenchmarkArchiveStoreAdd(b *testing.B) {
	dir := os.Getenv("LAZYTRAIL_BENCH_ARCHIVE")
	if dir == "" {
		b.Skip("set LAZYTRAIL_BENCH_ARCHIVE to an archive folder")
	}
	l, err := NewLocal(dir)
	if err != nil {
		b.Fatal(err)
	}
	c, err := l.Open(context.Background(), source.Query{})
	if err != nil {
		b.Fatal(err)
	}
	var pages [][]model.Event
	events := 0
	for {
		p, err := c.Next(context.Background())
		if err != nil && !errors.Is(err, io.EOF) {
			b.Fatal(err)
		}
		pages, events = append(pages, p.Events), events+len(p.Events)
		if err != nil {
			break
		}
	}
	c.Close()
	cpu := -cpuTime(syscall.RUSAGE_SELF)
	for b.Loop() {
		s := model.NewStore()
		for _, p := range pages {
			s.Add(p)
		}
	}
	cpu += cpuTime(syscall.RUSAGE_SELF)
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(events), "ns/event")
	b.ReportMetric(float64(cpu.Nanoseconds())/float64(b.N)/float64(events), "cpu-ns/event")
}
