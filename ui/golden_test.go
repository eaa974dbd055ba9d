package ui

import (
	"fmt"
	"testing"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/exp/golden"
)

var sizes = []struct{ w, h int }{{80, 24}, {120, 40}}

// TestGoldenTable checks the table screen after a load.
func TestGoldenTable(t *testing.T) {
	for _, sz := range sizes {
		t.Run(fmt.Sprintf("%dx%d", sz.w, sz.h), func(t *testing.T) {
			m := newTestModel(&sliceSource{events: genEvents(t, 60), pageSize: 16}, Options{}, sz.w, sz.h)
			drive(t, m, m.Init())
			press(t, m, "down", "down", "down")
			golden.RequireEqual(t, frame(m))
		})
	}
}

// TestGoldenDetail checks the detail pane of a failed call.
func TestGoldenDetail(t *testing.T) {
	for _, sz := range sizes {
		t.Run(fmt.Sprintf("%dx%d", sz.w, sz.h), func(t *testing.T) {
			m := newTestModel(&sliceSource{events: genEvents(t, 60), pageSize: 16}, Options{}, sz.w, sz.h)
			drive(t, m, m.Init())
			press(t, m, "down", "down", "down", "enter")
			golden.RequireEqual(t, frame(m))
		})
	}
}

// TestGoldenFilterError checks a bad query's error shown in place, with
// the last good filter still applied.
func TestGoldenFilterError(t *testing.T) {
	m := newTestModel(&sliceSource{events: genEvents(t, 60), pageSize: 16}, Options{}, 80, 24)
	drive(t, m, m.Init())
	press(t, m, "/")
	_, cmd := m.Update(tea.PasteMsg{Content: "user:bob regoin:us-east-1"})
	drive(t, m, cmd)
	golden.RequireEqual(t, frame(m))
}

// TestGoldenUserPicker checks the user picker with its counts.
func TestGoldenUserPicker(t *testing.T) {
	m := newTestModel(&sliceSource{events: genEvents(t, 60), pageSize: 16}, Options{}, 80, 24)
	drive(t, m, m.Init())
	press(t, m, "u")
	golden.RequireEqual(t, frame(m))
}
