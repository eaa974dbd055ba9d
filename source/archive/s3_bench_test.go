package archive

import (
	"io/fs"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/lazytrail/lazytrail/model"
	"github.com/lazytrail/lazytrail/source"
)

// BenchmarkS3Ingest uploads the archive named by LAZYTRAIL_BENCH_ARCHIVE
// (e.g. gen_archive.py /tmp/big --events 1000000 --days 7 --regions 4) to an
// in-process emulator's S3 and, in the same run, ingests all of it into a
// model.Store through S3 and from the local files, reporting the wall time
// and the CPU time of the process (client and in-process server) of each.
// It also reads one hour of it through S3 and reports the list and get
// requests that took.
func BenchmarkS3Ingest(b *testing.B) {
	dir := benchArchive(b)
	f := newTestS3(b, "trail")
	var oldest, newest time.Time
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		body, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(dir, path)
		if err != nil {
			return err
		}
		f.put(b, "trail", filepath.ToSlash(rel), body)
		if t, ok := timeFromName(d.Name()); ok {
			if oldest.IsZero() || t.Before(oldest) {
				oldest = t
			}
			if t.After(newest) {
				newest = t
			}
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	all := source.Query{Start: oldest.Add(-time.Hour), End: newest}
	local, err := NewLocal(dir)
	if err != nil {
		b.Fatal(err)
	}

	var s3Time, localTime, s3CPU, localCPU time.Duration
	var s3Events, localEvents int
	b.ResetTimer()
	for b.Loop() {
		f.reset()
		start, cpu := time.Now(), cpuTime(syscall.RUSAGE_SELF)
		s3Events = ingest(b, NewS3(f.client, S3Location{Bucket: "trail"}, S3Options{}), all)
		s3Time += time.Since(start)
		s3CPU += cpuTime(syscall.RUSAGE_SELF) - cpu
		start, cpu = time.Now(), cpuTime(syscall.RUSAGE_SELF)
		localEvents = ingest(b, local, all)
		localTime += time.Since(start)
		localCPU += cpuTime(syscall.RUSAGE_SELF) - cpu
	}
	b.StopTimer()
	lists, gets := f.counts()
	b.ReportMetric(s3Time.Seconds()/float64(b.N), "s/ingest-s3")
	b.ReportMetric(localTime.Seconds()/float64(b.N), "s/ingest-local")
	b.ReportMetric(s3CPU.Seconds()/float64(b.N), "cpu-s/ingest-s3")
	b.ReportMetric(localCPU.Seconds()/float64(b.N), "cpu-s/ingest-local")
	b.ReportMetric(float64(s3Events), "events-s3")
	b.ReportMetric(float64(localEvents), "events-local")
	b.ReportMetric(float64(lists), "lists-all")
	b.ReportMetric(float64(gets), "gets-all")

	f.reset()
	hour := source.Query{Start: newest.Add(-30 * time.Hour), End: newest.Add(-29 * time.Hour)}
	ingest(b, NewS3(f.client, S3Location{Bucket: "trail"}, S3Options{}), hour)
	lists, gets = f.counts()
	b.ReportMetric(float64(lists), "lists-1h")
	b.ReportMetric(float64(gets), "gets-1h")
}

// ingest reads what src holds for q into a store and returns its size.
func ingest(b *testing.B, src source.Source, q source.Query) int {
	store := model.NewStore()
	eachPage(b, src, q, func(p []model.Event) { store.Add(p) })
	return store.Len()
}
