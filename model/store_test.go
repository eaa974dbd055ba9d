package model

import (
	"bytes"
	"fmt"
	"hash/maphash"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"
)

// selected returns every event of sel, in order.
func selected(sel *Selection) []Event {
	out := make([]Event, sel.Len())
	for i := range out {
		out[i] = sel.Event(i)
	}
	return out
}

// newestFirst sorts events as the store must: newest first, ties in the
// order they were added.
func newestFirst(events []Event) []Event {
	out := slices.Clone(events)
	slices.SortStableFunc(out, func(a, b Event) int { return b.Time.Compare(a.Time) })
	return out
}

func TestStoreRoundTrip(t *testing.T) {
	g := newSynth(1)
	events := g.page(3000)
	s := NewStore()
	for p := range slices.Chunk(events, 125) {
		s.Add(p)
	}
	if s.Len() != len(events) {
		t.Fatalf("Len = %d, want %d", s.Len(), len(events))
	}
	got := selected(s.Select(nil))
	for i, want := range newestFirst(events) {
		if !reflect.DeepEqual(got[i], want) {
			t.Fatalf("event %d:\n got %+v\nwant %+v", i, got[i], want)
		}
	}
}

func TestStoreDedupe(t *testing.T) {
	g := newSynth(2)
	events := g.page(10)
	noID := events[9]
	noID.ID = ""
	s := NewStore()
	if n := s.Add(events[:6]); n != 6 {
		t.Fatalf("first page added %d, want 6", n)
	}
	v := s.Version()
	// The same IDs again, from another file: only the 4 new ones count.
	again := slices.Clone(events[3:])
	for i := range again {
		again[i].Blob = &memBlob{name: "other"}
	}
	if n := s.Add(again); n != 4 {
		t.Fatalf("overlapping page added %d, want 4", n)
	}
	if s.Version() == v {
		t.Error("Version did not change after adding events")
	}
	v = s.Version()
	if n := s.Add(events); n != 0 || s.Version() != v {
		t.Errorf("a page of duplicates added %d and changed the version %v", n, s.Version() != v)
	}
	// A duplicate inside one page, and events without an ID, which are all kept.
	if n := s.Add([]Event{noID, noID, events[0], noID}); n != 3 {
		t.Errorf("page with empty IDs added %d, want 3", n)
	}
	if s.Len() != 13 {
		t.Errorf("Len = %d, want 13", s.Len())
	}
	if n := s.Add(nil); n != 0 {
		t.Errorf("Add(nil) = %d", n)
	}
}

// TestStoreOrder adds pages in every kind of order and checks the store
// keeps newest first, ties in the order events were added.
func TestStoreOrder(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 3))
	g := newSynth(3)
	var pages [][]Event
	for range 60 {
		pages = append(pages, g.page(1+rng.IntN(40)))
	}
	tests := map[string]func([][]Event) [][]Event{
		"newest first": func(p [][]Event) [][]Event { return p },
		"oldest first": func(p [][]Event) [][]Event { p = slices.Clone(p); slices.Reverse(p); return p },
		"shuffled": func(p [][]Event) [][]Event {
			p = slices.Clone(p)
			rng.Shuffle(len(p), func(i, j int) { p[i], p[j] = p[j], p[i] })
			return p
		},
		"unsorted pages": func(p [][]Event) [][]Event {
			var out [][]Event
			for _, page := range p {
				page = slices.Clone(page)
				rng.Shuffle(len(page), func(i, j int) { page[i], page[j] = page[j], page[i] })
				out = append(out, page)
			}
			return out
		},
		"interleaved": func(p [][]Event) [][]Event {
			// Two sources merged: pages whose time ranges overlap.
			all := slices.Concat(p...)
			var a, b []Event
			for i, e := range all {
				if i%3 == 0 {
					a = append(a, e)
				} else {
					b = append(b, e)
				}
			}
			return slices.Concat(slices.Collect(slices.Chunk(a, 17)), slices.Collect(slices.Chunk(b, 23)))
		},
	}
	for name, arrange := range tests {
		t.Run(name, func(t *testing.T) {
			s := NewStore()
			var added []Event
			for _, p := range arrange(pages) {
				s.Add(p)
				added = append(added, p...)
				if got, want := s.Len(), len(added); got != want {
					t.Fatalf("Len = %d, want %d", got, want)
				}
			}
			got := selected(s.Select(nil))
			for i, want := range newestFirst(added) {
				if got[i].ID != want.ID {
					t.Fatalf("position %d: %s at %v, want %s at %v", i, got[i].ID, got[i].Time, want.ID, want.Time)
				}
			}
			oldest, newest := s.Span()
			if !oldest.Equal(got[len(got)-1].Time) || !newest.Equal(got[0].Time) {
				t.Errorf("Span = %v, %v; want %v, %v", oldest, newest, got[len(got)-1].Time, got[0].Time)
			}
		})
	}
}

