package model

import (
	"fmt"
	"math"
	"net/netip"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/sahilm/fuzzy"
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

// matchMode is how a key's values are compared with a field.
type matchMode uint8

const (
	modeWhole    matchMode = iota // the whole field
	modeUser                      // the whole field or any "/"-separated part of it
	modeSource                    // the whole field or its service name (ec2 for ec2.amazonaws.com)
	modeSubstr                    // anywhere in the field
	modeErr                       // an error code, or any / none
	modeIP                        // exact, prefix ending in . or :, or CIDR
	modeReadOnly                  // true / false
	modeResource                  // anywhere in a resource's ARN or type
	modeFree                      // fuzzy, over who, name, source, resource ARNs and IP
	modeTime                      // since / until: not a predicate
)

// keySpec says which field a key reads and how it compares.
type keySpec struct {
	col  column
	mode matchMode
}

// keyOrder lists the query keys, as help and errors show them.
var keyOrder = []string{"user", "event", "source", "region", "ip", "err", "readonly", "resource", "account",
	"since", "until", "id", "accesskey", "agent", "type", "category"}

var queryKeys = map[string]keySpec{
	"user":      {colWho, modeUser},
	"event":     {colName, modeWhole},
	"source":    {colSource, modeSource},
	"region":    {colRegion, modeWhole},
	"ip":        {colIP, modeIP},
	"err":       {colErrCode, modeErr},
	"readonly":  {0, modeReadOnly},
	"resource":  {colARN, modeResource},
	"account":   {colAccount, modeWhole},
	"since":     {0, modeTime},
	"until":     {0, modeTime},
	"id":        {colID, modeWhole},
	"accesskey": {colKey, modeWhole},
	"agent":     {colAgent, modeSubstr},
	"type":      {colType, modeWhole},
	"category":  {colCategory, modeWhole},
}

// termValue is one compiled value of a term.
type termValue struct {
	low    string       // lower-cased
	glob   []string     // lower-cased parts around '*', when the value has one
	cidr   netip.Prefix // for ip values with a '/'
	prefix bool         // ip value ending in '.' or ':'
}

// term is a compiled Term.
type term struct {
	Term
	keySpec
	vals []termValue
}

// Filter is a parsed query. A nil Filter, or one from an empty query,
// matches every event.
type Filter struct {
	terms      []term
	start, end time.Time
	lo, hi     int64 // the time bounds as row times, inclusive
}

// ParseFilter parses a query; relative times (since:3h) count back from now.
// Errors are *FilterError.
//
// A query is a list of terms separated by spaces. key:v1,v2 matches when any
// value matches; different terms must all match; -key:v excludes. Values may
// be quoted ("two words", with \" for a quote); '*' is a wildcard; matching
// ignores case. Words without a key are matched fuzzily against the caller,
// event name, event source, resource ARNs and source IP.
func ParseFilter(q string, now time.Time) (*Filter, error) {
	f := &Filter{lo: math.MinInt64, hi: math.MaxInt64}
	for i := skipQuerySpace(q, 0); i < len(q); i = skipQuerySpace(q, i) {
		tok, next, err := lex(q, i)
		if err != nil {
			return nil, err
		}
		if err := f.addToken(tok, now); err != nil {
			return nil, err
		}
		i = next
	}
	return f, nil
}

// queryToken is one lexed term with the positions of its parts.
type queryToken struct {
	start, end int
	neg        bool
	key        string // as written; "" for free text
	keyPos     int
	vals       []string
	valPos     []int
}

// isQuerySpace reports whether c separates terms.
func isQuerySpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f'
}

func skipQuerySpace(q string, i int) int {
	for i < len(q) && isQuerySpace(q[i]) {
		i++
	}
	return i
}

