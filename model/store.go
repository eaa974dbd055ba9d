package model

import (
	"cmp"
	"hash/maphash"
	"math"
	"reflect"
	"slices"
	"sort"
	"time"
)

// RowID is the stable id of an event inside a Store: it never changes once
// the event is added, whatever arrives later.
type RowID uint32

// UserCount is one caller and how many events the store holds for it.
type UserCount struct {
	Who   string
	Count int
}

// column names a string column of an event; each has its own symbol table.
type column uint8

// The fields up to nShapeCols have low cardinality and are combined into
// a shape per event; the others are kept per row.
const (
	colName column = iota
	colSource
	colRegion
	colErrCode
	colAccount
	colAgent
	colType
	colCategory
	colIdentity
	nShapeCols
)

const (
	colWho column = nShapeCols + iota
	colID
	colIP
	colKey
	colErrMsg
	colARN
	colResType
	nCols
)

// shape is the combination of low-cardinality values an event has. Events
// share shapes, so filters on these fields are evaluated once per shape.
type shape struct {
	sym      [nShapeCols]uint32
	readOnly ReadOnly
	insight  bool
}

// row is what the store keeps of one event (48 bytes).
type row struct {
	time                     int64 // eventTime, see nanos
	shape                    uint32
	id, who, ip, key, errMsg uint32 // symbols
	res                      uint32 // offset of the resource list in Store.res; 0 = none
	blob                     uint32 // index in Store.blobs; 0 = no raw record
	off, n                   uint32 // raw record location; see Store.bigLoc
}

const (
	shapeCacheBits = 15
	rowBits        = 14
	rowChunkSize   = 1 << rowBits
	rawChunkSize   = 1 << 20
)

// blobEntry is a distinct Blob, or a chunk of raw record bytes kept inline.
type blobEntry struct {
	blob Blob
	raw  []byte
}

// Store holds events compactly, deduplicated by eventID and ordered newest
// first, and answers filters over them.
//
// Strings are interned into per-column symbol tables over one byte arena;
// low-cardinality fields are combined into shapes; the raw record is kept
// as a location in a table of distinct blobs, or inline in raw chunks. The
// Event structs passed to Add are not retained; of their low-cardinality
// strings, a few hundred per field are kept as keys of caches.
//
// A Store is not safe for concurrent use; Selections read it, so they must
// be used from the goroutine that calls Add.
type Store struct {
	arena   arena
	syms    [nCols]*symtab
	shapes  []shape
	shapeOf map[shape]uint32
	rows    [][]row
	n       int
	// order holds the row ids sorted newest first; it is buf[head:], with
	// room before head so that pages newer than everything are cheap too.
	buf     []RowID
	head    int
	res     []uint32 // resource lists: count, then ARN and type symbols per resource
	blobs   []blobEntry
	blobIdx map[Blob]uint32
	// lastBlob is the comparable blob blobIndex found last, at index
	// lastBlobIdx: consecutive events mostly come from one blob.
	lastBlob    Blob
	lastBlobIdx uint32
	// shapeCache holds shape ids plus one by a hash of the shape, checked
	// before shapeOf.
	shapeCache [1 << shapeCacheBits]uint32
	rawChunk   int              // index in blobs of the raw chunk being filled; 0 = none
	bigLoc     map[RowID][2]int // raw locations that do not fit in uint32
	users      []int            // events per who symbol
	version    uint64
	full       bool
}

// NewStore returns an empty store.
func NewStore() *Store {
	s := &Store{
		shapeOf: make(map[shape]uint32),
		res:     make([]uint32, 1),
		blobs:   make([]blobEntry, 1),
		blobIdx: make(map[Blob]uint32),
		bigLoc:  make(map[RowID][2]int),
	}
	seed := maphash.MakeSeed()
	for f := range s.syms {
		// eventIDs need exact dedupe, and users exact counts; source IPs
		// and access keys are mostly unique or repeat in runs.
		exact := f != int(colIP) && f != int(colKey)
		s.syms[f] = newSymtab(&s.arena, seed, exact, f == int(colID) || f == int(colIP))
		if f < int(nShapeCols) || f == int(colWho) || f == int(colResType) {
			// A Parser shares the strings of these fields across records.
			s.syms[f].byRef = new([1 << refBits]refSym)
		}
	}
	return s
}

