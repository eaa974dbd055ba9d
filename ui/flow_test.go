package ui

import (
	"sync/atomic"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/colorprofile"
	"github.com/charmbracelet/x/exp/teatest/v2"

	"github.com/lazytrail/lazytrail/source/archive"
)

// snapshot is what TestFlow watches of the model while the program runs.
type snapshot struct {
	mode     mode
	state    loadState
	query    string
	shown    int
	total    int
	reqID    int
	cursor   int
	selected string // ID of the highlighted event
	names    map[string]bool
	status   string // the status bar
}

// probe wraps the model and publishes a snapshot after every update, so the
// test can wait on the model's state rather than on the renderer's output,
// which only redraws the cells that changed.
type probe struct {
	*Model
	last atomic.Pointer[snapshot]
}

func (p *probe) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	_, cmd := p.Model.Update(msg)
	s := snapshot{mode: p.mode, state: p.load.state, query: p.query, total: p.store.Len(), reqID: p.load.reqID,
		cursor: p.table.cursor, names: map[string]bool{}, status: p.statusView()}
	if p.sel != nil {
		s.shown = p.sel.Len()
		for i := range s.shown {
			s.names[p.sel.Event(i).Name] = true
		}
	}
	if ev, _, ok := p.current(); ok {
		s.selected = ev.ID
	}
	p.last.Store(&s)
	return p, cmd
}

func (p *probe) waitFor(t *testing.T, what string, cond func(snapshot) bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		if s := p.last.Load(); s != nil && cond(*s) {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatalf("timed out waiting for %s; last state %+v", what, p.last.Load())
}

// TestFlow drives the real program over the archive fixture: load it,
// filter by user, open an event's detail, go back and quit.
func TestFlow(t *testing.T) {
	src, err := archive.NewLocal("../testdata/ui/archive")
	if err != nil {
		t.Fatal(err)
	}
	p := &probe{Model: New(src, Options{})}
	tm := teatest.NewTestModel(t, p,
		teatest.WithInitialTermSize(100, 30),
		teatest.WithProgramOptions(tea.WithColorProfile(colorprofile.Ascii)))
	p.waitFor(t, "the load", func(s snapshot) bool { return s.state == loadDone })
	total := p.store.Len()
	tm.Type("/user:alice")
	p.waitFor(t, "the filter", func(s snapshot) bool { return s.query == "user:alice" && s.shown < total })
	tm.Send(tea.KeyPressMsg{Code: tea.KeyEnter})
	tm.Send(tea.KeyPressMsg{Code: tea.KeyEnter})
	p.waitFor(t, "the detail pane", func(s snapshot) bool { return s.mode == modeDetail })
	tm.Send(tea.KeyPressMsg{Code: tea.KeyEscape})
	p.waitFor(t, "the table", func(s snapshot) bool { return s.mode == modeNormal })
	tm.Type("q")

	fm, ok := tm.FinalModel(t, teatest.WithFinalTimeout(10*time.Second)).(*probe)
	if !ok {
		t.Fatal("final model is not the probe")
	}
	m := fm.Model
	if m.query != "user:alice" || m.mode != modeNormal {
		t.Errorf("final query %q, mode %v", m.query, m.mode)
	}
	if m.sel.Len() == 0 || m.sel.Len() >= m.store.Len() {
		t.Errorf("user:alice selects %d of %d events", m.sel.Len(), m.store.Len())
	}
	for i := range m.sel.Len() {
		if ev := m.sel.Event(i); ev.Who != "alice" {
			t.Fatalf("user:alice selected an event of %q", ev.Who)
		}
	}
}