// lex reads the term starting at q[i], which is not a space, and returns it
// with the offset just after it.
func lex(q string, i int) (queryToken, int, *FilterError) {
	tok := queryToken{start: i}
	if q[i] == '-' {
		if i+1 == len(q) || isQuerySpace(q[i+1]) {
			return tok, 0, &FilterError{i, `"-" must be followed by a term to exclude, e.g. -user:bob`}
		}
		tok.neg = true
		i++
	}
	tok.keyPos = i
	if q[i] != '"' {
		j := i
		for j < len(q) && !isQuerySpace(q[j]) && q[j] != ':' {
			j++
		}
		if j < len(q) && q[j] == ':' {
			if j == i {
				return tok, 0, &FilterError{i, `missing key before ":"; write key:value, or quote text that contains ":"`}
			}
			tok.key = q[i:j]
			return lexValues(q, j+1, tok)
		}
	}
	v, next, err := lexValue(q, i, false)
	if err != nil {
		return tok, 0, err
	}
	tok.vals, tok.valPos, tok.end = []string{v}, []int{i}, next
	return tok, next, nil
}

// lexValues reads the comma-separated values of a key starting at q[i].
func lexValues(q string, i int, tok queryToken) (queryToken, int, *FilterError) {
	for {
		v, next, err := lexValue(q, i, true)
		if err != nil {
			return tok, 0, err
		}
		if v == "" {
			return tok, 0, &FilterError{i, fmt.Sprintf(`empty value for %q; write %s:VALUE (values are separated by commas; quote values with spaces: %s:"two words")`, tok.key, tok.key, tok.key)}
		}
		tok.vals, tok.valPos = append(tok.vals, v), append(tok.valPos, i)
		if next < len(q) && q[next] == ',' {
			i = next + 1
			continue
		}
		tok.end = next
		return tok, next, nil
	}
}

// lexValue reads one value at q[i]: quoted, or up to a space (or a comma,
// when inList).
func lexValue(q string, i int, inList bool) (string, int, *FilterError) {
	if i < len(q) && q[i] == '"' {
		var b strings.Builder
		for j := i + 1; j < len(q); j++ {
			switch c := q[j]; {
			case c == '\\' && j+1 < len(q) && (q[j+1] == '"' || q[j+1] == '\\'):
				b.WriteByte(q[j+1])
				j++
			case c == '"':
				j++
				if j < len(q) && !isQuerySpace(q[j]) && !(inList && q[j] == ',') {
					return "", 0, &FilterError{j, "unexpected text after a closing quote; separate terms with spaces and values with commas"}
				}
				return b.String(), j, nil
			default:
				b.WriteByte(c)
			}
		}
		return "", 0, &FilterError{i, `unterminated quote; close it with " (write \" for a quote inside)`}
	}
	j := i
	for j < len(q) && !isQuerySpace(q[j]) && !(inList && q[j] == ',') {
		j++
	}
	return q[i:j], j, nil
}

// addToken validates and compiles one lexed term.
func (f *Filter) addToken(tok queryToken, now time.Time) *FilterError {
	t := term{Term: Term{Negated: tok.neg, Values: tok.vals}}
	if tok.key == "" {
		if tok.vals[0] == "" {
			return &FilterError{tok.valPos[0], `empty quoted text ""; write the text to search for`}
		}
		t.mode = modeFree
		f.terms = append(f.terms, t)
		return nil
	}
	t.Key = strings.ToLower(tok.key)
	spec, ok := queryKeys[t.Key]
	if !ok {
		return &FilterError{tok.keyPos, fmt.Sprintf("unknown key %q; keys are %s", tok.key, strings.Join(keyOrder, ", "))}
	}
	t.keySpec = spec
	switch spec.mode {
	case modeTime:
		return f.addTime(t, tok, now)
	case modeReadOnly:
		for i, v := range t.Values {
			lv := strings.ToLower(v)
			if lv != "true" && lv != "false" {
				return &FilterError{tok.valPos[i], fmt.Sprintf("readonly is true or false, not %q", v)}
			}
			t.Values[i] = lv
		}
	case modeErr:
		for i, v := range t.Values {
			if lv := strings.ToLower(v); lv == "any" || lv == "none" {
				t.Values[i] = lv
			}
		}
	}
	for i, v := range t.Values {
		cv := termValue{low: strings.ToLower(v)}
		if strings.Contains(cv.low, "*") {
			cv.glob = strings.Split(cv.low, "*")
		}
		if spec.mode == modeIP {
			switch {
			case strings.Contains(v, "/"):
				p, err := netip.ParsePrefix(v)
				if err != nil {
					return &FilterError{tok.valPos[i], fmt.Sprintf("bad CIDR %q: write an address (10.0.0.1), a prefix (10.0.) or a CIDR (10.0.0.0/8)", v)}
				}
				cv.cidr = p.Masked()
			case cv.glob == nil && (strings.HasSuffix(v, ".") || strings.HasSuffix(v, ":")):
				cv.prefix = true
			}
		}
		t.vals = append(t.vals, cv)
	}
	f.terms = append(f.terms, t)
	return nil
}