// Add adds a page of events, skipping those whose eventID the store already
// holds (events without an ID are always added), and returns how many it
// added. An event's raw record is kept as its inline Raw bytes (copied) or
// else as its Blob location. Pages may arrive in any order; the common case,
// a page older than everything held, costs only the page itself.
//
// The store holds at most 4 GiB of distinct strings and 16,777,215 distinct
// values per field (so as many events with an ID) and 2^32-1 events; once
// full, Add adds nothing more.
func (s *Store) Add(events []Event) (added int) {
	first := s.n
	for i := range events {
		if !s.add(&events[i]) {
			break
		}
	}
	if s.n == first {
		return 0
	}
	// Sort the new rows by their times, copied next to the ids, so that
	// comparisons do not look rows up.
	keys := make([]timedRow, s.n-first)
	for i := range keys {
		id := RowID(first + i)
		keys[i] = timedRow{s.row(id).time, id}
	}
	if !slices.IsSortedFunc(keys, byTimeDesc) {
		slices.SortFunc(keys, byTimeDesc)
	}
	page := make([]RowID, len(keys))
	for i, k := range keys {
		page[i] = k.id
	}
	s.insert(page)
	s.version++
	return len(page)
}

// add appends one event as a new row unless it is a duplicate. It returns
// false when the store is full.
func (s *Store) add(e *Event) bool {
	if s.full || s.n == math.MaxUint32 {
		return false
	}
	id, added, ok := s.syms[colID].intern(e.ID)
	if !ok {
		s.full = true
		return false
	}
	if e.ID != "" && !added {
		return true
	}
	r := row{id: id}
	var sh shape
	strs := [nShapeCols]string{
		colName: e.Name, colSource: e.Source, colRegion: e.Region, colErrCode: e.ErrorCode, colAccount: e.Account,
		colAgent: e.UserAgent, colType: e.Type, colCategory: e.Category, colIdentity: e.IdentityType,
	}
	for f, v := range strs {
		sh.sym[f] = s.intern(column(f), v)
	}
	sh.readOnly, sh.insight = e.ReadOnly, e.Insight
	r.who = s.intern(colWho, e.Who)
	r.ip = s.intern(colIP, e.SourceIP)
	r.key = s.intern(colKey, e.AccessKeyID)
	r.errMsg = s.intern(colErrMsg, e.ErrorMessage)
	if len(e.Resources) > 0 && len(s.res) < math.MaxUint32-2*len(e.Resources) {
		r.res = uint32(len(s.res))
		s.res = append(s.res, uint32(len(e.Resources)))
		for _, rs := range e.Resources {
			s.res = append(s.res, s.intern(colARN, rs.ARN), s.intern(colResType, rs.Type))
		}
	}
	if s.full {
		return false
	}
	r.shape = s.shapeID(&sh)
	r.time = nanos(e.Time)
	s.locate(&r, e)
	for int(r.who) >= len(s.users) {
		s.users = append(s.users, 0)
	}
	s.users[r.who]++
	if s.n&(rowChunkSize-1) == 0 {
		s.rows = append(s.rows, make([]row, 0, rowChunkSize))
	}
	c := &s.rows[len(s.rows)-1]
	*c = append(*c, r)
	s.n++
	return true
}

// shapeID returns the id of sh, adding it if new.
func (s *Store) shapeID(sh *shape) uint32 {
	h := uint64(sh.readOnly)<<1 | uint64(b2u(sh.insight))
	for _, sym := range sh.sym {
		h = (h ^ uint64(sym)) * 0x9e3779b97f4a7c15
	}
	c := &s.shapeCache[h>>(64-shapeCacheBits)]
	if *c != 0 && s.shapes[*c-1] == *sh {
		return *c - 1
	}
	id, ok := s.shapeOf[*sh]
	if !ok {
		id = uint32(len(s.shapes))
		s.shapes = append(s.shapes, *sh)
		s.shapeOf[*sh] = id
	}
	*c = id + 1
	return id
}

func b2u(b bool) uint8 {
	if b {
		return 1
	}
	return 0
}

// intern returns the symbol of v in column f, noting when the arena is full.
func (s *Store) intern(f column, v string) uint32 {
	sym, _, ok := s.syms[f].intern(v)
	if !ok {
		s.full = true
	}
	return sym
}

