package model

import (
	"bytes"
	"encoding/binary"
	"hash/maphash"
	"strconv"
	"unsafe"
)

// The store keeps every string in a chunked byte arena, each entry
// self-delimiting: a uvarint header (length<<2 | kind) and a payload. Two
// common shapes are packed: canonical UUIDs (eventIDs) in 16 bytes and
// dotted IPv4 addresses in 4. An entry is decoded back to exactly the
// string that was stored.
const (
	kindPlain     = 0 // payload is the string
	kindUUIDLower = 1 // payload is 16 bytes of a lower-case canonical UUID
	kindUUIDUpper = 2 // the same, upper case
	kindIPv4      = 3 // payload is 4 bytes of a dotted-decimal IPv4 address

	chunkBits = 18 // a reference is chunk<<chunkBits | offset
	chunkSize = 1 << chunkBits
	maxChunks = 1 << (32 - chunkBits)
)

// arena is append-only storage for encoded strings. Chunks are never moved,
// so a reference stays valid and views into it stay unchanged.
type arena struct {
	chunks [][]byte
}

// put stores an encoded entry and returns its reference; ok is false when
// the arena is full (4 GiB).
func (a *arena) put(entry []byte) (ref uint32, ok bool) {
	n := len(a.chunks)
	if n == 0 || len(a.chunks[n-1])+len(entry) > cap(a.chunks[n-1]) {
		if n == maxChunks {
			return 0, false
		}
		a.chunks = append(a.chunks, make([]byte, 0, max(chunkSize, len(entry))))
		n++
	}
	c := a.chunks[n-1]
	a.chunks[n-1] = append(c, entry...)
	return uint32(n-1)<<chunkBits | uint32(len(c)), true
}

// entry returns the bytes of the entry at ref.
func (a *arena) entry(ref uint32) []byte {
	c := a.chunks[ref>>chunkBits]
	e := c[ref&(chunkSize-1):]
	return e[:entrySize(e)]
}

// entrySize returns the length of the entry at the start of e.
func entrySize(e []byte) int {
	h, n := binary.Uvarint(e)
	switch h & 3 {
	case kindUUIDLower, kindUUIDUpper:
		return n + 16
	case kindIPv4:
		return n + 4
	}
	return n + int(h>>2)
}

// plain appends the plain entry for s to dst.
func plain(dst []byte, s string) []byte {
	dst = binary.AppendUvarint(dst, uint64(len(s))<<2|kindPlain)
	return append(dst, s...)
}

// pack appends the packed entry for s to dst, if s has a packed form.
func pack(dst []byte, s string) ([]byte, bool) {
	if u, kind, ok := parseUUID(s); ok {
		dst = binary.AppendUvarint(dst, uint64(kind))
		return append(dst, u[:]...), true
	}
	if ip, ok := parseIPv4(s); ok {
		dst = binary.AppendUvarint(dst, kindIPv4)
		return append(dst, ip[:]...), true
	}
	return dst, false
}

// decode appends the string held by entry e to dst.
func decode(dst, e []byte) []byte { return decodeCase(dst, e, false) }

// decodeCase is decode; with lower, UUIDs are written in lower case
// whatever their case was.
func decodeCase(dst, e []byte, lower bool) []byte {
	h, n := binary.Uvarint(e)
	p := e[n:]
	switch h & 3 {
	case kindUUIDLower, kindUUIDUpper:
		digits := "0123456789abcdef"
		if h&3 == kindUUIDUpper && !lower {
			digits = "0123456789ABCDEF"
		}
		for i, b := range p[:16] {
			if i == 4 || i == 6 || i == 8 || i == 10 {
				dst = append(dst, '-')
			}
			dst = append(dst, digits[b>>4], digits[b&15])
		}
		return dst
	case kindIPv4:
		for i, b := range p[:4] {
			if i > 0 {
				dst = append(dst, '.')
			}
			dst = strconv.AppendUint(dst, uint64(b), 10)
		}
		return dst
	}
	return append(dst, p[:h>>2]...)
}

// hexValue maps a hex digit to its value, with its kind in bits 4 and 5:
// 1 for a digit, 2 for a lower-case letter, 3 for an upper-case one; 0 for
// anything else.
var hexValue = func() (t [256]uint8) {
	for c := '0'; c <= '9'; c++ {
		t[c] = uint8(c-'0') | 1<<4
	}
	for c := 'a'; c <= 'f'; c++ {
		t[c] = uint8(c-'a'+10) | 2<<4
		t[c-'a'+'A'] = uint8(c-'a'+10) | 3<<4
	}
	return t
}()

