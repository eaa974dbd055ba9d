package model

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unsafe"

	"github.com/buger/jsonparser"
)

// Errors that say why a record could not be parsed. ParseRecord wraps them in
// a *ParseError; test for them with errors.Is.
var (
	ErrNotObject    = errors.New("record is not a JSON object")
	ErrInvalidJSON  = errors.New("record is not valid JSON")
	ErrNoEventTime  = errors.New("record has no eventTime or @timestamp")
	ErrBadEventTime = errors.New("record has a malformed eventTime")
	ErrNoEventName  = errors.New("record has no eventName")
)

// ParseError reports a CloudTrail record that could not be parsed.
type ParseError struct {
	Err     error  // what is wrong: one of the Err* values of this package
	EventID string // the record's eventID when it could be read
	Detail  string // the offending value or position, "" when none
}

func (e *ParseError) Error() string {
	msg := "parse record"
	if e.EventID != "" {
		// The ID is quoted when it holds anything but printable ASCII, so
		// that the message is safe to print.
		if id := strconv.QuoteToASCII(e.EventID); id[1:len(id)-1] != e.EventID {
			msg += " " + id
		} else {
			msg += " " + e.EventID
		}
	}
	msg += ": " + e.Err.Error()
	if e.Detail != "" {
		msg += ": " + e.Detail
	}
	return msg
}

// Unwrap returns the reason, so that errors.Is(err, ErrNoEventTime) works.
func (e *ParseError) Unwrap() error { return e.Err }

// The values read from every record, indexed by the f* constants.
const (
	fEventTime = iota
	fTimestamp
	fEventName
	fEventSource
	fRegion
	fSourceIP
	fUserAgent
	fErrorCode
	fErrorMessage
	fReadOnly
	fEventID
	fEventType
	fCategory
	fAccount
	fResources // read into Parser.res as the record is walked
	fIdentity  // walked in place for the fields below
	fAdditional
	fInsight
	fIdentityType // userIdentity's fields, from here to the end
	fAccessKeyID
	fUserName
	fARN
	fPrincipalID
	fAccountID
	fInvokedBy
	fSessionContext
	fOnBehalfOf
	fUserID
	fieldCount
)

// topLevelField maps a record's top-level keys to the values read.
func topLevelField(key []byte) int {
	switch string(key) {
	case "eventTime":
		return fEventTime
	case "@timestamp":
		return fTimestamp
	case "eventName":
		return fEventName
	case "eventSource":
		return fEventSource
	case "awsRegion":
		return fRegion
	case "sourceIPAddress":
		return fSourceIP
	case "userAgent":
		return fUserAgent
	case "errorCode":
		return fErrorCode
	case "errorMessage":
		return fErrorMessage
	case "readOnly":
		return fReadOnly
	case "eventID":
		return fEventID
	case "eventType":
		return fEventType
	case "eventCategory":
		return fCategory
	case "recipientAccountId":
		return fAccount
	case "resources":
		return fResources
	case "userIdentity":
		return fIdentity
	case "additionalEventData":
		return fAdditional
	case "insightDetails":
		return fInsight
	}
	return -1
}

// identityField maps the keys of userIdentity to the values read.
func identityField(key []byte) int {
	switch string(key) {
	case "type":
		return fIdentityType
	case "accessKeyId":
		return fAccessKeyID
	case "userName":
		return fUserName
	case "arn":
		return fARN
	case "principalId":
		return fPrincipalID
	case "accountId":
		return fAccountID
	case "invokedBy":
		return fInvokedBy
	case "sessionContext":
		return fSessionContext
	case "onBehalfOf":
		return fOnBehalfOf
	case "userId":
		return fUserID
	}
	return -1
}

// Bounds of a Parser's string cache, so that hostile or merely varied data
// cannot make it grow without limit.
const (
	cacheEntries  = 8192 // the cache is emptied when it reaches this size
	cacheValueLen = 512  // longer values are never cached
)

