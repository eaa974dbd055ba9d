package model

import (
	"reflect"
	"slices"
	"testing"
)

// selected returns every event of sel, in order.
func selected(sel *Selection) []Event {
	out := make([]Event, sel.Len())
	for i := range out {
		out[i] = sel.Event(i)
	}
	return out
}

// newestFirst sorts events as the store must: newest first, ties in the
// order they were added.
func newestFirst(events []Event) []Event {
	out := slices.Clone(events)
	slices.SortStableFunc(out, func(a, b Event) int { return b.Time.Compare(a.Time) })
	return out
}

func TestStoreRoundTrip(t *testing.T) {
	g := newSynth(1)
	events := g.page(3000)
	s := NewStore()
	for p := range slices.Chunk(events, 125) {
		s.Add(p)
	}
	if s.Len() != len(events) {
		t.Fatalf("Len = %d, want %d", s.Len(), len(events))
	}
	got := selected(s.Select(nil))
	for i, want := range newestFirst(events) {
		if !reflect.DeepEqual(got[i], want) {
			t.Fatalf("event %d:\n got %+v\nwant %+v", i, got[i], want)
		}
	}
}