// addTime applies a since or until term to the time range.
func (f *Filter) addTime(t term, tok queryToken, now time.Time) *FilterError {
	switch {
	case t.Negated:
		return &FilterError{tok.start, fmt.Sprintf("%s cannot be negated; use since or until for the other side", t.Key)}
	case len(t.Values) > 1:
		return &FilterError{tok.valPos[1], fmt.Sprintf("%s takes one time, not a list", t.Key)}
	}
	at, ok := parseWhen(t.Values[0], now)
	if !ok {
		return &FilterError{tok.valPos[0], fmt.Sprintf("bad time %q for %s: write a duration back from now (15m, 3h, 7d, 2w, 1h30m) or an RFC 3339 time (2026-11-20T10:00:00Z) or a date (2026-11-20)", t.Values[0], t.Key)}
	}
	if t.Key == "since" {
		if f.start.IsZero() || at.After(f.start) {
			f.start, f.lo = at, nanos(at)
		}
	} else if f.end.IsZero() || at.Before(f.end) {
		f.end, f.hi = at, nanos(at)
	}
	if !f.start.IsZero() && !f.end.IsZero() && f.start.After(f.end) {
		return &FilterError{tok.start, fmt.Sprintf("since (%s) is after until (%s); nothing can match", f.start.Format(time.RFC3339), f.end.Format(time.RFC3339))}
	}
	f.terms = append(f.terms, t)
	return nil
}

// maxAgo bounds relative durations, so that they cannot overflow.
const maxAgo = 100 * 365 * 24 * time.Hour

// parseWhen parses a duration back from now (units s, m, h, d, w, combined
// like 1h30m), an RFC 3339 time, or a date.
func parseWhen(v string, now time.Time) (time.Time, bool) {
	if d, ok := parseAgo(strings.ToLower(v)); ok {
		return now.Add(-d).UTC(), true
	}
	for _, layout := range []string{time.RFC3339Nano, time.DateOnly} {
		if t, err := time.Parse(layout, v); err == nil {
			return t.UTC(), true
		}
	}
	return time.Time{}, false
}

func parseAgo(v string) (time.Duration, bool) {
	units := map[byte]time.Duration{'s': time.Second, 'm': time.Minute, 'h': time.Hour, 'd': 24 * time.Hour, 'w': 7 * 24 * time.Hour}
	var total time.Duration
	for v != "" {
		i := 0
		for i < len(v) && '0' <= v[i] && v[i] <= '9' {
			i++
		}
		if i == 0 || i > 9 || i == len(v) {
			return 0, false
		}
		n, _ := strconv.Atoi(v[:i])
		unit, ok := units[v[i]]
		if !ok || time.Duration(n) > maxAgo/unit {
			return 0, false
		}
		total += time.Duration(n) * unit
		if total > maxAgo {
			return 0, false
		}
		v = v[i+1:]
	}
	return total, true
}

// Match reports whether e satisfies every term of f.
func (f *Filter) Match(e *Event) bool {
	if f == nil {
		return true
	}
	if t := nanos(e.Time); t < f.lo || t > f.hi {
		return false
	}
	for i := range f.terms {
		t := &f.terms[i]
		if t.mode != modeTime && t.hitEvent(e) == t.Negated {
			return false
		}
	}
	return true
}

