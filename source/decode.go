package source

import (
	"bytes"
	"errors"
	"fmt"

	"github.com/buger/jsonparser"

	"github.com/lazytrail/lazytrail/model"
)

// ErrDigest is the Err of the one Problem Decode returns for a CloudTrail
// digest file (hourly hashes of the log files, no records). It is not damage:
// callers count such problems and drop them.
var ErrDigest = errors.New("digest file, not a log file")

// maxProblems bounds the problems reported for one body; the rest are
// summed up in one last problem, so a body of a million damaged records
// cannot flood the caller.
const maxProblems = 20

// Decoder turns log bodies into events, reusing one model.Parser (and its
// string cache) across bodies. A Decoder is not safe for concurrent use.
type Decoder struct {
	parser *model.Parser
}

// NewDecoder returns a Decoder.
func NewDecoder() *Decoder { return &Decoder{parser: model.NewParser()} }

// Decode decodes one body with a fresh Decoder; see (*Decoder).Decode.
func Decode(name string, data []byte, blob model.Blob) ([]model.Event, []Problem) {
	return NewDecoder().Decode(name, data, blob)
}

// Decode turns data, a decoded (decompressed) body named name, into events.
// It reads every shape CloudTrail records come in:
//
//   - {"Records":[...]}: log files as delivered to S3, Insights files;
//   - JSON lines (or any sequence of JSON values) of records, and a JSON array of them;
//   - `aws cloudtrail lookup-events` output, {"Events":[...]} or one entry per
//     line, whose CloudTrailEvent string holds the record;
//   - EventBridge "AWS API Call via CloudTrail" events (the record is under detail);
//   - detection-rule test lines whose record is under Log;
//   - CloudWatch Logs subscription messages (logEvents[].message holds the record).
//
// A digest file yields no events and one Problem whose Err is ErrDigest.
// Damaged input (invalid JSON, Records not a list, records that are not
// objects or that the parser rejects) yields Problems naming name and the
// record index; every other record still loads.
//
// Records that are byte ranges of data get Blob, RawOffset and RawLength
// and a nil Raw when blob is not nil, so data can be reused by the caller;
// with a nil blob their Raw aliases data. Records that had to be unescaped
// (lookup-events and CloudWatch Logs messages) always own a fresh Raw.
func (d *Decoder) Decode(name string, data []byte, blob model.Blob) ([]model.Event, []Problem) {
	// Delivery files hold records of about 1 KB: size the result once.
	return d.Append(make([]model.Event, 0, min(len(data)/700+1, 1<<14)), name, data, blob)
}

// Append is Decode appending the events to dst, so a caller can reuse one
// slice across bodies.
func (d *Decoder) Append(dst []model.Event, name string, data []byte, blob model.Blob) ([]model.Event, []Problem) {
	b := body{dec: d, name: name, data: data, blob: blob, events: dst}
	b.decode()
	if len(b.events) == len(dst) && b.index > 1 && len(b.problems) > 0 {
		// Not one good record: likely some other JSON, not a damaged log.
		err := fmt.Errorf("no CloudTrail records: none of its %d JSON values is one; the first: %w", b.index, b.problems[0].Err)
		return b.events, []Problem{{Where: name, Err: err}}
	}
	if b.dropped > 0 {
		b.problems = append(b.problems, Problem{Where: name, Err: fmt.Errorf("%d more damaged records not listed", b.dropped)})
	}
	return b.events, b.problems
}

// body is the state of decoding one body.
type body struct {
	dec      *Decoder
	name     string
	data     []byte
	blob     model.Blob
	events   []model.Event
	problems []Problem
	dropped  int // problems beyond maxProblems
	index    int // records seen so far, for problem messages
}

func (b *body) problem(err error) {
	if len(b.problems) >= maxProblems {
		b.dropped++
		return
	}
	b.problems = append(b.problems, Problem{Where: b.name, Err: err})
}

// recordProblem reports a damaged record by its index.
func (b *body) recordProblem(err error) {
	b.problem(fmt.Errorf("record %d: %w", b.index, err))
}