// TestStoreFollow adds pages newer than everything held, as follow mode
// does, and checks a selection index follows the selected row.
func TestStoreFollow(t *testing.T) {
	g := newSynth(4)
	all := g.page(400)
	s := NewStore()
	s.Add(all[300:])
	sel := s.Select(nil)
	picked := sel.Row(42)
	for end := 300; end > 0; end -= 20 {
		s.Add(all[end-20 : end])
		next := s.Select(nil)
		i, ok := next.Index(picked)
		if !ok || next.Row(i) != picked || next.Event(i).ID != sel.Event(42).ID {
			t.Fatalf("after adding newer events, Index(%d) = %d, %v", picked, i, ok)
		}
		if want := 300 - (end - 20) + 42; i != want {
			t.Fatalf("Index = %d, want %d", i, want)
		}
	}
	// A row the selection does not hold.
	f, _ := ParseFilter("id:"+all[0].ID, now)
	one := s.Select(f)
	if one.Len() != 1 || one.Event(0).ID != all[0].ID {
		t.Fatalf("id: selected %d events", one.Len())
	}
	if _, ok := one.Index(picked); ok {
		t.Error("Index found a row that is not selected")
	}
	if _, ok := one.Index(RowID(s.Len() + 5)); ok {
		t.Error("Index found a row that does not exist")
	}
}

// blobFile is a Blob whose content is a list of records.
type blobFile struct {
	name string
	data []byte
}

func (b blobFile) Name() string             { return b.name }
func (b blobFile) Content() ([]byte, error) { return b.data, nil }

// sliceBlob is a Blob whose dynamic value cannot be a map key.
type sliceBlob []byte

func (b sliceBlob) Name() string             { return "slice" }
func (b sliceBlob) Content() ([]byte, error) { return b, nil }

func TestStoreRecord(t *testing.T) {
	content := []byte(`{"Records":[{"eventID":"a"},{"eventID":"b"}]}`)
	file := &blobFile{name: "f.json", data: content}
	big := strings.Repeat("x", rawChunkSize+10)
	events := []Event{
		{ID: "a", Blob: file, RawOffset: 12, RawLength: 15},
		{ID: "b", Blob: file, RawOffset: 28, RawLength: 15},
		{ID: "c", Raw: []byte(`{"eventID":"c"}`)},
		{ID: "d", Raw: []byte{}},
		{ID: "e"},
		{ID: "f", Raw: []byte(big)},
		{ID: "g", Blob: sliceBlob(content), RawOffset: 12, RawLength: 15},
		{ID: "h", Blob: blobFile{name: "value", data: content}, RawOffset: 28, RawLength: 15},
		{ID: "i", Blob: file, RawOffset: math.MaxUint32 + 7, RawLength: 3},
		{ID: "j", Blob: file, RawOffset: -1, RawLength: 3},
	}
	for i := range events {
		events[i].Time = now.Add(-time.Duration(i) * time.Minute)
	}
	s := NewStore()
	s.Add(events)
	sel := s.Select(nil)
	for i, want := range events {
		got := sel.Event(i)
		if !reflect.DeepEqual(got, want) {
			t.Errorf("event %s:\n got %+v\nwant %+v", want.ID, got, want)
			continue
		}
		gr, gerr := got.Record()
		wr, werr := want.Record()
		if !bytes.Equal(gr, wr) || (gerr == nil) != (werr == nil) || (gr == nil) != (wr == nil) {
			t.Errorf("event %s: Record() = %q, %v; want %q, %v", want.ID, gr, gerr, wr, werr)
		}
	}
	// Inline raw bytes were copied: changing the caller's slice changes nothing.
	events[2].Raw[0] = 'X'
	if e := sel.Event(2); e.Raw[0] != '{' {
		t.Error("the store retained the caller's Raw slice")
	}
	if got, want := len(s.blobs), 1+2+3; got != want {
		t.Errorf("blob table holds %d entries, want %d (none, 2 raw chunks, file, slice, value)", got, want)
	}
}