// hitEvent reports whether e has a field t's values match, before negation.
func (t *term) hitEvent(e *Event) bool {
	switch t.mode {
	case modeReadOnly:
		return t.matchReadOnly(e.ReadOnly)
	case modeResource:
		for _, r := range e.Resources {
			if t.matchString(r.ARN) || t.matchString(r.Type) {
				return true
			}
		}
		return false
	case modeFree:
		if t.matchString(e.Who) || t.matchString(e.Name) || t.matchString(e.Source) || t.matchString(e.SourceIP) {
			return true
		}
		for _, r := range e.Resources {
			if t.matchString(r.ARN) {
				return true
			}
		}
		return false
	}
	return t.matchString(eventField(e, t.col))
}

// eventField returns the string field of e that col names.
func eventField(e *Event, col column) string {
	switch col {
	case colName:
		return e.Name
	case colSource:
		return e.Source
	case colRegion:
		return e.Region
	case colErrCode:
		return e.ErrorCode
	case colAccount:
		return e.Account
	case colAgent:
		return e.UserAgent
	case colType:
		return e.Type
	case colCategory:
		return e.Category
	case colWho:
		return e.Who
	case colID:
		return e.ID
	case colIP:
		return e.SourceIP
	case colKey:
		return e.AccessKeyID
	}
	return ""
}

// matchReadOnly reports whether any value of a readonly term matches ro.
func (t *term) matchReadOnly(ro ReadOnly) bool {
	for _, v := range t.vals {
		if (v.low == "true" && ro == ReadOnlyTrue) || (v.low == "false" && ro == ReadOnlyFalse) {
			return true
		}
	}
	return false
}

// matchString reports whether any value of t matches the field value s. It
// is the one string predicate both Match and the Store use.
func (t *term) matchString(s string) bool {
	return t.matchLower(s, strings.ToLower(s))
}

// matchLower is matchString given ls, s in lower case.
func (t *term) matchLower(s, ls string) bool {
	if t.mode == modeFree {
		return fuzzyMatch(t.Values[0], s)
	}
	for i := range t.vals {
		if t.vals[i].match(t.mode, s, ls) {
			return true
		}
	}
	return false
}

// match compares one value with a field value s (ls lower-cased).
func (v *termValue) match(mode matchMode, s, ls string) bool {
	switch mode {
	case modeUser:
		if v.whole(ls) {
			return true
		}
		if strings.Contains(ls, "/") {
			for part := range strings.SplitSeq(ls, "/") {
				if v.whole(part) {
					return true
				}
			}
		}
		return false
	case modeSource:
		service, _, _ := strings.Cut(ls, ".")
		return v.whole(ls) || v.whole(service)
	case modeSubstr, modeResource:
		if v.glob != nil {
			return globMatch(v.glob, ls, true)
		}
		return strings.Contains(ls, v.low)
	case modeErr:
		switch v.low {
		case "any":
			return s != ""
		case "none":
			return s == ""
		}
	case modeIP:
		switch {
		case v.cidr.IsValid():
			a, err := netip.ParseAddr(s)
			return err == nil && v.cidr.Contains(a.Unmap())
		case v.prefix:
			return strings.HasPrefix(ls, v.low)
		}
	}
	return v.whole(ls)
}

// whole compares the value with the whole of ls.
func (v *termValue) whole(ls string) bool {
	if v.glob != nil {
		return globMatch(v.glob, ls, false)
	}
	return ls == v.low
}

// globMatch matches s against the parts of a pattern split at '*'; with
// inside, the pattern may match anywhere in s.
func globMatch(parts []string, s string, inside bool) bool {
	first, last := parts[0], parts[len(parts)-1]
	if !inside {
		if !strings.HasPrefix(s, first) {
			return false
		}
		s = s[len(first):]
		parts = parts[1:]
	}
	for i, p := range parts {
		if i == len(parts)-1 && !inside {
			return strings.HasSuffix(s, last)
		}
		k := strings.Index(s, p)
		if k < 0 {
			return false
		}
		s = s[k+len(p):]
	}
	return true
}

