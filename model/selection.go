package model

import (
	"bytes"
	"net/netip"
	"slices"
	"sort"
	"strings"
	"time"
	"unicode/utf8"
	"unsafe"
)

// Selection is the result of Store.Select: row ids, newest first. It is a
// snapshot: events added to the store later are not in it, but it stays
// valid as the store grows.
type Selection struct {
	s    *Store
	rows []RowID
}

// Select returns the events f matches, newest first. A nil or empty f
// selects everything.
//
// Each term's predicate runs once per distinct value, not per event: terms
// on low-cardinality fields are decided per shape, the others are memoized
// per symbol; the time range is found by binary search, so only the rows
// inside it are scanned.
func (s *Store) Select(f *Filter) *Selection {
	ord := s.order()
	if f.Empty() {
		return &Selection{s: s, rows: slices.Clone(ord)}
	}
	lo := sort.Search(len(ord), func(i int) bool { return s.row(ord[i]).time <= f.hi })
	hi := lo + sort.Search(len(ord)-lo, func(i int) bool { return s.row(ord[lo+i]).time < f.lo })
	m := s.newMatcher(f)
	var rows []RowID
	for _, id := range ord[lo:hi] {
		if m.match(s.row(id)) {
			rows = append(rows, id)
		}
	}
	return &Selection{s: s, rows: rows}
}

// matcher evaluates a filter over rows.
type matcher struct {
	s       *Store
	shapeOK []bool // the shape passes every term decided per shape
	row     []rowTerm
}

// rowTerm is a term decided per row.
type rowTerm struct {
	t        *term
	col      *memo  // the row's symbol in t.col (user, ip, id, accesskey)
	arn, typ *memo  // resource symbols (resource, free text)
	who, ip  *memo  // free text
	shapeHit []bool // free text: the shape's name or source matches
}

// memo caches a term's verdict per symbol of one column.
type memo struct {
	t     *term
	st    *symtab
	state []uint8 // 0 unknown, 1 match, 2 no match
	buf   []byte
	low   []byte
	// noIPv4: the term cannot match a string of only digits and dots, so
	// packed IPv4 symbols need not be decoded.
	noIPv4 bool
	// packed, when set, decides the term on packed symbols.
	packed *packedRule
}

// packedRule decides a term on packed entries without decoding them. A
// packed entry holds a canonical UUID or IPv4 address, so an exact value
// matches it only if the value packs to the same payload (upper- and
// lower-case UUIDs lower-case alike), and a CIDR needs only the address.
type packedRule struct {
	exact [][]byte // payloads of the exact values that pack
	cidrs []netip.Prefix
}

// newPackedRule returns the packed rule for t, or nil when t has a value
// (a pattern, a prefix) that needs the string.
func newPackedRule(t *term) *packedRule {
	if t.mode != modeWhole && t.mode != modeIP {
		return nil
	}
	r := &packedRule{}
	for _, v := range t.vals {
		switch {
		case v.glob != nil || v.prefix:
			return nil
		case v.cidr.IsValid():
			r.cidrs = append(r.cidrs, v.cidr)
		default:
			if e, ok := pack(nil, v.low); ok {
				r.exact = append(r.exact, e[1:])
			}
		}
	}
	return r
}

// match reports whether the term matches the packed entry e.
func (r *packedRule) match(e []byte) bool {
	payload := e[1:] // a packed entry's header is one byte
	for _, p := range r.exact {
		if bytes.Equal(p, payload) {
			return true
		}
	}
	if e[0]&3 == kindIPv4 {
		a := netip.AddrFrom4([4]byte(payload))
		for _, c := range r.cidrs {
			if c.Contains(a) {
				return true
			}
		}
	}
	return false
}

// lower returns strings.ToLower(s), without allocating when s is ASCII:
// the result is then valid until the next call.
func (m *memo) lower(s string) string {
	m.low = append(m.low[:0], s...)
	var seen byte // every bit set in s, to tell ASCII
	for i, c := range m.low {
		seen |= c
		m.low[i] = asciiLower[c]
	}
	if seen >= utf8.RuneSelf {
		return strings.ToLower(s)
	}
	return unsafe.String(unsafe.SliceData(m.low), len(m.low))
}

// asciiLower maps each byte to its lower case in ASCII.
var asciiLower = func() (t [256]byte) {
	for i := range t {
		t[i] = lowerASCII(byte(i))
	}
	return t
}()

func newMemo(t *term, st *symtab) *memo {
	return &memo{t: t, st: st, state: make([]uint8, st.len())}
}

func (m *memo) hit(sym uint32) bool {
	switch m.state[sym] {
	case 1:
		return true
	case 2:
		return false
	}
	var ok bool
	switch kind := m.st.kind(sym); {
	case kind != kindPlain && m.packed != nil:
		ok = m.packed.match(m.st.a.entry(m.st.refs[sym]))
	case kind == kindIPv4 && m.noIPv4:
	case kind != kindPlain:
		// Packed UUIDs and addresses decode in lower case already.
		m.buf = decodeCase(m.buf[:0], m.st.a.entry(m.st.refs[sym]), true)
		v := unsafe.String(unsafe.SliceData(m.buf), len(m.buf))
		ok = m.t.matchLower(v, v)
	case m.t.mode == modeFree: // fuzzy matching folds case itself
		v := m.st.view(sym, &m.buf)
		ok = m.t.matchLower(v, v)
	default:
		v := m.st.view(sym, &m.buf)
		ok = m.t.matchLower(v, m.lower(v))
	}
	m.state[sym] = 2
	if ok {
		m.state[sym] = 1
	}
	return ok
}