// keptBuffer is the largest buffer a Parser keeps from one record to the
// next; a rare huge record does not pin its memory.
const keptBuffer = 64 << 10

// jsonValue is one value found in a record: raw bytes (a string's without
// its quotes, still escaped) and its JSON type.
type jsonValue struct {
	b       []byte
	t       jsonparser.ValueType
	escaped bool // a string holding backslash escapes
}

// Parser parses CloudTrail records into Events. It shares the strings of
// low-cardinality fields (names, sources, regions, user agents, callers,
// error codes, accounts, types) across the records it parses and reuses its
// buffers, so parsing allocates little. A Parser is not safe for concurrent
// use: use one per goroutine.
type Parser struct {
	cache    map[string]string
	unescape []byte // a value being unescaped
	who      []byte // the caller's display name being built
	arena    []byte // the record's uncached strings, converted to one string at the end
	res      []pendingResource
	badText  bool // a string of the record did not unescape

	// The last value of each field, which the next record often repeats.
	last             [fieldCount]string
	lastWho          string
	lastResourceType string
}

// pendingResource is a resource whose ARN still lies in the arena.
type pendingResource struct {
	arn      span
	typeName string
}

// span locates a string inside a Parser's arena.
type span struct{ start, end int }

// NewParser returns a Parser with an empty string cache.
func NewParser() *Parser {
	return &Parser{cache: make(map[string]string)}
}

// ParseRecord parses one CloudTrail record (a JSON object) with a fresh
// Parser. Prefer a long-lived Parser when parsing many records.
func ParseRecord(raw []byte) (Event, error) {
	return NewParser().Parse(raw)
}

// Parse parses one CloudTrail record (a JSON object) into an Event. Raw is
// set to raw itself, not a copy. The time comes from eventTime or, for
// records that went through a log shipper, @timestamp. Insights records take
// their name and source from insightDetails. When a key appears twice, the
// last occurrence counts, as with encoding/json. The error is a *ParseError.
//
// The record is read in one pass that picks out the fields as it goes (see
// jsonText); only strings holding escapes are copied to be unescaped.
func (p *Parser) Parse(raw []byte) (Event, error) {
	var v [fieldCount]jsonValue
	end, err := p.scan(raw, &v)
	if err != nil {
		return Event{}, err
	}
	if end = jsonText(raw).space(end); end != len(raw) {
		return Event{}, &ParseError{Err: ErrInvalidJSON, Detail: "data after the object at byte " + strconv.Itoa(end)}
	}
	return p.build(raw, &v)
}

// ParseNext parses the record at the start of data, which may go on after
// it (the rest of a list of records), and returns the record's length n
// along with it: Raw is data[:n]. When the record is not well-formed JSON,
// n is -1 and err says why; when it is but is not a valid record, n is its
// length and err says why. Otherwise it is Parse on data[:n]; a caller
// splitting a body into records is spared a separate pass to find where
// each ends.
func (p *Parser) ParseNext(data []byte) (e Event, n int, err error) {
	var v [fieldCount]jsonValue
	if n, err = p.scan(data, &v); err != nil {
		return Event{}, -1, err
	}
	e, err = p.build(data[:n], &v)
	return e, n, err
}

// scan walks the object at the start of raw (after white space), reading
// the fields into v, and returns the index just past it.
func (p *Parser) scan(raw []byte, v *[fieldCount]jsonValue) (int, error) {
	d := jsonText(raw)
	start := d.space(0)
	if start == len(raw) || raw[start] != '{' {
		return 0, &ParseError{Err: notObject(d, start), Detail: excerpt(raw)}
	}
	p.arena, p.unescape = trimBuffer(p.arena), trimBuffer(p.unescape)
	p.res = p.res[:0]
	p.badText = false
	end := d.members(start, func(key []byte, i int) int {
		switch f := topLevelField(key); f {
		case -1:
			return d.skip(i)
		case fIdentity:
			clear(v[fIdentityType:]) // a repeated userIdentity replaces the first
			if d[i] != '{' {
				return d.skip(i)
			}
			return d.members(i, func(key []byte, i int) int {
				if f := identityField(key); f >= 0 {
					v[f], i = d.value(i)
					return i
				}
				return d.skip(i)
			})
		case fResources:
			p.res = p.res[:0] // a repeated list replaces the first
			if d[i] != '[' {
				return d.skip(i)
			}
			return p.readResources(d, i)
		default:
			v[f], i = d.value(i)
			return i
		}
	})
	if end < 0 {
		return 0, &ParseError{Err: ErrInvalidJSON, Detail: "malformed near byte " + strconv.Itoa(-end-1)}
	}
	return end, nil
}

