package ui

import (
	"bytes"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/colorprofile"
	"github.com/charmbracelet/x/exp/teatest/v2"

	"github.com/lazytrail/lazytrail/source/archive"
)

// TestFlow drives the real program over the archive fixture: load it,
// filter by user, open an event's detail, go back and quit.
func TestFlow(t *testing.T) {
	src, err := archive.NewLocal("../testdata/ui/archive")
	if err != nil {
		t.Fatal(err)
	}
	tm := teatest.NewTestModel(t, New(src, Options{}),
		teatest.WithInitialTermSize(100, 30),
		teatest.WithProgramOptions(tea.WithColorProfile(colorprofile.Ascii)))
	waitFor := func(what string) {
		t.Helper()
		teatest.WaitFor(t, tm.Output(), func(b []byte) bool { return bytes.Contains(b, []byte(what)) },
			teatest.WithDuration(10*time.Second), teatest.WithCheckInterval(20*time.Millisecond))
	}
	waitFor("5 damaged")
	tm.Type("/user:alice")
	waitFor("user:alice")
	tm.Send(tea.KeyPressMsg{Code: tea.KeyEnter})
	tm.Send(tea.KeyPressMsg{Code: tea.KeyEnter})
	waitFor("Event ID")
	tm.Send(tea.KeyPressMsg{Code: tea.KeyEscape})
	tm.Type("q")

	m, ok := tm.FinalModel(t, teatest.WithFinalTimeout(10*time.Second)).(*Model)
	if !ok {
		t.Fatal("final model is not a *Model")
	}
	if m.load.state != loadDone {
		t.Errorf("load state %v: %v", m.load.state, m.load.err)
	}
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