func TestStoreUsers(t *testing.T) {
	s := NewStore()
	var events []Event
	for i, who := range []string{"alice", "bob", "alice", "", "carol", "bob", "alice", "deploy-bot/s-1"} {
		events = append(events, Event{ID: fmt.Sprint(i), Who: who, Time: now})
	}
	s.Add(events)
	s.Add(events) // duplicates are not counted twice
	want := []UserCount{{"alice", 3}, {"bob", 2}, {"carol", 1}, {"deploy-bot/s-1", 1}}
	if got := s.Users(); !reflect.DeepEqual(got, want) {
		t.Errorf("Users() = %v, want %v", got, want)
	}
	if got := NewStore().Users(); len(got) != 0 {
		t.Errorf("empty store Users() = %v", got)
	}
	if o, n := NewStore().Span(); !o.IsZero() || !n.IsZero() {
		t.Errorf("empty store Span() = %v, %v", o, n)
	}
}

func TestStoreTimes(t *testing.T) {
	times := []time.Time{
		{}, time.Date(1, 2, 3, 0, 0, 0, 0, time.UTC), time.Date(9999, 1, 1, 0, 0, 0, 0, time.UTC),
		time.Date(2026, 11, 20, 1, 2, 3, 456789, time.FixedZone("x", 3600)),
	}
	s := NewStore()
	for i, tm := range times {
		s.Add([]Event{{ID: fmt.Sprint(i), Time: tm}})
	}
	sel := s.Select(nil)
	got := []time.Time{sel.Event(0).Time, sel.Event(1).Time, sel.Event(2).Time, sel.Event(3).Time}
	want := []time.Time{maxTime.UTC(), times[3].UTC(), {}, {}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("times = %v, want %v (clamped to what a row holds)", got, want)
	}
}

func TestHistogram(t *testing.T) {
	s := NewStore()
	base := time.Date(2026, 11, 20, 0, 0, 0, 0, time.UTC)
	var events []Event
	for i, minute := range []int{0, 1, 1, 5, 9, 10, 59, -1} {
		events = append(events, Event{ID: fmt.Sprint(i), Time: base.Add(time.Duration(minute) * time.Minute)})
	}
	s.Add(events)
	got := s.Select(nil).Histogram(6, base, base.Add(time.Hour))
	if want := []int{5, 1, 0, 0, 0, 1}; !reflect.DeepEqual(got, want) {
		t.Errorf("Histogram = %v, want %v", got, want)
	}
	got = s.Select(nil).Histogram(2, base, base.Add(10*time.Minute))
	if want := []int{3, 2}; !reflect.DeepEqual(got, want) {
		t.Errorf("Histogram = %v, want %v", got, want)
	}
	if got := s.Select(nil).Histogram(0, base, base); got != nil {
		t.Errorf("Histogram with no buckets = %v", got)
	}
}