// build makes the Event of record raw from the values scan read.
func (p *Parser) build(raw []byte, v *[fieldCount]jsonValue) (Event, error) {
	e := Event{Raw: raw}
	id := p.span(v[fEventID])
	e.Type = p.field(v, fEventType)
	e.Category = p.field(v, fCategory)
	e.Insight = e.Type == "AwsCloudTrailInsight" || e.Category == "Insight"

	tv := v[fEventTime]
	if tv.t == jsonparser.NotExist || tv.t == jsonparser.Null {
		tv = v[fTimestamp]
	}
	switch tv.t {
	case jsonparser.NotExist, jsonparser.Null:
		return Event{}, p.fail(ErrNoEventTime, id, "")
	case jsonparser.String:
		t, ok := parseTime(p.text(tv))
		if !ok {
			return Event{}, p.fail(ErrBadEventTime, id, quoteExcerpt(p.text(tv)))
		}
		e.Time = t
	default:
		return Event{}, p.fail(ErrBadEventTime, id, excerpt(tv.b))
	}

	e.Name = p.field(v, fEventName)
	e.Source = p.field(v, fEventSource)
	if e.Insight && v[fInsight].t == jsonparser.Object {
		if e.Name == "" {
			e.Name = p.str(member(v[fInsight].b, "eventName"))
		}
		if e.Source == "" {
			e.Source = p.str(member(v[fInsight].b, "eventSource"))
		}
	}
	if e.Name == "" && !e.Insight {
		return Event{}, p.fail(ErrNoEventName, id, "")
	}
	e.Region = p.field(v, fRegion)
	e.UserAgent = p.field(v, fUserAgent)
	e.ErrorCode = p.field(v, fErrorCode)
	e.Account = p.field(v, fAccount)
	e.IdentityType = p.field(v, fIdentityType)
	e.ReadOnly = readOnlyOf(v[fReadOnly])
	e.Who = p.whoOf(v, e.Insight)
	sourceIP := p.span(v[fSourceIP])
	message := p.span(v[fErrorMessage])
	key := p.span(v[fAccessKeyID])

	if p.badText {
		return Event{}, p.fail(ErrInvalidJSON, id, "")
	}
	s := string(p.arena)
	e.ID = s[id.start:id.end]
	e.SourceIP = s[sourceIP.start:sourceIP.end]
	e.ErrorMessage = s[message.start:message.end]
	e.AccessKeyID = s[key.start:key.end]
	if len(p.res) > 0 {
		e.Resources = make([]Resource, len(p.res))
		for i, r := range p.res {
			e.Resources[i] = Resource{ARN: s[r.arn.start:r.arn.end], Type: r.typeName}
		}
	}
	return e, nil
}

// trimBuffer empties a buffer for reuse, or drops it when it grew past
// keptBuffer.
func trimBuffer(b []byte) []byte {
	if cap(b) > keptBuffer {
		return nil
	}
	return b[:0]
}

// notObject says what d, which does not start with '{' at i, is: another
// JSON value, or not JSON at all.
func notObject(d jsonText, i int) error {
	if i < len(d) {
		if _, end := d.value(i); end > 0 && d.space(end) == len(d) {
			return ErrNotObject
		}
	}
	return ErrInvalidJSON
}