// locate records where e's raw record is: inline bytes are copied into a
// raw chunk, a blob location is kept as an index into the distinct blobs.
func (s *Store) locate(r *row, e *Event) {
	off, n := e.RawOffset, e.RawLength
	switch {
	case e.Raw != nil:
		c := &s.blobs[s.rawChunk]
		if s.rawChunk == 0 || len(c.raw)+len(e.Raw) > cap(c.raw) {
			s.rawChunk = len(s.blobs)
			s.blobs = append(s.blobs, blobEntry{raw: make([]byte, 0, max(rawChunkSize, len(e.Raw)))})
			c = &s.blobs[s.rawChunk]
		}
		off, n = len(c.raw), len(e.Raw)
		c.raw = append(c.raw, e.Raw...)
		r.blob = uint32(s.rawChunk)
	case e.Blob != nil:
		r.blob = s.blobIndex(e.Blob)
	default:
		return
	}
	if off < 0 || n < 0 || off > math.MaxUint32 || n > math.MaxUint32 {
		s.bigLoc[RowID(s.n)] = [2]int{off, n}
		return
	}
	r.off, r.n = uint32(off), uint32(n)
}

// blobIndex returns the index of b in the blob table, adding it if new.
// Blobs whose dynamic value is not comparable get an entry per use.
func (s *Store) blobIndex(b Blob) uint32 {
	// lastBlob is comparable all the way down, so comparing it with any
	// value cannot panic.
	if s.lastBlob != nil && b == s.lastBlob {
		return s.lastBlobIdx
	}
	comparable := reflect.ValueOf(b).Comparable()
	if comparable {
		if i, ok := s.blobIdx[b]; ok {
			s.lastBlob, s.lastBlobIdx = b, i
			return i
		}
	}
	i := uint32(len(s.blobs))
	s.blobs = append(s.blobs, blobEntry{blob: b})
	if comparable {
		s.blobIdx[b] = i
		s.lastBlob, s.lastBlobIdx = b, i
	}
	return i
}

// minTime and maxTime bound the times a row can hold.
var (
	minTime = time.Unix(0, math.MinInt64+1)
	maxTime = time.Unix(0, math.MaxInt64)
)

// nanos maps t to the int64 a row keeps: Unix nanoseconds, clamped to the
// representable years 1678-2262; the zero time (or anything earlier) is
// math.MinInt64.
func nanos(t time.Time) int64 {
	switch {
	case t.Before(minTime):
		return math.MinInt64
	case t.After(maxTime):
		return math.MaxInt64
	}
	return t.UnixNano()
}

// timeOf is the inverse of nanos.
func timeOf(n int64) time.Time {
	if n == math.MinInt64 {
		return time.Time{}
	}
	return time.Unix(0, n).UTC()
}

func (s *Store) row(id RowID) *row { return &s.rows[id>>rowBits][id&(rowChunkSize-1)] }

// compare orders rows newest first, then in the order they were added.
func (s *Store) compare(a, b RowID) int {
	if c := cmp.Compare(s.row(b).time, s.row(a).time); c != 0 {
		return c
	}
	return cmp.Compare(a, b)
}

// timedRow is a row id with its time, to sort by.
type timedRow struct {
	time int64
	id   RowID
}

// byTimeDesc orders as compare does.
func byTimeDesc(a, b timedRow) int {
	if c := cmp.Compare(b.time, a.time); c != 0 {
		return c
	}
	return cmp.Compare(a.id, b.id)
}

// order returns the row ids newest first.
func (s *Store) order() []RowID { return s.buf[s.head:] }

// insert merges page, sorted and newer in id than every held row, into the
// order. Only the range of held rows the page overlaps is merged; the rows
// on the shorter side of it are moved to make room.
func (s *Store) insert(page []RowID) {
	ord := s.order()
	n, k := len(ord), len(page)
	newest, oldest := page[0], page[k-1]
	p := sort.Search(n, func(i int) bool { return s.compare(ord[i], newest) > 0 })
	q := p + sort.Search(n-p, func(i int) bool { return s.compare(ord[p+i], oldest) > 0 })
	merged := s.merge(ord[p:q], page)
	if p < n-q {
		if s.head < k {
			room := k + n/2 + 64
			buf := make([]RowID, room+n, room+n+n/4)
			copy(buf[room:], ord)
			s.buf, s.head = buf, room
		}
		copy(s.buf[s.head-k:], s.buf[s.head:s.head+p])
		s.head -= k
		copy(s.buf[s.head+p:], merged)
		return
	}
	s.buf = slices.Grow(s.buf, k)[:len(s.buf)+k]
	ord = s.order()
	copy(ord[q+k:], ord[q:n])
	copy(ord[p:], merged)
}