func (s *Store) newMatcher(f *Filter) *matcher {
	m := &matcher{s: s, shapeOK: make([]bool, len(s.shapes))}
	var perShape []*term
	for i := range f.terms {
		t := &f.terms[i]
		switch {
		case t.mode == modeTime:
		case t.mode == modeResource:
			m.row = append(m.row, rowTerm{t: t, arn: newMemo(t, s.syms[colARN]), typ: newMemo(t, s.syms[colResType])})
		case t.mode == modeFree:
			rt := rowTerm{t: t, arn: newMemo(t, s.syms[colARN]), who: newMemo(t, s.syms[colWho]),
				ip: newMemo(t, s.syms[colIP]), shapeHit: make([]bool, len(s.shapes))}
			// Fuzzy matching needs every rune of the word in the string, and
			// digits and dots have no other case.
			rt.ip.noIPv4 = strings.Trim(t.Values[0], "0123456789.") != ""
			name, source := newMemo(t, s.syms[colName]), newMemo(t, s.syms[colSource])
			for i, sh := range s.shapes {
				rt.shapeHit[i] = name.hit(sh.sym[colName]) || source.hit(sh.sym[colSource])
			}
			m.row = append(m.row, rt)
		case t.mode == modeReadOnly || t.col < nShapeCols:
			perShape = append(perShape, t)
		default:
			rt := rowTerm{t: t, col: newMemo(t, s.syms[t.col])}
			rt.col.packed = newPackedRule(t)
			m.row = append(m.row, rt)
		}
	}
	memos := make([]*memo, len(perShape))
	for i, t := range perShape {
		if t.mode != modeReadOnly {
			memos[i] = newMemo(t, s.syms[t.col])
		}
	}
	for i, sh := range s.shapes {
		ok := true
		for j, t := range perShape {
			var hit bool
			if t.mode == modeReadOnly {
				hit = t.matchReadOnly(sh.readOnly)
			} else {
				hit = memos[j].hit(sh.sym[t.col])
			}
			if hit == t.Negated {
				ok = false
				break
			}
		}
		m.shapeOK[i] = ok
	}
	return m
}

// match reports whether r passes every term.
func (m *matcher) match(r *row) bool {
	if !m.shapeOK[r.shape] {
		return false
	}
	for i := range m.row {
		rt := &m.row[i]
		if rt.hit(m.s, r) == rt.t.Negated {
			return false
		}
	}
	return true
}

// hit reports whether r has a field the term matches, before negation.
func (rt *rowTerm) hit(s *Store, r *row) bool {
	switch rt.t.mode {
	case modeResource:
		res := s.resources(r)
		for i := 0; i < len(res); i += 2 {
			if rt.arn.hit(res[i]) || rt.typ.hit(res[i+1]) {
				return true
			}
		}
		return false
	case modeFree:
		if rt.shapeHit[r.shape] || rt.who.hit(r.who) || rt.ip.hit(r.ip) {
			return true
		}
		res := s.resources(r)
		for i := 0; i < len(res); i += 2 {
			if rt.arn.hit(res[i]) {
				return true
			}
		}
		return false
	}
	var sym uint32
	switch rt.t.col {
	case colWho:
		sym = r.who
	case colID:
		sym = r.id
	case colIP:
		sym = r.ip
	case colKey:
		sym = r.key
	}
	return rt.col.hit(sym)
}

// Len returns the number of events selected; 0 for a nil Selection.
func (sel *Selection) Len() int {
	if sel == nil {
		return 0
	}
	return len(sel.rows)
}

// Event materializes the i-th selected event (0 <= i < Len()); i = 0 is the
// newest. Inline raw bytes are shared with the store and must not be
// modified.
func (sel *Selection) Event(i int) Event { return sel.s.event(sel.rows[i]) }

// Row returns the stable id of the i-th selected event.
func (sel *Selection) Row(i int) RowID { return sel.rows[i] }

// Index returns the position of row id in the selection and true if it is
// there, or false (and the position it would have, for a row of the store).
func (sel *Selection) Index(id RowID) (int, bool) {
	if int(id) >= sel.s.n {
		return 0, false
	}
	i := sort.Search(len(sel.rows), func(i int) bool { return sel.s.compare(sel.rows[i], id) >= 0 })
	return i, i < len(sel.rows) && sel.rows[i] == id
}

// Histogram counts the selected events in buckets equal slices of
// [from, to), oldest first; events outside the range are not counted.
func (sel *Selection) Histogram(buckets int, from, to time.Time) []int {
	if buckets <= 0 || !to.After(from) {
		return nil
	}
	counts := make([]int, buckets)
	lo, hi := nanos(from), nanos(to)
	span := float64(hi) - float64(lo)
	for _, id := range sel.rows {
		t := sel.s.row(id).time
		if t < lo || t >= hi {
			continue
		}
		b := int((float64(t) - float64(lo)) / span * float64(buckets))
		counts[min(b, buckets-1)]++
	}
	return counts
}