func TestEncodeRoundTrip(t *testing.T) {
	for _, s := range []string{
		"", "a", "0b5a7e2c-1f00-4c1e-9a55-1234567890ab", "0B5A7E2C-1F00-4C1E-9A55-1234567890AB",
		"0b5a7e2c-1f00-4c1e-9a55-1234567890AB", "0b5a7e2c-1f00-4c1e-9a55-1234567890a", "0b5a7e2c-1f00-4c1e-9a55_1234567890ab",
		"00000000-0000-0000-0000-000000000000", "gb5a7e2c-1f00-4c1e-9a55-1234567890ab",
		"ffffffff-abcd-ef01-2345-6789abcdef00", "FFFFFFFF-ABCD-EF01-2345-6789ABCDEF00", "0b5a7e2c-1f00-4c1e-9a55-1234567890:b",
		"1.2.3.4", "255.255.255.255", "0.0.0.0", "01.2.3.4", "1.2.3", "1.2.3.4.5", "256.1.1.1", "1..2.3", "1.2.3.", ".1.2.3",
		"::1", "AWS Internal", "ec2.amazonaws.com", strings.Repeat("é", 300), "nul\x00byte", "\xff\xfe",
	} {
		e, ok := pack(nil, s)
		if !ok {
			e = plain(nil, s)
		}
		if got := string(decode(nil, e)); got != s {
			t.Errorf("decode(encode(%q)) = %q", s, got)
		}
		if n := entrySize(append(e, "trailing"...)); n != len(e) {
			t.Errorf("entrySize(%q) = %d, want %d", s, n, len(e))
		}
	}
	for _, exact := range []bool{true, false} {
		for _, packs := range []bool{true, false} {
			testSymtab(t, newSymtab(&arena{}, maphash.MakeSeed(), exact, packs))
		}
	}
}

// testSymtab interns a mix of strings, some repeated far apart, and checks
// each symbol gives back its string and, in an exact table, that a string
// has one symbol.
func testSymtab(t *testing.T, st *symtab) {
	t.Helper()
	want := map[string]uint32{}
	strs := map[uint32]string{}
	for i := range 20000 {
		s := fmt.Sprintf("v%d", i%5700)
		switch i % 3 {
		case 0:
			s = fmt.Sprintf("10.0.%d.%d", i%7, i%250)
		case 1:
			s = fmt.Sprintf("%08x-0000-4000-8000-%012x", i%3000, i%3000)
		}
		sym, added, ok := st.intern(s)
		if !ok {
			t.Fatal("intern failed")
		}
		if old, seen := want[s]; st.exact && (seen != !added || (seen && old != sym)) {
			t.Fatalf("intern(%q) = %d, added %v; had %d, %v", s, sym, added, old, seen)
		}
		if prev, ok := strs[sym]; (ok && prev != s) || (!ok && !added) {
			t.Fatalf("intern(%q) = %d, which is %q", s, sym, prev)
		}
		want[s], strs[sym] = sym, s
	}
	for sym, s := range strs {
		if got := st.str(sym); got != s {
			t.Errorf("str(%d) = %q, want %q", sym, got, s)
		}
	}
	if st.exact && st.len() != len(want)+1 {
		t.Errorf("len = %d, want %d", st.len(), len(want)+1)
	}
	if !st.exact && st.len() != len(strs)+1 {
		t.Errorf("len = %d, want %d", st.len(), len(strs)+1)
	}
}

// oddEvents are events with the fields filters trip over: empty, non-ASCII,
// hostile, IPv6 or host names for addresses, several resources.
func oddEvents() []Event {
	base := time.Date(2026, 11, 19, 23, 52, 0, 0, time.UTC)
	return []Event{
		{ID: "odd-1", Time: base, Insight: true, Category: "Insight", Type: "AwsCloudTrailInsight"},
		{ID: "odd-2", Time: base, Who: "ünïcode/Sessión", Name: "RunInstances", SourceIP: "2001:db8::1", Region: "us-east-1",
			UserAgent: "\x1b]0;owned\x07curl", ErrorCode: "AccessDenied", ReadOnly: ReadOnlyTrue},
		{ID: "odd-3", Time: base.Add(-time.Second), Who: "AWS Internal", SourceIP: "ec2.amazonaws.com", Source: "ec2.amazonaws.com",
			Resources: []Resource{{ARN: "arn:aws:s3:::bucket-1", Type: "AWS::S3::Bucket"}, {ARN: "arn:aws:ec2:us-east-1:1:instance/i-0abc", Type: "AWS::EC2::Instance"}}},
		{ID: "ODD-4", Time: base.Add(-time.Minute), Who: "ALICE", Name: "runinstances", SourceIP: "::ffff:10.1.2.3", AccessKeyID: "akiaLOWER"},
		{ID: "ABCDEF01-2345-6789-ABCD-EF0123456789", Time: base.Add(-2 * time.Minute), Who: "Bob", Name: "GetObject"},
		{ID: "", Time: base, Who: "alice", SourceIP: "10.0.0.1", Name: "\u212aelvin"},
		{ID: "", Time: time.Time{}, Who: "nul\x00alice", SourceIP: "01.2.3.4"},
	}
}