// uuidDigits holds where the two hex digits of each byte of a canonical
// UUID start.
var uuidDigits = [16]uint8{0, 2, 4, 6, 9, 11, 14, 16, 19, 21, 24, 26, 28, 30, 32, 34}

// parseUUID parses a canonical UUID (8-4-4-4-12 hex digits) written in one
// letter case, and says which.
func parseUUID(s string) (u [16]byte, kind int, ok bool) {
	if len(s) != 36 || s[8] != '-' || s[13] != '-' || s[18] != '-' || s[23] != '-' {
		return u, 0, false
	}
	var kinds uint8
	for j, i := range uuidDigits {
		hi, lo := hexValue[s[i]], hexValue[s[i+1]]
		kinds |= 1<<(hi>>4) | 1<<(lo>>4)
		u[j] = (hi&15)<<4 | lo&15
	}
	switch {
	case kinds&1 != 0:
		return u, 0, false // not a hex digit
	case kinds&(1<<2) != 0 && kinds&(1<<3) != 0:
		return u, 0, false // both letter cases
	case kinds&(1<<3) != 0:
		return u, kindUUIDUpper, true
	}
	return u, kindUUIDLower, true
}

// parseIPv4 parses a dotted-decimal IPv4 address written canonically (no
// leading zeros), so that formatting it again gives back s.
func parseIPv4(s string) (ip [4]byte, ok bool) {
	part, digits, v := 0, 0, 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case '0' <= c && c <= '9':
			if digits > 0 && v == 0 {
				return ip, false // leading zero
			}
			v = v*10 + int(c-'0')
			digits++
			if v > 255 {
				return ip, false
			}
		case c == '.' && digits > 0 && part < 3:
			ip[part] = byte(v)
			part, digits, v = part+1, 0, 0
		default:
			return ip, false
		}
	}
	if part != 3 || digits == 0 {
		return ip, false
	}
	ip[3] = byte(v)
	return ip, true
}

// symtab interns strings: each distinct string gets a dense symbol, 0 being
// the empty string. The strings live in a shared arena.
//
// An exact table indexes every symbol in an open-addressing hash table
// whose slots hold a symbol in the low 24 bits and 40 bits of its hash above
// them, so that probing almost never touches the arena and growing the
// table never does: a string has one symbol.
// A loose table keeps only a cache of recent strings, so a string that
// comes back after being evicted gets a second symbol; it suits columns
// where most values are unique (source IPs, access keys) and nothing needs
// one symbol per string. Both cache recent strings, since consecutive
// events mostly repeat values. A table holds at most maxSymbols strings.
type symtab struct {
	a       *arena
	exact   bool
	packs   bool     // try the packed forms (UUIDs, IPv4) before storing plainly
	refs    []uint32 // symbol -> arena reference; refs[0] is unused
	slots   []uint64 // exact tables: tag<<symBits | symbol; 0 = free
	seed    maphash.Seed
	scratch []byte
	recent  [1 << recentBits]recentSym
	// last is the most recent plainly stored string, as a view into the
	// arena, and lastSym its symbol: the cheapest hit of all.
	last    string
	lastSym uint32
	// byRef, when not nil, caches symbols by the identity of their
	// strings (data pointer and length), which costs no hashing: it suits
	// columns whose values are shared strings, as a Parser makes them.
	// Each entry holds its string, so that its memory cannot be reused for
	// another string while it is cached; strings are immutable, so one
	// with the same data and length is the same string.
	byRef *[1 << refBits]refSym
}

// refSym is a symbol cached by the identity of its string.
type refSym struct {
	s   string
	sym uint32
}

// recentSym is a cached symbol with 32 bits of its string's hash, checked
// before the arena is.
type recentSym struct {
	hash, sym uint32 // sym 0 = none
}

const (
	symBits    = 24
	maxSymbols = 1<<symBits - 1
	recentBits = 12
	refBits    = 8
)

func newSymtab(a *arena, seed maphash.Seed, exact, packs bool) *symtab {
	t := &symtab{a: a, exact: exact, packs: packs, refs: make([]uint32, 1), seed: seed}
	if exact {
		t.slots = make([]uint64, 16)
	}
	return t
}

// slot returns, for hash h, the slot index to start probing at and the tag
// in place: the low 64-symBits bits of h, which hold the index bits too.
func (t *symtab) slot(h uint64) (start uint32, tag uint64) {
	return uint32(h) & uint32(len(t.slots)-1), h << symBits
}

// len returns the number of symbols, counting the empty string.
func (t *symtab) len() int { return len(t.refs) }

