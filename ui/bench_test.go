package ui

import (
	"fmt"
	"testing"
	"time"

	"github.com/lazytrail/lazytrail/model"
)

// millionStore builds a store of n synthetic events in pages, the way a
// load fills it.
func millionStore(b *testing.B, n int) *model.Store {
	b.Helper()
	users := []string{"alice", "bob", "carol", "deploy-bot/session-1", "ci-runner/build-7", "root", "ec2.amazonaws.com"}
	names := []string{"RunInstances", "DescribeInstances", "PutObject", "AssumeRole", "CreateUser", "Decrypt"}
	sources := []string{"ec2.amazonaws.com", "ec2.amazonaws.com", "s3.amazonaws.com", "sts.amazonaws.com", "iam.amazonaws.com", "kms.amazonaws.com"}
	regions := []string{"us-east-1", "us-west-2", "eu-west-1", "ap-southeast-2"}
	s := model.NewStore()
	start := time.Date(2026, 11, 20, 0, 0, 0, 0, time.UTC)
	page := make([]model.Event, 0, 1000)
	for i := range n {
		c := i % len(names)
		ev := model.Event{
			ID:       fmt.Sprintf("%08x-0000-4000-8000-%012x", i, i),
			Time:     start.Add(-time.Duration(i) * 250 * time.Millisecond),
			Name:     names[c],
			Source:   sources[c],
			Region:   regions[i%len(regions)],
			SourceIP: fmt.Sprintf("10.%d.%d.%d", i>>16&255, i>>8&255, i&255),
			Who:      users[i%len(users)],
		}
		if i%17 == 0 {
			ev.ErrorCode = "AccessDenied"
		}
		page = append(page, ev)
		if len(page) == cap(page) {
			s.Add(page)
			page = page[:0]
		}
	}
	s.Add(page)
	return s
}

// BenchmarkView measures one frame of the table at a million events; it
// must stay well under 2 ms and not grow with the number of events.
func BenchmarkView(b *testing.B) {
	store := millionStore(b, 1_000_000)
	for _, sz := range sizes {
		b.Run(fmt.Sprintf("%dx%d", sz.w, sz.h), func(b *testing.B) {
			m := newTestModel(&sliceSource{}, Options{}, sz.w, sz.h)
			m.store = store
			m.reselect(true)
			m.table.move(500_000)
			if m.sel.Len() != 1_000_000 {
				b.Fatalf("selection holds %d events", m.sel.Len())
			}
			b.ResetTimer()
			for b.Loop() {
				_ = m.View()
			}
		})
	}
}

// BenchmarkFilterKeystroke measures what one key typed in the filter bar
// costs at a million events: parsing, selecting and keeping the cursor.
func BenchmarkFilterKeystroke(b *testing.B) {
	store := millionStore(b, 1_000_000)
	for _, q := range []string{"user:alice region:us-east-1", "runinst"} {
		b.Run(q, func(b *testing.B) {
			m := newTestModel(&sliceSource{}, Options{}, 120, 40)
			m.store = store
			m.reselect(true)
			b.ResetTimer()
			for b.Loop() {
				m.applyQuery(q, true)
			}
		})
	}
}