func TestSelectAgreesWithMatch(t *testing.T) {
	g := newSynth(5)
	events := append(g.page(3000), oddEvents()...)
	s := NewStore()
	for p := range slices.Chunk(events, 97) {
		s.Add(p)
	}
	all := s.Select(nil)
	stored := selected(all)
	byID := map[string]*Event{}
	for i := range events {
		byID[events[i].ID] = &events[i]
	}
	pool := []string{
		"user:alice", "user:deploy-bot", "user:*bot*", "-user:root", "user:sessión", "event:RunInstances,CreateBucket",
		"event:*Instances", "-event:*", "source:ec2", "source:s3,iam", "region:us-east-1", "-region:eu-*", "ip:10.0.0.0/8",
		"ip:1.", "ip:*5*", "ip:2001:db8::/32", "ip:ec2.amazonaws.com", "err:any", "err:none", "-err:AccessDenied",
		"readonly:true", "readonly:false", "resource:thing/1", "resource:AWS::S3*", "-resource:*", "account:123456789012",
		"since:2026-11-19T23:50:00Z", "until:2026-11-19T23:55:00Z", "id:0*", "id:odd-4", "id:abcdef01*", "id:*-ABCD-*", "-id:*ef*", "accesskey:*lower", "accesskey:AKIA*", "agent:boto",
		"agent:*\x1b*", "type:AwsConsoleSignIn", "category:management", "runinst", "alice", "10", "thing", "-ec2", "zz",
		"ünï", "i-0abc", "kelvin", "\u212a", "deploybot", "-alice", "12.3",
		"id:" + events[17].ID, "id:" + strings.ToUpper(events[18].ID) + "," + events[19].ID, "-id:" + events[20].ID,
		"ip:" + events[21].SourceIP, "ip:" + events[22].SourceIP + "/16", "ip:" + events[23].SourceIP + ",::ffff:10.1.2.3",
	}
	rng := rand.New(rand.NewPCG(5, 5))
	partial := 0
	for range 300 {
		var parts []string
		for range 1 + rng.IntN(3) {
			parts = append(parts, pool[rng.IntN(len(pool))])
		}
		q := strings.Join(parts, " ")
		f, err := ParseFilter(q, now)
		if err != nil {
			continue // since after until
		}
		sel := s.Select(f)
		var want []RowID
		for i := range stored {
			e := &stored[i]
			m := f.Match(e)
			if orig := byID[e.ID]; e.ID != "" && f.Match(orig) != m {
				t.Fatalf("%q: Match disagrees on the stored and the original event %s", q, e.ID)
			}
			if m {
				want = append(want, all.Row(i))
			}
		}
		if !slices.Equal(sel.rows, want) {
			t.Fatalf("%q: Select found %d events, Match %d", q, sel.Len(), len(want))
		}
		if len(want) > 0 && len(want) < len(stored) {
			partial++
		}
	}
	if partial < 100 {
		t.Errorf("only %d queries selected some but not all events; the corpus does not exercise the filters", partial)
	}
}

const (
	benchEvents = 1_000_000
	benchPage   = 125
)

// fill adds n synthetic events to s in pages, newest first, the way an
// archive or the live API delivers them. Generating a page is not timed.
func fill(tb testing.TB, s *Store, n int) {
	g := newSynth(7)
	b, _ := tb.(*testing.B)
	for added := 0; added < n; added += benchPage {
		if b != nil {
			b.StopTimer()
		}
		page := g.page(min(benchPage, n-added))
		if b != nil {
			b.StartTimer()
		}
		s.Add(page)
	}
}