// text returns a value's text: a string unescaped, a number or boolean as
// written. It is nil for null, objects and arrays, and for strings that do
// not unescape, which it notes in p.badText. The result may live in
// p.unescape: use it before the next call.
func (p *Parser) text(v jsonValue) []byte {
	switch v.t {
	case jsonparser.String:
		if !v.escaped {
			return v.b
		}
		out, err := jsonparser.Unescape(v.b, p.unescape[:cap(p.unescape)])
		if err != nil {
			p.badText = true
			return nil
		}
		if cap(out) > cap(p.unescape) {
			p.unescape = out[:0]
		}
		return out
	case jsonparser.Number, jsonparser.Boolean:
		return v.b
	}
	return nil
}

// str returns a value's text as a string shared through the cache.
func (p *Parser) str(v jsonValue) string {
	return p.share(p.text(v))
}

// field returns the text of field f of a record as a shared string.
func (p *Parser) field(v *[fieldCount]jsonValue, f int) string {
	return p.shareLike(&p.last[f], p.text(v[f]))
}

// shareLike is share for a field whose last value is kept in *last: a
// repeated value is found without hashing it.
func (p *Parser) shareLike(last *string, b []byte) string {
	if string(b) == *last {
		return *last
	}
	s := p.share(b)
	*last = s
	return s
}

// share returns b as a string, from the cache when it is there.
func (p *Parser) share(b []byte) string {
	if len(b) == 0 {
		return ""
	}
	if len(b) > cacheValueLen {
		return string(b)
	}
	if s, ok := p.cache[string(b)]; ok {
		return s
	}
	if len(p.cache) >= cacheEntries {
		clear(p.cache)
	}
	s := string(b)
	p.cache[s] = s
	return s
}

// span appends a value's text to the arena and says where it is.
func (p *Parser) span(v jsonValue) span {
	start := len(p.arena)
	p.arena = append(p.arena, p.text(v)...)
	return span{start, len(p.arena)}
}

// fail returns the error for a record whose eventID lies at id in the arena.
// A string that did not unescape explains any other problem, so it is
// reported instead.
func (p *Parser) fail(reason error, id span, detail string) error {
	if p.badText {
		reason, detail = ErrInvalidJSON, "a string has an invalid escape"
	}
	return &ParseError{Err: reason, EventID: string(p.arena[id.start:id.end]), Detail: detail}
}

// readResources collects into p.res the ARN and type of each object in the
// resources list at d[i] == '['. It returns the index past the list, or a
// negative value when it is malformed.
func (p *Parser) readResources(d jsonText, i int) int {
	return d.elements(i, func(i int) int {
		if d[i] != '{' {
			return d.skip(i)
		}
		var arn, typ jsonValue
		end := d.members(i, func(key []byte, i int) int {
			switch string(key) {
			case "ARN", "arn":
				arn, i = d.value(i)
			case "type":
				typ, i = d.value(i)
			default:
				i = d.skip(i)
			}
			return i
		})
		if end > 0 && (arn.t != jsonparser.NotExist || typ.t != jsonparser.NotExist) {
			p.res = append(p.res, pendingResource{arn: p.span(arn), typeName: p.shareLike(&p.lastResourceType, p.text(typ))})
		}
		return end
	})
}

// member returns the value of key in a JSON object (its last one when the
// key repeats); its type is NotExist when there is none or obj is malformed.
func member(obj jsonText, key string) jsonValue {
	var v jsonValue
	if len(obj) == 0 || obj[0] != '{' {
		return v
	}
	end := obj.members(0, func(k []byte, i int) int {
		if string(k) != key {
			return obj.skip(i)
		}
		v, i = obj.value(i)
		return i
	})
	if end < 0 {
		return jsonValue{}
	}
	return v
}

// memberAt returns the value at a path of keys inside nested JSON objects.
func memberAt(v jsonValue, keys ...string) jsonValue {
	for _, k := range keys {
		if v.t != jsonparser.Object {
			return jsonValue{}
		}
		v = member(v.b, k)
	}
	return v
}