// decode walks the top-level JSON values of the body.
func (b *body) decode() {
	data := b.data
	pos := skipSpace(data, skipBOM(data))
	if pos == len(data) {
		b.problem(errors.New("empty file"))
		return
	}
	first := true
	for pos < len(data) {
		end, err := b.value(pos, first)
		if err != nil {
			b.problem(fmt.Errorf("invalid JSON: %w", err))
			// Resynchronize at the next line that starts an object, so
			// one damaged line of a JSON lines file costs only that line.
			// (Indented documents have no '{' at the start of a line
			// but their first.)
			nl := bytes.Index(data[pos:], []byte("\n{"))
			if nl < 0 {
				return
			}
			end = pos + nl + 1
		}
		first = false
		pos = skipSpace(data, end)
	}
}

// value decodes the top-level value at pos and returns where it ends. The
// first value of a body may be a container document (Records, Events,
// logEvents, digest); later ones are records or wrapped records.
func (b *body) value(pos int, first bool) (int, error) {
	switch b.data[pos] {
	case '{':
		return b.object(pos, first)
	case '[':
		return b.array(pos, b.item, false)
	default:
		_, vt, end, err := jsonparser.Get(b.data[pos:])
		if err != nil {
			return 0, fmt.Errorf("value at byte %d: %w", pos, err)
		}
		b.recordProblem(fmt.Errorf("a JSON %s, not an object", vt))
		b.index++
		return pos + end, nil
	}
}

// Top-level keys of an object that decide its shape.
const (
	keyRecords = iota
	keyEvents
	keyLogEvents
	keyDigestStart
	keyLogFiles
	keyEventTime
	keyEventName
	keyEventVersion
	keyTimestamp
	keyCloudTrailEvent
	keyDetail
	keyLog
	numKeys
)

var shapeKeys = [numKeys]string{
	keyRecords:         "Records",
	keyEvents:          "Events",
	keyLogEvents:       "logEvents",
	keyDigestStart:     "digestStartTime",
	keyLogFiles:        "logFiles",
	keyEventTime:       "eventTime",
	keyEventName:       "eventName",
	keyEventVersion:    "eventVersion",
	keyTimestamp:       "@timestamp",
	keyCloudTrailEvent: "CloudTrailEvent",
	keyDetail:          "detail",
	keyLog:             "Log",
}

// span is a value inside the body: data[start:end].
type span struct {
	start, end int
	vt         jsonparser.ValueType
}

// object decodes the object at pos. With container set, the containers
// Records, Events and logEvents are decoded in place (without a separate
// pass to find their end); otherwise the object is one item.
func (b *body) object(pos int, container bool) (int, error) {
	data := b.data
	var found [numKeys]span
	var seen [numKeys]bool
	handled := false
	i := skipSpace(data, pos+1)
	for i >= len(data) || data[i] != '}' {
		if i >= len(data) || data[i] != '"' {
			return 0, fmt.Errorf("expected a key at byte %d", i)
		}
		kend, err := stringEnd(data, i+1)
		if err != nil {
			return 0, err
		}
		key := data[i+1 : kend-1]
		i = skipSpace(data, kend)
		if i >= len(data) || data[i] != ':' {
			return 0, fmt.Errorf("expected ':' at byte %d", i)
		}
		i = skipSpace(data, i+1)
		if i >= len(data) {
			return 0, errors.New("unexpected end after a key")
		}
		k := keyIndex(key)
		switch {
		case container && (k == keyRecords || k == keyEvents) && data[i] == '[':
			handled = true
			each := b.record
			if k == keyEvents {
				each = b.item
			}
			if i, err = b.array(i, each, k == keyRecords); err != nil {
				return 0, err
			}
		case container && k == keyLogEvents && data[i] == '[':
			handled = true
			if i, err = b.array(i, b.logEvent, false); err != nil {
				return 0, err
			}
		default:
			v, vt, end, err := jsonparser.Get(data[i:])
			if err != nil {
				return 0, fmt.Errorf("value at byte %d: %w", i, err)
			}
			if k >= 0 {
				found[k] = valueSpan(i, v, vt, end)
				seen[k] = true
			}
			if container && k == keyRecords {
				handled = true
				b.problem(fmt.Errorf("Records is a JSON %s, not a list", vt))
			}
			i += end
		}
		i = skipSpace(data, i)
		if i >= len(data) {
			return 0, errors.New("unexpected end of object (file truncated?)")
		}
		if data[i] == '}' {
			break
		}
		if data[i] != ',' {
			return 0, fmt.Errorf("unexpected %q at byte %d", data[i], i)
		}
		i = skipSpace(data, i+1)
		if i < len(data) && data[i] == '}' {
			return 0, fmt.Errorf("unexpected '}' at byte %d", i)
		}
	}
	end := i + 1
	switch {
	case handled:
	case container && (seen[keyDigestStart] || seen[keyLogFiles]) && !seen[keyEventTime]:
		b.problems = append(b.problems, Problem{Where: b.name, Err: ErrDigest})
	case seen[keyEventTime] || seen[keyEventName] || seen[keyEventVersion] || seen[keyTimestamp]:
		b.record(span{start: pos, end: end, vt: jsonparser.Object})
	case seen[keyCloudTrailEvent]:
		b.escaped(found[keyCloudTrailEvent])
	case seen[keyDetail] && found[keyDetail].vt == jsonparser.Object:
		b.record(found[keyDetail])
	case seen[keyLog] && found[keyLog].vt == jsonparser.Object:
		b.record(found[keyLog])
	case container && b.index == 0 && skipSpace(data, end) == len(data):
		b.problem(errors.New("no CloudTrail records: no Records, Events, eventTime or eventName key"))
	default:
		b.record(span{start: pos, end: end, vt: jsonparser.Object})
	}
	return end, nil
}

