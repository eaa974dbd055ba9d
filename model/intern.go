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

// encode appends the entry for s to dst.
func encode(dst []byte, s string) []byte {
	if e, ok := pack(dst, s); ok {
		return e
	}
	dst = binary.AppendUvarint(dst, uint64(len(s))<<2|kindPlain)
	return append(dst, s...)
}

// pack appends the packed entry for s to dst, if s has a packed form.
func pack(dst []byte, s string) ([]byte, bool) {
	if kind, ok := uuidKind(s); ok {
		dst = binary.AppendUvarint(dst, uint64(kind))
		for i := 0; i < len(s); i += 2 {
			if s[i] == '-' {
				i++
			}
			dst = append(dst, unhex(s[i])<<4|unhex(s[i+1]))
		}
		return dst, true
	}
	if ip, ok := parseIPv4(s); ok {
		dst = binary.AppendUvarint(dst, kindIPv4)
		return append(dst, ip[:]...), true
	}
	return dst, false
}

// decode appends the string held by entry e to dst.
func decode(dst, e []byte) []byte {
	h, n := binary.Uvarint(e)
	p := e[n:]
	switch h & 3 {
	case kindUUIDLower, kindUUIDUpper:
		digits := "0123456789abcdef"
		if h&3 == kindUUIDUpper {
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

// uuidKind reports whether s is a canonical UUID (8-4-4-4-12 hex digits) in
// one letter case, and which.
func uuidKind(s string) (kind int, ok bool) {
	if len(s) != 36 {
		return 0, false
	}
	lower, upper := false, false
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case i == 8 || i == 13 || i == 18 || i == 23:
			if c != '-' {
				return 0, false
			}
		case '0' <= c && c <= '9':
		case 'a' <= c && c <= 'f':
			lower = true
		case 'A' <= c && c <= 'F':
			upper = true
		default:
			return 0, false
		}
	}
	switch {
	case lower && upper:
		return 0, false
	case upper:
		return kindUUIDUpper, true
	}
	return kindUUIDLower, true
}

func unhex(c byte) byte {
	switch {
	case c <= '9':
		return c - '0'
	case c <= 'F':
		return c - 'A' + 10
	}
	return c - 'a' + 10
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
// the empty string. The strings live in a shared arena; the index is an
// open-addressing hash table whose slots hold a symbol in the low 24 bits
// and 8 bits of its hash above them, so that probing rarely touches the
// arena. A table holds at most maxSymbols strings.
type symtab struct {
	a       *arena
	refs    []uint32 // symbol -> arena reference; refs[0] is unused
	slots   []uint32 // tag<<symBits | symbol; 0 = free
	seed    maphash.Seed
	scratch []byte
	// recent caches plainly stored strings, as views into the arena, by a
	// cheap hash: consecutive events mostly repeat low-cardinality values.
	recent [256]struct {
		s   string
		sym uint32
	}
}

const (
	symBits    = 24
	maxSymbols = 1<<symBits - 1
)

// slot returns, for hash h, the slot index to start probing at and the tag.
func (t *symtab) slot(h uint64) (start, tag uint32) {
	return uint32(h) & uint32(len(t.slots)-1), uint32(h>>(64-(32-symBits))) << symBits
}

// hashEntry hashes an entry: a plain one by its string (as lookup hashes a
// string it has not encoded), a packed one by its bytes.
func (t *symtab) hashEntry(e []byte) uint64 {
	h, n := binary.Uvarint(e)
	if h&3 == kindPlain {
		return maphash.Bytes(t.seed, e[n:])
	}
	return maphash.Bytes(t.seed, e)
}

func newSymtab(a *arena, seed maphash.Seed) *symtab {
	return &symtab{a: a, refs: make([]uint32, 1), slots: make([]uint32, 16), seed: seed}
}

// len returns the number of symbols, counting the empty string.
func (t *symtab) len() int { return len(t.refs) }

// intern returns the symbol of s, and whether it was added by this call. ok
// is false when the table or the arena is full.
func (t *symtab) intern(s string) (sym uint32, added, ok bool) {
	if s == "" {
		return 0, false, true
	}
	c := &t.recent[(len(s)*31+int(s[0])*7+int(s[len(s)/2])*3+int(s[len(s)-1]))&255]
	if c.s == s {
		return c.sym, false, true
	}
	sym, added, ok = t.lookup(s)
	if ok && sym != 0 {
		if v := t.view(sym, nil); v == s {
			c.s, c.sym = v, sym
		}
	}
	return sym, added, ok
}

// lookup interns s, which is not empty, through the hash table.
func (t *symtab) lookup(s string) (sym uint32, added, ok bool) {
	packed, isPacked := pack(t.scratch[:0], s)
	t.scratch = packed
	var h uint64
	if isPacked {
		h = maphash.Bytes(t.seed, packed)
	} else {
		h = maphash.String(t.seed, s)
	}
	mask := uint32(len(t.slots) - 1)
	i, tag := t.slot(h)
	for ; t.slots[i] != 0; i = (i + 1) & mask {
		if t.slots[i]&^maxSymbols != tag {
			continue
		}
		sym := t.slots[i] & maxSymbols
		e := t.a.entry(t.refs[sym])
		if isPacked {
			if bytes.Equal(e, packed) {
				return sym, false, true
			}
		} else if hdr, n := binary.Uvarint(e); hdr == uint64(len(s))<<2|kindPlain && string(e[n:]) == s {
			return sym, false, true
		}
	}
	if len(t.refs) > maxSymbols {
		return 0, false, false
	}
	if !isPacked {
		t.scratch = encode(t.scratch[:0], s)
	}
	ref, ok := t.a.put(t.scratch)
	if !ok {
		return 0, false, false
	}
	sym = uint32(len(t.refs))
	t.refs = append(t.refs, ref)
	t.slots[i] = tag | sym
	if len(t.refs)*4 > len(t.slots)*3 {
		t.rehash(len(t.slots) * 2)
	}
	return sym, true, true
}

// place puts sym, whose entry is e, into a free slot.
func (t *symtab) place(sym uint32, e []byte) {
	mask := uint32(len(t.slots) - 1)
	i, tag := t.slot(t.hashEntry(e))
	for t.slots[i] != 0 {
		i = (i + 1) & mask
	}
	t.slots[i] = tag | sym
}

func (t *symtab) rehash(size int) {
	t.slots = make([]uint32, size)
	for sym := 1; sym < len(t.refs); sym++ {
		t.place(uint32(sym), t.a.entry(t.refs[sym]))
	}
}

// str returns the string of sym.
func (t *symtab) str(sym uint32) string {
	if sym == 0 {
		return ""
	}
	return string(decode(nil, t.a.entry(t.refs[sym])))
}

// isIPv4 reports whether sym is stored as a packed IPv4 address: its string
// holds only digits and dots.
func (t *symtab) isIPv4(sym uint32) bool {
	return sym != 0 && t.a.entry(t.refs[sym])[0]&3 == kindIPv4
}

// view returns the string of sym without copying it when it is stored
// plainly: such a view stays valid as long as the arena. Otherwise it
// decodes into *buf (or returns "" when buf is nil); that result is valid
// only until the next call with the same buf and must not be retained.
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
	if buf == nil {
		return ""
	}
	*buf = decode((*buf)[:0], e)
	return unsafe.String(unsafe.SliceData(*buf), len(*buf))
}