// whoOf builds the caller's display name from the identity values and
// shares it through the cache. It reads nested values only when WhoOf would
// use them: the session issuer of an AssumedRole only when its ARN does not
// name the role.
func (p *Parser) whoOf(v *[fieldCount]jsonValue, insight bool) string {
	if insight {
		return "insight"
	}
	id := Identity{
		Type:        p.view(v[fIdentityType]),
		UserName:    p.view(v[fUserName]),
		ARN:         p.view(v[fARN]),
		PrincipalID: p.view(v[fPrincipalID]),
		AccountID:   p.view(v[fAccountID]),
		InvokedBy:   p.view(v[fInvokedBy]),
	}
	switch id.Type {
	case "AssumedRole":
		if !strings.HasPrefix(arnResource(id.ARN), "assumed-role/") {
			id.IssuerName = p.view(memberAt(v[fSessionContext], "sessionIssuer", "userName"))
		}
	case "IdentityCenterUser":
		id.OnBehalfOf = p.view(memberAt(v[fOnBehalfOf], "userId"))
		id.UserID = p.view(v[fUserID])
		id.SignInName = p.view(memberAt(v[fAdditional], "UserName"))
		if id.SignInName == "" {
			id.SignInName = p.view(memberAt(v[fAdditional], "userName"))
		}
	}
	p.who = appendWho(p.who[:0], &id)
	return p.shareLike(&p.lastWho, p.who)
}

// view returns a value's text as a string for the duration of whoOf. Values
// without escapes are viewed in place, without copying: the strings do not
// outlive whoOf, whose result is copied by share. Escaped values, which are
// rare, are copied because p.unescape is reused.
func (p *Parser) view(v jsonValue) string {
	if v.escaped {
		return string(p.text(v))
	}
	b := p.text(v)
	return unsafe.String(unsafe.SliceData(b), len(b))
}

// readOnlyOf reads readOnly, which is a boolean or the string "true"/"false".
func readOnlyOf(v jsonValue) ReadOnly {
	if v.t != jsonparser.Boolean && v.t != jsonparser.String {
		return ReadOnlyUnknown
	}
	switch string(v.b) {
	case "true":
		return ReadOnlyTrue
	case "false":
		return ReadOnlyFalse
	}
	return ReadOnlyUnknown
}

// The scanner below walks JSON text in one pass, without allocating. Its
// methods take the index where a value starts (not a space) and return the
// index just past it, or a negative number, malformed(i), naming the byte i
// where the text is not JSON. Values the parser does not read are checked
// for balanced brackets and terminated strings only.

// jsonText is JSON text being scanned.
type jsonText []byte

// malformed returns the result that names byte i as malformed.
func (jsonText) malformed(i int) int { return -(i + 1) }

// space returns the index of the first byte at or after i that is not
// JSON white space.
func (d jsonText) space(i int) int {
	for i < len(d) {
		switch d[i] {
		case ' ', '\t', '\n', '\r':
			i++
		default:
			return i
		}
	}
	return i
}

// Masks for testing eight bytes at once for a quote or a backslash.
const (
	swarLow  = 0x0101010101010101
	swarHigh = 0x8080808080808080
)

// stringEnd returns the index just past the closing quote of the string
// whose content starts at d[i], and whether the string holds escapes.
func (d jsonText) stringEnd(i int) (int, bool) {
	escaped := false
	for i < len(d) {
		// Skip eight bytes at a time while none is a quote or a backslash.
		for i+8 <= len(d) {
			w := binary.LittleEndian.Uint64(d[i:])
			q, b := w^(swarLow*'"'), w^(swarLow*'\\')
			if ((q-swarLow)&^q|(b-swarLow)&^b)&swarHigh != 0 {
				break
			}
			i += 8
		}
		for ; i < len(d); i++ {
			if c := d[i]; c == '"' {
				return i + 1, escaped
			} else if c == '\\' {
				escaped = true
				i += 2
				break
			}
		}
	}
	return d.malformed(len(d)), escaped
}

