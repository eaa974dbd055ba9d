package ui

import (
	"fmt"
	"testing"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/exp/golden"

	"github.com/lazytrail/lazytrail/model"
	"github.com/lazytrail/lazytrail/source"
)

var sizes = []struct{ w, h int }{{80, 24}, {120, 40}}

// goldenAtSizes checks the screen at every size in sizes after a load of n
// generated events in pages of pageSize and the key presses keys.
func goldenAtSizes(t *testing.T, n, pageSize int, keys ...string) {
	t.Helper()
	for _, sz := range sizes {
		t.Run(fmt.Sprintf("%dx%d", sz.w, sz.h), func(t *testing.T) {
			m := newTestModel(&sliceSource{events: genEvents(t, n), pageSize: pageSize}, Options{}, sz.w, sz.h)
			drive(t, m, m.Init())
			press(t, m, keys...)
			golden.RequireEqual(t, frame(m))
		})
	}
}

// TestGoldenTable checks the table screen after a load.
func TestGoldenTable(t *testing.T) {
	goldenAtSizes(t, 60, 16, "down", "down", "down")
}

// TestGoldenDetail checks the detail pane of a failed call.
func TestGoldenDetail(t *testing.T) {
	goldenAtSizes(t, 60, 16, "down", "down", "down", "enter")
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

// TestGoldenHelp checks the help screen, which must fit 80x24.
func TestGoldenHelp(t *testing.T) {
	goldenAtSizes(t, 5, 5, "?")
}

// TestGoldenFollowing checks the table of a live source in follow mode,
// with the filter's plan, after new events arrived above the selection.
func TestGoldenFollowing(t *testing.T) {
	plan := func(*model.Filter, bool) (string, string) { return "since:3h user:alice", "-event:AssumeRole" }
	h := newLiveHarness(t, newFollowSource(genEvents(t, 60), 20), Options{Follow: true, Plan: plan,
		Filter: "user:alice -event:AssumeRole since:3h"})
	h.press("j")
	h.feed(source.Page{Events: newer(t, 2)}, nil)
	golden.RequireEqual(t, frame(h.m))
}