// fuzzyMatch reports whether word matches s fuzzily (github.com/sahilm/fuzzy).
// A cheap test runs first: for ASCII text, fuzzy matching implies that the
// word's letters appear in s in order, ignoring case.
func fuzzyMatch(word, s string) bool {
	if s == "" {
		return false
	}
	if isASCII(word) && isASCII(s) && !subsequenceFold(word, s) {
		return false
	}
	return len(fuzzy.FindNoSort(word, []string{s})) > 0
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

// subsequenceFold reports whether the bytes of word appear in s in order,
// ignoring ASCII case.
func subsequenceFold(word, s string) bool {
	j := 0
	for i := 0; i < len(s) && j < len(word); i++ {
		if lowerASCII(s[i]) == lowerASCII(word[j]) {
			j++
		}
	}
	return j == len(word)
}

func lowerASCII(c byte) byte {
	if 'A' <= c && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
}

// String returns the canonical form of the query: keys in lower case,
// single spaces, values quoted only where needed. It parses back (with the
// same now) to an equal filter.
func (f *Filter) String() string {
	if f == nil {
		return ""
	}
	parts := make([]string, len(f.terms))
	for i := range f.terms {
		parts[i] = f.terms[i].String()
	}
	return strings.Join(parts, " ")
}

// String returns the term as a query writes it.
func (t Term) String() string {
	var b strings.Builder
	if t.Negated {
		b.WriteByte('-')
	}
	if t.Key == "" {
		if len(t.Values) > 0 {
			b.WriteString(quoteWord(t.Values[0]))
		}
		return b.String()
	}
	b.WriteString(t.Key)
	b.WriteByte(':')
	for i, v := range t.Values {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(quoteValue(v))
	}
	return b.String()
}

// quoteValue quotes a key's value when it would not read back as itself.
func quoteValue(v string) string {
	if v == "" || v[0] == '"' || strings.ContainsAny(v, " \t\n\r\v\f,") {
		return quoteQuery(v)
	}
	return v
}

// quoteWord quotes a free word when it would not read back as itself.
func quoteWord(v string) string {
	if v == "" || v[0] == '"' || v[0] == '-' || strings.ContainsAny(v, " \t\n\r\v\f:") {
		return quoteQuery(v)
	}
	return v
}

func quoteQuery(v string) string {
	r := strings.NewReplacer(`\`, `\\`, `"`, `\"`)
	return `"` + r.Replace(v) + `"`
}

// Empty reports whether f has no terms.
func (f *Filter) Empty() bool { return f == nil || len(f.terms) == 0 }

// TimeRange returns the since and until bounds (inclusive); zero means
// unbounded.
func (f *Filter) TimeRange() (start, end time.Time) {
	if f == nil {
		return time.Time{}, time.Time{}
	}
	return f.start, f.end
}

// Terms returns the parsed terms in query order. Keys are lower case; values
// are as written, except readonly values and err any/none, which are lower
// case.
func (f *Filter) Terms() []Term {
	if f == nil {
		return nil
	}
	out := make([]Term, len(f.terms))
	for i, t := range f.terms {
		out[i] = Term{Key: t.Key, Values: append([]string(nil), t.Values...), Negated: t.Negated}
	}
	return out
}

// SetTerm rewrites query so that key has the one value value (quoted as
// needed), in place of every term with that key, negated or not; an empty
// value removes the key. A key the language does not know leaves query
// unchanged. The rest of the query is kept as written. Text that
// cannot be parsed is kept unchanged at the end.
func SetTerm(query, key, value string) string {
	key = strings.ToLower(key)
	if _, ok := queryKeys[key]; !ok {
		return query
	}
	repl := ""
	if value != "" {
		repl = key + ":" + quoteValue(value)
	}
	var parts []string
	placed := repl == ""
	for i := skipQuerySpace(query, 0); i < len(query); i = skipQuerySpace(query, i) {
		tok, next, err := lex(query, i)
		if err != nil {
			parts = append(parts, strings.TrimRight(query[i:], " \t\n\r\v\f"))
			break
		}
		if strings.ToLower(tok.key) != key {
			parts = append(parts, query[tok.start:tok.end])
		} else if !placed {
			parts, placed = append(parts, repl), true
		}
		i = next
	}
	if !placed {
		parts = append(parts, repl)
	}
	return strings.Join(parts, " ")
}