// intern returns the symbol of s, and whether it was added by this call. ok
// is false when the table or the arena is full.
func (t *symtab) intern(s string) (sym uint32, added, ok bool) {
	if s == "" {
		return 0, false, true
	}
	var ref *refSym
	if t.byRef != nil {
		// Fibonacci hashing of the string's address picks the entry.
		p := uint64(uintptr(unsafe.Pointer(unsafe.StringData(s))))
		ref = &t.byRef[(p*0x9e3779b97f4a7c15)>>(64-refBits)]
		if unsafe.StringData(ref.s) == unsafe.StringData(s) && len(ref.s) == len(s) {
			return ref.sym, false, true
		}
	}
	if s == t.last {
		return t.lastSym, false, true
	}
	sym, added, ok = t.find(s)
	if ok && t.kind(sym) == kindPlain {
		t.last, t.lastSym = t.view(sym, nil), sym
	}
	if ok && ref != nil {
		*ref = refSym{s, sym}
	}
	return sym, added, ok
}

// find interns s, which is not empty, through the caches and the index.
func (t *symtab) find(s string) (sym uint32, added, ok bool) {
	var packed []byte
	isPacked := false
	if t.packs {
		packed, isPacked = pack(t.scratch[:0], s)
		t.scratch = packed
	}
	var h uint64
	if isPacked {
		h = maphash.Bytes(t.seed, packed)
	} else {
		h = maphash.String(t.seed, s)
	}
	c := &t.recent[h>>(64-recentBits)]
	if c.sym != 0 && c.hash == uint32(h) && t.holds(c.sym, s, packed, isPacked) {
		return c.sym, false, true
	}
	var (
		i   uint32
		tag uint64
	)
	if t.exact {
		mask := uint32(len(t.slots) - 1)
		for i, tag = t.slot(h); t.slots[i] != 0; i = (i + 1) & mask {
			if sym := uint32(t.slots[i] & maxSymbols); t.slots[i]&^maxSymbols == tag && t.holds(sym, s, packed, isPacked) {
				*c = recentSym{uint32(h), sym}
				return sym, false, true
			}
		}
	}
	if len(t.refs) > maxSymbols {
		return 0, false, false
	}
	if !isPacked {
		t.scratch = plain(t.scratch[:0], s)
	}
	ref, ok := t.a.put(t.scratch)
	if !ok {
		return 0, false, false
	}
	sym = uint32(len(t.refs))
	t.refs = append(t.refs, ref)
	*c = recentSym{uint32(h), sym}
	if t.exact {
		t.slots[i] = tag | uint64(sym)
		if len(t.refs)*4 > len(t.slots)*3 {
			t.rehash(len(t.slots) * 2)
		}
	}
	return sym, true, true
}

// holds reports whether sym is s, given s's packed form if it has one.
func (t *symtab) holds(sym uint32, s string, packed []byte, isPacked bool) bool {
	e := t.a.entry(t.refs[sym])
	if isPacked {
		return bytes.Equal(e, packed)
	}
	h, n := binary.Uvarint(e)
	return h == uint64(len(s))<<2|kindPlain && string(e[n:]) == s
}

// rehash moves the slots into a table of size slots; the index bits of
// each come from its tag.
func (t *symtab) rehash(size int) {
	old := t.slots
	t.slots = make([]uint64, size)
	mask := uint32(size - 1)
	for _, v := range old {
		if v == 0 {
			continue
		}
		i := uint32(v>>symBits) & mask
		for t.slots[i] != 0 {
			i = (i + 1) & mask
		}
		t.slots[i] = v
	}
}

// str returns the string of sym.
func (t *symtab) str(sym uint32) string {
	if sym == 0 {
		return ""
	}
	return string(decode(nil, t.a.entry(t.refs[sym])))
}

// kind returns how sym is stored: kindPlain, or one of the packed kinds.
func (t *symtab) kind(sym uint32) byte {
	if sym == 0 {
		return kindPlain
	}
	return t.a.entry(t.refs[sym])[0] & 3
}

// view returns the string of sym without copying it when it is stored
// plainly: such a view stays valid as long as the arena. Otherwise it
// decodes into *buf (buf must not be nil then); that result is valid only
// until the next call with the same buf and must not be retained.
func (t *symtab) view(sym uint32, buf *[]byte) string {
	if sym == 0 {
		return ""
	}
	e := t.a.entry(t.refs[sym])
	h, n := binary.Uvarint(e)
	if h&3 == kindPlain {
		p := e[n:]
		return unsafe.String(unsafe.SliceData(p), len(p))
	}
	*buf = decode((*buf)[:0], e)
	return unsafe.String(unsafe.SliceData(*buf), len(*buf))
}