// value reads the value starting at d[i]. A string's bytes are its
// content without the quotes; other values' bytes are their whole text.
func (d jsonText) value(i int) (jsonValue, int) {
	if i >= len(d) {
		return jsonValue{}, d.malformed(i)
	}
	var t jsonparser.ValueType
	end := d.malformed(i)
	switch c := d[i]; {
	case c == '"':
		end, escaped := d.stringEnd(i + 1)
		if end < 0 {
			return jsonValue{}, end
		}
		return jsonValue{b: d[i+1 : end-1], t: jsonparser.String, escaped: escaped}, end
	case c == '{':
		t, end = jsonparser.Object, d.container(i)
	case c == '[':
		t, end = jsonparser.Array, d.container(i)
	case c == 't':
		t, end = jsonparser.Boolean, d.literal(i, "true")
	case c == 'f':
		t, end = jsonparser.Boolean, d.literal(i, "false")
	case c == 'n':
		t, end = jsonparser.Null, d.literal(i, "null")
	case c == '-' || c >= '0' && c <= '9':
		t, end = jsonparser.Number, d.number(i)
	}
	if end < 0 {
		return jsonValue{}, end
	}
	return jsonValue{b: d[i:end], t: t}, end
}

// skip returns the index just past the value starting at d[i].
func (d jsonText) skip(i int) int {
	if i < len(d) {
		switch d[i] {
		case '"':
			end, _ := d.stringEnd(i + 1)
			return end
		case '{', '[':
			return d.container(i)
		}
	}
	_, end := d.value(i)
	return end
}

// container returns the index just past the object or array starting
// at d[i], counting brackets outside strings.
func (d jsonText) container(i int) int {
	depth := 0
	for ; i < len(d); i++ {
		switch d[i] {
		case '"':
			end, _ := d.stringEnd(i + 1)
			if end < 0 {
				return end
			}
			i = end - 1
		case '{', '[':
			depth++
		case '}', ']':
			depth--
			if depth == 0 {
				return i + 1
			}
		}
	}
	return d.malformed(len(d))
}

// literal returns the index just past lit, which must start at d[i].
func (d jsonText) literal(i int, lit string) int {
	if len(d)-i >= len(lit) && string(d[i:i+len(lit)]) == lit {
		return i + len(lit)
	}
	return d.malformed(i)
}

// number returns the index just past the number starting at d[i]. It
// accepts the characters of JSON numbers without checking their order.
func (d jsonText) number(i int) int {
	for i < len(d) {
		switch c := d[i]; {
		case c >= '0' && c <= '9', c == '-', c == '+', c == '.', c == 'e', c == 'E':
			i++
		default:
			return i
		}
	}
	return i
}

// members walks the object starting at d[i] == '{'. For each member it
// calls f with the unescaped key and the index where the value starts; f
// returns the index just past the value. members returns the index just
// past the object.
func (d jsonText) members(i int, f func(key []byte, i int) int) int {
	i = d.space(i + 1)
	if i < len(d) && d[i] == '}' {
		return i + 1
	}
	for i < len(d) {
		if d[i] != '"' {
			return d.malformed(i)
		}
		end, escaped := d.stringEnd(i + 1)
		if end < 0 {
			return end
		}
		key := d[i+1 : end-1]
		if escaped {
			var err error
			if key, err = jsonparser.Unescape(key, nil); err != nil {
				return d.malformed(i)
			}
		}
		i = d.space(end)
		if i >= len(d) || d[i] != ':' {
			return d.malformed(i)
		}
		if i = d.space(i + 1); i >= len(d) {
			return d.malformed(i)
		}
		if i = f(key, i); i < 0 {
			return i
		}
		if i = d.space(i); i >= len(d) {
			return d.malformed(i)
		}
		switch d[i] {
		case ',':
			i = d.space(i + 1)
		case '}':
			return i + 1
		default:
			return d.malformed(i)
		}
	}
	return d.malformed(i)
}