// heapPerEvent loads benchEvents events and returns the live heap bytes per
// event after a GC.
func heapPerEvent(tb testing.TB) float64 {
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	s := NewStore()
	fill(tb, s, benchEvents)
	runtime.GC()
	runtime.ReadMemStats(&after)
	runtime.KeepAlive(s)
	return float64(after.HeapAlloc-before.HeapAlloc) / benchEvents
}

// TestStoreHeapPerEvent checks the memory budget: at most 150 bytes of heap
// per event with a million events loaded.
func TestStoreHeapPerEvent(t *testing.T) {
	if testing.Short() {
		t.Skip("loads a million events")
	}
	per := heapPerEvent(t)
	t.Logf("%.1f heap bytes per event", per)
	if per > 150 {
		t.Errorf("the store takes %.1f heap bytes per event, more than 150", per)
	}
}

// TestStoreParsedRecords round-trips the parser's fixtures through the
// store: every event comes back as parsed, and each is found by its caller.
func TestStoreParsedRecords(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("..", "testdata", "records", "*.json"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no record fixtures: %v", err)
	}
	var events []Event
	for _, name := range files {
		raw, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		e, err := ParseRecord(raw)
		if err != nil {
			continue // the damaged fixtures
		}
		e.Raw = raw
		events = append(events, e)
	}
	if len(events) < 10 {
		t.Fatalf("only %d fixtures parse", len(events))
	}
	s := NewStore()
	s.Add(events)
	byID := map[string]Event{}
	for _, e := range events {
		byID[e.ID] = e
	}
	all := s.Select(nil)
	for i := range all.Len() {
		got := all.Event(i)
		want, ok := byID[got.ID]
		if !ok {
			t.Fatalf("stored event %q was not added", got.ID)
		}
		want.Time = want.Time.UTC()
		if want.ID != "" && !reflect.DeepEqual(got, want) {
			t.Errorf("event %s:\n got %+v\nwant %+v", want.ID, got, want)
		}
		f, err := ParseFilter("user:"+quoteValue(got.Who), now)
		if err != nil {
			t.Fatal(err)
		}
		if got.Who != "" && !f.Match(&got) {
			t.Errorf("event %s: user:%s does not match its own caller", got.ID, got.Who)
		}
	}
	if all.Len() != len(events) {
		t.Errorf("stored %d of %d events", all.Len(), len(events))
	}
}

// anyBlob is a Blob whose values are comparable or not, by what it holds.
type anyBlob struct{ v any }

func (b anyBlob) Name() string             { return "any" }
func (b anyBlob) Content() ([]byte, error) { return []byte(fmt.Sprint(b.v)), nil }

// Blobs of any kind, comparable or not, mixed in one page, keep their
// records.
func TestStoreMixedBlobs(t *testing.T) {
	blobs := []Blob{
		&memBlob{name: "a", data: []byte("aaaa")}, sliceBlob("bbbb"), anyBlob{1234},
		anyBlob{[]int{5678}}, anyBlob{[]int{9012}}, sliceBlob("cccc"), anyBlob{1234},
		&memBlob{name: "b", data: []byte("dddd")}, anyBlob{[]int{3456}},
	}
	events := make([]Event, len(blobs))
	at := time.Date(2026, 11, 20, 0, 0, 0, 0, time.UTC)
	for i, b := range blobs {
		events[i] = Event{ID: fmt.Sprint(i), Name: "X", Time: at.Add(-time.Duration(i) * time.Second), Blob: b, RawOffset: 1, RawLength: 2}
	}
	s := NewStore()
	if n := s.Add(events); n != len(events) {
		t.Fatalf("added %d, want %d", n, len(events))
	}
	sel := s.Select(nil)
	for i, b := range blobs {
		e := sel.Event(i)
		content, _ := b.Content()
		if got, err := e.Record(); err != nil || string(got) != string(content[1:3]) {
			t.Errorf("event %d: Record() = %q, %v; want %q", i, got, err, content[1:3])
		}
	}
}
