package archive

import (
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
	l, err := NewLocal(benchArchive(b))
	if err != nil {
		b.Fatal(err)
	}
	var pages [][]model.Event
	events := 0
	eachPage(b, l, source.Query{}, func(p []model.Event) {
		pages, events = append(pages, p), events+len(p)
	})
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
