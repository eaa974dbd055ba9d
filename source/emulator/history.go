package emulator

import (
	"slices"
	"sort"
	"sync"
	"time"
)

// history is the emulator's event history: events in time order, capped
// (the oldest are dropped and counted), indexed by every LookupEvents
// attribute.
type history struct {
	mu       sync.RWMutex
	cap      int
	seq      uint64
	events   []*event // oldest first, ordered by (time, seq)
	byID     map[string]*event
	postings map[posting][]*event // oldest first, same order
	dropped  int64
}

// posting names one attribute value, e.g. {"EventName", "RunInstances"}.
type posting struct{ key, value string }

func newHistory(capacity int) *history {
	return &history{cap: capacity, byID: make(map[string]*event), postings: make(map[posting][]*event)}
}

// before reports whether a sorts before b.
func before(a, b *event) bool {
	if !a.time.Equal(b.time) {
		return a.time.Before(b.time)
	}
	return a.seq < b.seq
}

// postingsOf lists the attribute values an event can be looked up by.
func postingsOf(ev *event) []posting {
	ps := make([]posting, 0, 5+2*len(ev.resources))
	add := func(key, value string) {
		if value != "" && !slices.Contains(ps, posting{key, value}) {
			ps = append(ps, posting{key, value})
		}
	}
	add("EventName", ev.name)
	add("EventSource", ev.source)
	add("Username", ev.username)
	add("AccessKeyId", ev.accessKey)
	add("ReadOnly", ev.readOnly)
	for _, r := range ev.resources {
		add("ResourceType", r.Type)
		add("ResourceName", r.Name)
	}
	return ps
}

// insertSorted puts ev into list, kept in order; appending is the common
// case.
func insertSorted(list []*event, ev *event) []*event {
	if n := len(list); n == 0 || before(list[n-1], ev) {
		return append(list, ev)
	}
	i := sort.Search(len(list), func(i int) bool { return before(ev, list[i]) })
	return slices.Insert(list, i, ev)
}

// removeEvent drops ev from list; ev is normally its first element.
func removeEvent(list []*event, ev *event) []*event {
	if len(list) > 0 && list[0] == ev {
		list[0] = nil
		return list[1:]
	}
	if i := slices.Index(list, ev); i >= 0 {
		return slices.Delete(list, i, i+1)
	}
	return list
}

// add inserts events, skipping event IDs already present, then drops the
// oldest beyond the cap.
func (h *history) add(evs []*event) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for _, ev := range evs {
		if _, dup := h.byID[ev.id]; dup {
			continue
		}
		h.seq++
		ev.seq = h.seq
		h.byID[ev.id] = ev
		h.events = insertSorted(h.events, ev)
		for _, p := range postingsOf(ev) {
			h.postings[p] = insertSorted(h.postings[p], ev)
		}
	}
	for len(h.events) > h.cap {
		old := h.events[0]
		h.events[0] = nil
		h.events = h.events[1:]
		delete(h.byID, old.id)
		for _, p := range postingsOf(old) {
			if l := removeEvent(h.postings[p], old); len(l) > 0 {
				h.postings[p] = l
			} else {
				delete(h.postings, p)
			}
		}
		h.dropped++
	}
}

func (h *history) stats() (events int, dropped int64) {
	h.mu.RLock()
	defer h.mu.RUnlock()
	return len(h.events), h.dropped
}

// all returns the raw records in time order, oldest first.
func (h *history) all() [][]byte {
	h.mu.RLock()
	defer h.mu.RUnlock()
	out := make([][]byte, len(h.events))
	for i, ev := range h.events {
		out[i] = ev.raw
	}
	return out
}

// position is where a page of results stopped: the (time, seq) of its last
// event.
type position struct {
	time time.Time
	seq  uint64
}

// lookupQuery selects events the way LookupEvents does.
type lookupQuery struct {
	account, region string
	key, value      string // the lookup attribute; key "" means none
	start, end      time.Time
	insight         bool
	after           *position // continue with events older than this
	limit           int
}

// lookup returns up to q.limit matching events, newest first, and where to
// continue when more remain.
func (h *history) lookup(q lookupQuery) ([]*event, *position) {
	h.mu.RLock()
	defer h.mu.RUnlock()
	var list []*event
	switch q.key {
	case "":
		list = h.events
	case "EventId":
		if ev, ok := h.byID[q.value]; ok {
			list = []*event{ev}
		}
	default:
		list = h.postings[posting{q.key, q.value}]
	}
	// Find the first event beyond the upper bound, then walk back.
	i := sort.Search(len(list), func(i int) bool {
		ev := list[i]
		if q.after != nil {
			return ev.time.After(q.after.time) || ev.time.Equal(q.after.time) && ev.seq >= q.after.seq
		}
		return ev.time.After(q.end)
	})
	category := "Management"
	if q.insight {
		category = "Insight"
	}
	var out []*event
	for i--; i >= 0; i-- {
		ev := list[i]
		if ev.time.Before(q.start) {
			break
		}
		if ev.account != q.account || ev.region != q.region || ev.category != category {
			continue
		}
		if len(out) == q.limit {
			last := out[len(out)-1]
			return out, &position{time: last.time, seq: last.seq}
		}
		out = append(out, ev)
	}
	return out, nil
}
