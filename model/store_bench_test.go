//go:build unix

package model

import (
	"sync"
	"syscall"
	"testing"
	"time"
)

// cpuTime returns the CPU time the process has used. The machine these
// benchmarks run on is shared, so besides wall time they report CPU time.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// reportCPU reports the CPU time per op since start, per unit of what.
func reportCPU(b *testing.B, start time.Duration, per float64, unit string) {
	b.ReportMetric(float64((cpuTime()-start).Nanoseconds())/float64(b.N)/per, unit)
}

var (
	benchOnce  sync.Once
	benchStore *Store
)

// loaded returns a store holding benchEvents synthetic events, built once.
func loaded(tb testing.TB) *Store {
	benchOnce.Do(func() {
		benchStore = NewStore()
		fill(tb, benchStore, benchEvents)
	})
	return benchStore
}

// BenchmarkStoreAdd ingests benchEvents events, generated beforehand, in
// pages of benchPage, newest first.
func BenchmarkStoreAdd(b *testing.B) {
	g := newSynth(7)
	pages := make([][]Event, 0, benchEvents/benchPage)
	for range benchEvents / benchPage {
		pages = append(pages, g.page(benchPage))
	}
	b.ResetTimer()
	cpu := cpuTime()
	for b.Loop() {
		s := NewStore()
		for _, p := range pages {
			s.Add(p)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/benchEvents, "ns/event")
	reportCPU(b, cpu, benchEvents, "cpu-ns/event")
}

func benchSelect(b *testing.B, query string) {
	s := loaded(b)
	f, err := ParseFilter(query, time.Date(2026, 11, 20, 0, 0, 0, 0, time.UTC))
	if err != nil {
		b.Fatal(err)
	}
	var n int
	b.ResetTimer()
	cpu := cpuTime()
	for b.Loop() {
		n = s.Select(f).Len()
	}
	b.ReportMetric(float64(n), "matches")
	reportCPU(b, cpu, 1e6, "cpu-ms/op")
}

func BenchmarkSelectStructured(b *testing.B) { benchSelect(b, "user:alice region:us-east-1") }
func BenchmarkSelectFuzzy(b *testing.B)      { benchSelect(b, "runinst") }
func BenchmarkSelectAll(b *testing.B)        { benchSelect(b, "") }

// The worst structured cases: a predicate over a column with a distinct
// value per event.
func BenchmarkSelectAccessKey(b *testing.B) { benchSelect(b, "accesskey:AKIAB*") }
func BenchmarkSelectIDPattern(b *testing.B) { benchSelect(b, "id:0a*") }
func BenchmarkSelectID(b *testing.B) {
	benchSelect(b, "id:"+loaded(b).Select(nil).Event(benchEvents/2).ID)
}
func BenchmarkSelectIP(b *testing.B) { benchSelect(b, "ip:10.0.0.0/8") }

func BenchmarkStoreHeap(b *testing.B) {
	var per float64
	for b.Loop() {
		per = heapPerEvent(b)
	}
	b.ReportMetric(per, "heap-bytes/event")
}