// elements walks the array starting at d[i] == '[', calling f with the
// index where each element starts; f returns the index just past it.
// elements returns the index just past the array.
func (d jsonText) elements(i int, f func(i int) int) int {
	i = d.space(i + 1)
	if i < len(d) && d[i] == ']' {
		return i + 1
	}
	for i < len(d) {
		if i = f(i); i < 0 {
			return i
		}
		if i = d.space(i); i >= len(d) {
			return d.malformed(i)
		}
		switch d[i] {
		case ',':
			i = d.space(i + 1)
		case ']':
			return i + 1
		default:
			return d.malformed(i)
		}
	}
	return d.malformed(i)
}

// parseTime parses an RFC 3339 time into UTC. The common CloudTrail forms
// YYYY-MM-DDTHH:MM:SSZ and YYYY-MM-DDTHH:MM:SS.fffZ take a fast path; others
// (offsets) go through time.Parse. As some tools write times with a space for
// the T or without an offset, those are accepted too, without an offset
// meaning UTC.
func parseTime(b []byte) (time.Time, bool) {
	if t, ok := parseUTCTime(b); ok {
		return t, true
	}
	s := string(b)
	if len(s) > 10 && s[10] == ' ' {
		s = s[:10] + "T" + s[11:]
	}
	for _, layout := range [...]string{time.RFC3339Nano, "2006-01-02T15:04:05.999999999"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC(), true
		}
	}
	return time.Time{}, false
}

// parseUTCTime parses YYYY-MM-DDTHH:MM:SS[.fraction][Z] (or with a space for
// the T) without time.Parse. It returns false for anything else, including
// out-of-range fields, and leaves those to time.Parse.
func parseUTCTime(b []byte) (time.Time, bool) {
	if len(b) > 0 && b[len(b)-1] == 'Z' {
		b = b[:len(b)-1]
	}
	if len(b) < 19 || b[4] != '-' || b[7] != '-' || (b[10] != 'T' && b[10] != ' ') || b[13] != ':' || b[16] != ':' {
		return time.Time{}, false
	}
	year, ok1 := digits(b[0:4])
	month, ok2 := digits(b[5:7])
	day, ok3 := digits(b[8:10])
	hour, ok4 := digits(b[11:13])
	minute, ok5 := digits(b[14:16])
	sec, ok6 := digits(b[17:19])
	if !(ok1 && ok2 && ok3 && ok4 && ok5 && ok6) ||
		month < 1 || month > 12 || day < 1 || day > daysIn(month, year) || hour > 23 || minute > 59 || sec > 59 {
		return time.Time{}, false
	}
	nsec := 0
	if frac := b[19:]; len(frac) > 0 {
		if frac[0] != '.' || len(frac) < 2 || len(frac) > 10 {
			return time.Time{}, false
		}
		n, ok := digits(frac[1:])
		if !ok {
			return time.Time{}, false
		}
		for range 10 - len(frac) {
			n *= 10
		}
		nsec = n
	}
	return time.Date(year, time.Month(month), day, hour, minute, sec, nsec, time.UTC), true
}

// digits parses a run of ASCII digits.
func digits(b []byte) (int, bool) {
	n := 0
	for _, c := range b {
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int(c-'0')
	}
	return n, true
}

// daysIn returns the number of days in a month of the Gregorian calendar.
func daysIn(month, year int) int {
	switch month {
	case 2:
		if year%4 == 0 && (year%100 != 0 || year%400 == 0) {
			return 29
		}
		return 28
	case 4, 6, 9, 11:
		return 30
	}
	return 31
}

// excerpt quotes the start of b for an error message.
func excerpt(b []byte) string {
	return quoteExcerpt(bytes.TrimSpace(b))
}

// quoteExcerpt quotes at most 64 bytes of b.
func quoteExcerpt(b []byte) string {
	const max = 64
	if len(b) > max {
		return fmt.Sprintf("%q...", b[:max])
	}
	return fmt.Sprintf("%q", b)
}
