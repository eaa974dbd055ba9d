package lookup

import (
	"encoding/json"
	"os"
	"os/exec"
	"strconv"
	"testing"
	"time"

	"github.com/lazytrail/lazytrail/source/emulator"
	"github.com/lazytrail/lazytrail/source/emulator/emulatortest"
)

// BenchmarkLoad5000 scans 5,000 seeded events from an emulator that
// throttles at AWS's 2 requests/s per account and region, in one region and
// split over two regions, and then times `aws cloudtrail lookup-events`
// fetching the same events from the same emulator. It takes minutes: run it
// with -benchtime 1x.
func BenchmarkLoad5000(b *testing.B) {
	if testing.Short() {
		b.Skip("minutes long: paced at 2 requests/s")
	}
	for _, bc := range []struct {
		name    string
		regions []string
	}{
		{"1region", []string{"us-east-1"}},
		{"2regions", []string{"us-east-1", "eu-west-1"}},
	} {
		b.Run(bc.name, func(b *testing.B) {
			for b.Loop() {
				b.StopTimer()
				srv, endpoint := emulatortest.Start(b, emulator.Config{})
				per := 5000 / len(bc.regions)
				for _, r := range bc.regions {
					seed(srv, series(r, per, 3*time.Second))
				}
				src := newSource(b, endpoint, bc.regions, 0)
				b.StartTimer()

				start := time.Now()
				cur := mustOpen(b, src, seededQuery())
				got, progress := readAll(b, cur)
				wall := time.Since(start)

				b.StopTimer()
				if len(got) != 5000 {
					b.Fatalf("got %d events, want 5000", len(got))
				}
				b.ReportMetric(wall.Seconds(), "s/scan")
				b.ReportMetric(float64(progress.Requests), "requests")
				for _, r := range cur.(*Cursor).Regions() {
					b.ReportMetric(float64(r.Requests)/wall.Seconds(), "req/s-"+r.Region)
					b.ReportMetric(float64(r.Pages), "pages-"+r.Region)
					b.ReportMetric(float64(r.Throttled), "throttled-"+r.Region)
				}
				if bc.name == "1region" {
					b.ReportMetric(awsCLISeconds(b, endpoint), "s/aws-cli")
				}
				b.StartTimer()
			}
		})
	}
}

// awsCLISeconds times the AWS CLI paging through the seeded events of
// us-east-1 on endpoint, or reports 0 when the CLI is not installed.
func awsCLISeconds(b *testing.B, endpoint string) float64 {
	aws, err := exec.LookPath("aws")
	if err != nil {
		b.Log("aws CLI not installed: not timed")
		return 0
	}
	q := seededQuery()
	cmd := exec.Command(aws, "cloudtrail", "lookup-events", "--region", "us-east-1", "--endpoint-url", endpoint,
		"--start-time", strconv.FormatInt(q.Start.Unix(), 10), "--end-time", strconv.FormatInt(q.End.Unix(), 10),
		"--output", "json")
	cmd.Env = append(os.Environ(), "AWS_PAGER=")
	cmd.Stderr = os.Stderr
	start := time.Now()
	out, err := cmd.Output()
	wall := time.Since(start)
	if err != nil {
		b.Fatalf("aws cloudtrail lookup-events: %v", err)
	}
	var res struct{ Events []json.RawMessage }
	if err := json.Unmarshal(out, &res); err != nil {
		b.Fatalf("aws cloudtrail lookup-events output: %v", err)
	}
	if len(res.Events) != 5000 {
		b.Fatalf("aws cloudtrail lookup-events returned %d events, want 5000", len(res.Events))
	}
	return wall.Seconds()
}
