package model

import (
	"fmt"
	"time"
)

// FilterError is a query that could not be parsed: Pos is the byte offset of
// the problem in the query and Msg says what is wrong and what is allowed.
type FilterError struct {
	Pos int
	Msg string
}

func (e *FilterError) Error() string { return fmt.Sprintf("filter: at %d: %s", e.Pos, e.Msg) }

// Term is one parsed part of a query: key:value1,value2 (any value matches),
// negated with a leading '-'. Free text has Key "" and one value.
type Term struct {
	Key     string
	Values  []string
	Negated bool
}

// Filter is a parsed query. The zero or nil Filter matches every event.
type Filter struct {
	terms      []Term
	start, end time.Time
}

// ParseFilter parses a query; relative times (since:3h) count back from now.
// Errors are *FilterError.
func ParseFilter(q string, now time.Time) (*Filter, error) { return &Filter{}, nil }

// Match reports whether e satisfies every term of f.
func (f *Filter) Match(e *Event) bool { return true }

// String returns the canonical form of the query.
func (f *Filter) String() string { return "" }

// Empty reports whether f has no terms.
func (f *Filter) Empty() bool { return f == nil || len(f.terms) == 0 }

// TimeRange returns the since and until bounds; zero means unbounded.
func (f *Filter) TimeRange() (start, end time.Time) { return f.start, f.end }

// Terms returns the parsed terms in query order.
func (f *Filter) Terms() []Term { return f.terms }

// SetTerm rewrites query so that key has the single value value, replacing
// every existing term with that key; an empty value removes the key.
func SetTerm(query, key, value string) string { return query }
