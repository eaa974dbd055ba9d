package model

import "time"

// RowID is the stable id of an event inside a Store: it never changes once
// the event is added, whatever arrives later.
type RowID uint32

// UserCount is one caller and how many events the store holds for it.
type UserCount struct {
	Who   string
	Count int
}

// Store holds events compactly, deduplicated by eventID and ordered newest
// first, and answers filters over them. It is not safe for concurrent use.
type Store struct {
	version uint64
}

// NewStore returns an empty store.
func NewStore() *Store { return &Store{} }

// Add adds a page of events, skipping those whose eventID the store already
// holds, and returns how many it added. It does not retain events.
func (s *Store) Add(events []Event) (added int) { return 0 }

// Len returns the number of events held.
func (s *Store) Len() int { return 0 }

// Version changes whenever Add adds events.
func (s *Store) Version() uint64 { return s.version }

// Select returns the events f matches, newest first. A nil f matches all.
func (s *Store) Select(f *Filter) *Selection { return &Selection{s: s} }

// Users returns each caller with its event count, most events first.
func (s *Store) Users() []UserCount { return nil }

// Span returns the times of the oldest and the newest event held.
func (s *Store) Span() (oldest, newest time.Time) { return }
