// Package source defines how lazytrail reads events: a Source opens a Cursor
// for a Query, and the cursor yields pages of model.Event until it is done.
// Adapters live in subpackages (archive, lookup, emulator); what they share
// (record decoding, the query shape) lives here.
package source

import (
	"context"
	"time"

	"github.com/lazytrail/lazytrail/model"
)

// AttributeKey names a LookupEvents lookup attribute.
type AttributeKey string

// The lookup attributes, in the order of selectivity a pushdown prefers.
const (
	AttrEventID      AttributeKey = "EventId"
	AttrAccessKeyID  AttributeKey = "AccessKeyId"
	AttrUsername     AttributeKey = "Username"
	AttrResourceName AttributeKey = "ResourceName"
	AttrEventName    AttributeKey = "EventName"
	AttrResourceType AttributeKey = "ResourceType"
	AttrEventSource  AttributeKey = "EventSource"
	AttrReadOnly     AttributeKey = "ReadOnly"
)

// Attribute is one lookup attribute pushed to the server.
type Attribute struct {
	Key   AttributeKey
	Value string
}

// Query is what a reader asks of a source.
type Query struct {
	// Start and End bound eventTime, both inclusive; zero means unbounded.
	Start, End time.Time
	// Attribute is pushed to the server by sources that can; nil means none.
	// Sources that cannot push it ignore it: the store filters locally anyway.
	Attribute *Attribute
	// Insights asks for Insights events instead of management events.
	Insights bool
}

// Problem is damaged or unreadable input that was skipped: the file, object
// or region it affected, and why.
type Problem struct {
	Where string
	Err   error
}

func (p Problem) Error() string { return p.Where + ": " + p.Err.Error() }

// Progress says how far a cursor has come.
type Progress struct {
	UnitsDone, UnitsTotal int   // files, objects or requests; UnitsTotal is 0 when unknown
	Bytes                 int64 // bytes read so far
	Events                int   // events yielded so far
	// Reached is the oldest eventTime covered so far (how far back a
	// newest-first scan has come); zero when unknown.
	Reached time.Time
	// Requests counts calls made to a remote service, when there is one.
	Requests int
}

// Page is one batch of results from a cursor.
type Page struct {
	Events   []model.Event
	Problems []Problem
	Progress Progress
}

// Source is where events come from.
type Source interface {
	// Name describes the source for the status bar ("archive ./logs",
	// "emulator http://127.0.0.1:4599", "us-east-1,eu-west-1").
	Name() string
	// Open starts reading the events q selects.
	Open(ctx context.Context, q Query) (Cursor, error)
}

// Cursor yields pages of events. Next is called by one goroutine at a time.
type Cursor interface {
	// Next returns the next page. It returns io.EOF, with a final (possibly
	// empty) page, when no more events remain. It returns ctx.Err() promptly
	// when ctx is cancelled; a later call with a live context resumes where
	// the cursor stopped.
	Next(ctx context.Context) (Page, error)
	// Close releases the cursor's resources.
	Close() error
}

// Follower is a Source that can also wait for events as they arrive, as the
// live LookupEvents source can. Front ends find it with a type assertion.
type Follower interface {
	// Follow returns a cursor whose Next blocks until events newer than
	// since arrive and returns them newest first, each event once; it never
	// returns io.EOF. It polls every every; q's attribute and category
	// apply, its Start and End do not.
	Follow(q Query, since time.Time, every time.Duration) Cursor
}