// item decodes one element of a sequence whose elements may be records or
// wrapped records (lookup-events entries, EventBridge events, Log lines).
func (b *body) item(s span) {
	if s.vt != jsonparser.Object {
		b.record(s)
		return
	}
	if _, err := b.object(s.start, false); err != nil {
		b.recordProblem(fmt.Errorf("invalid JSON: %w", err))
		b.index++
	}
}

// logEvent decodes one CloudWatch Logs subscription event, whose message
// string holds the record.
func (b *body) logEvent(s span) {
	if s.vt != jsonparser.Object {
		b.record(s)
		return
	}
	v, vt, end, err := jsonparser.Get(b.data[s.start:s.end], "message")
	if err != nil || vt != jsonparser.String {
		b.recordProblem(errors.New("log event without a message string"))
		b.index++
		return
	}
	b.escaped(valueSpan(s.start, v, vt, end))
}

// escaped decodes a record held in a JSON string (the content between the
// quotes at s); its Raw is the unescaped string, in fresh memory.
func (b *body) escaped(s span) {
	if s.vt != jsonparser.String {
		b.recordProblem(fmt.Errorf("the record is a JSON %s, not a string", s.vt))
		b.index++
		return
	}
	in := b.data[s.start:s.end]
	raw, err := jsonparser.Unescape(in, make([]byte, len(in)))
	if err != nil {
		b.recordProblem(fmt.Errorf("bad escape in the record string: %w", err))
		b.index++
		return
	}
	if len(raw) > 0 && &raw[0] == &in[0] {
		raw = bytes.Clone(raw) // no escapes: Unescape returned its input
	}
	b.parse(raw, -1)
}

// record decodes the record at s, a byte range of the body.
func (b *body) record(s span) {
	if s.vt != jsonparser.Object {
		b.recordProblem(fmt.Errorf("a JSON %s, not an object", s.vt))
		b.index++
		return
	}
	b.parse(b.data[s.start:s.end], s.start)
}

// recordAt parses the record that starts at data[i] == '{' in one pass
// that also finds where it ends, and returns that end; -1 when the record
// is not well-formed JSON, which it leaves to the caller.
func (b *body) recordAt(i int) int {
	e, n, err := b.dec.parser.ParseNext(b.data[i:])
	if n < 0 {
		return -1
	}
	b.add(e, err, b.data[i:i+n], i)
	return i + n
}

// parse parses one record; offset is its place in the body, or -1 when raw
// is not part of the body.
func (b *body) parse(raw []byte, offset int) {
	e, err := b.dec.parser.Parse(raw)
	b.add(e, err, raw, offset)
}