// merge returns the sorted union of two sorted runs of row ids.
func (s *Store) merge(a, b []RowID) []RowID {
	out := make([]RowID, 0, len(a)+len(b))
	for len(a) > 0 && len(b) > 0 {
		if s.compare(b[0], a[0]) < 0 {
			out, b = append(out, b[0]), b[1:]
		} else {
			out, a = append(out, a[0]), a[1:]
		}
	}
	return append(append(out, a...), b...)
}

// Len returns the number of events held.
func (s *Store) Len() int { return s.n }

// Version changes whenever Add adds events.
func (s *Store) Version() uint64 { return s.version }

// Users returns each caller with its event count, most events first, then
// by name. Events without a caller are not counted.
func (s *Store) Users() []UserCount {
	var out []UserCount
	for sym, n := range s.users {
		if sym != 0 && n > 0 {
			out = append(out, UserCount{Who: s.syms[colWho].str(uint32(sym)), Count: n})
		}
	}
	slices.SortFunc(out, func(a, b UserCount) int {
		if c := cmp.Compare(b.Count, a.Count); c != 0 {
			return c
		}
		return cmp.Compare(a.Who, b.Who)
	})
	return out
}

// Span returns the times of the oldest and the newest event held; both are
// zero when the store is empty.
func (s *Store) Span() (oldest, newest time.Time) {
	ord := s.order()
	if len(ord) == 0 {
		return time.Time{}, time.Time{}
	}
	return timeOf(s.row(ord[len(ord)-1]).time), timeOf(s.row(ord[0]).time)
}

// event materializes row id as an Event.
func (s *Store) event(id RowID) Event {
	r := s.row(id)
	sh := &s.shapes[r.shape]
	str := func(f column, sym uint32) string { return s.syms[f].str(sym) }
	e := Event{
		ID:           str(colID, r.id),
		Time:         timeOf(r.time),
		Name:         str(colName, sh.sym[colName]),
		Source:       str(colSource, sh.sym[colSource]),
		Region:       str(colRegion, sh.sym[colRegion]),
		SourceIP:     str(colIP, r.ip),
		UserAgent:    str(colAgent, sh.sym[colAgent]),
		ErrorCode:    str(colErrCode, sh.sym[colErrCode]),
		ErrorMessage: str(colErrMsg, r.errMsg),
		ReadOnly:     sh.readOnly,
		Type:         str(colType, sh.sym[colType]),
		Category:     str(colCategory, sh.sym[colCategory]),
		Account:      str(colAccount, sh.sym[colAccount]),
		AccessKeyID:  str(colKey, r.key),
		IdentityType: str(colIdentity, sh.sym[colIdentity]),
		Who:          str(colWho, r.who),
		Insight:      sh.insight,
	}
	if r.res != 0 {
		list := s.resources(r)
		e.Resources = make([]Resource, len(list)/2)
		for i := range e.Resources {
			e.Resources[i] = Resource{ARN: str(colARN, list[2*i]), Type: str(colResType, list[2*i+1])}
		}
	}
	if r.blob != 0 {
		off, n := int(r.off), int(r.n)
		if big, ok := s.bigLoc[id]; ok {
			off, n = big[0], big[1]
		}
		if b := s.blobs[r.blob]; b.raw != nil {
			e.Raw = b.raw[off : off+n : off+n]
		} else {
			e.Blob, e.RawOffset, e.RawLength = b.blob, off, n
		}
	}
	return e
}

// resources returns the ARN and type symbols of r's resources, in pairs.
func (s *Store) resources(r *row) []uint32 {
	if r.res == 0 {
		return nil
	}
	n := s.res[r.res]
	return s.res[r.res+1 : r.res+1+2*n]
}