// add adds the event parsed from raw, or reports err.
func (b *body) add(e model.Event, err error, raw []byte, offset int) {
	if err != nil {
		b.recordProblem(err)
		b.index++
		return
	}
	b.index++
	if offset >= 0 {
		if b.blob != nil {
			e.Raw = nil
			e.Blob = b.blob
			e.RawOffset = offset
			e.RawLength = len(raw)
		} else {
			e.Raw = raw[:len(raw):len(raw)]
		}
	} else {
		e.Raw = raw
	}
	b.events = append(b.events, e)
}

// array calls each for every element of the array at pos and returns where
// the array ends. When records is set, each is b.record, and objects are
// parsed directly.
func (b *body) array(pos int, each func(span), records bool) (int, error) {
	data := b.data
	i := skipSpace(data, pos+1)
	if i < len(data) && data[i] == ']' {
		return i + 1, nil
	}
	for {
		if i >= len(data) {
			return 0, errors.New("unexpected end of list (file truncated?)")
		}
		if data[i] == '{' {
			// The common case, a record: parse it where it lies. Wrapped
			// records, and records that are not well-formed, have their
			// end found in a quick pass first (the parser checks the rest).
			end := -1
			if records {
				end = b.recordAt(i)
			}
			if end < 0 {
				n := objectEnd(data[i:])
				if n < 0 {
					return 0, fmt.Errorf("record %d at byte %d: unterminated object (file truncated?)", b.index, i)
				}
				end = i + n
				each(span{start: i, end: end, vt: jsonparser.Object})
			}
			i = skipSpace(data, end)
		} else {
			v, vt, end, err := jsonparser.Get(data[i:])
			if err != nil {
				return 0, fmt.Errorf("record %d at byte %d: %w", b.index, i, err)
			}
			each(valueSpan(i, v, vt, end))
			i = skipSpace(data, i+end)
		}
		if i >= len(data) {
			return 0, errors.New("unexpected end of list (file truncated?)")
		}
		if data[i] == ']' {
			return i + 1, nil
		}
		if data[i] != ',' {
			return 0, fmt.Errorf("unexpected %q at byte %d", data[i], i)
		}
		i = skipSpace(data, i+1)
	}
}

// objectEnd returns the length of the object at the start of data (which
// starts with '{'), or -1 when it does not end. It only matches brackets and
// skips strings, jumping from quote to quote (the parser checks the rest).
func objectEnd(data []byte) int {
	depth := 0
	for i := 0; i < len(data); i++ {
		switch data[i] {
		case '"':
			j := i + 1
			for {
				k := bytes.IndexByte(data[j:], '"')
				if k < 0 {
					return -1
				}
				j += k
				n := 0 // backslashes before the quote
				for p := j - 1; p > i && data[p] == '\\'; p-- {
					n++
				}
				if n%2 == 0 {
					break
				}
				j++
			}
			i = j
		case '{', '[':
			depth++
		case '}', ']':
			depth--
			if depth == 0 {
				if data[i] != '}' {
					return -1
				}
				return i + 1
			}
		}
	}
	return -1
}

// valueSpan locates v, which jsonparser.Get found in data[at:] and which
// ends at data[at+end], in the body. The span of a string is its content
// between the quotes.
func valueSpan(at int, v []byte, vt jsonparser.ValueType, end int) span {
	end += at
	if vt == jsonparser.String {
		end-- // the closing quote
	}
	return span{start: end - len(v), end: end, vt: vt}
}

func keyIndex(key []byte) int {
	for k, name := range shapeKeys {
		if string(key) == name {
			return k
		}
	}
	return -1
}

// stringEnd returns the index just past the closing quote of the string
// whose content starts at i.
func stringEnd(data []byte, i int) (int, error) {
	for i < len(data) {
		switch data[i] {
		case '"':
			return i + 1, nil
		case '\\':
			i += 2
		default:
			i++
		}
	}
	return 0, errors.New("unterminated string (file truncated?)")
}

func skipSpace(data []byte, i int) int {
	for i < len(data) {
		switch data[i] {
		case ' ', '\t', '\n', '\r':
			i++
		default:
			return i
		}
	}
	return i
}

// skipBOM returns 3 when data starts with a UTF-8 byte order mark.
func skipBOM(data []byte) int {
	if bytes.HasPrefix(data, []byte("\xef\xbb\xbf")) {
		return 3
	}
	return 0
}
