package ui

import (
	"context"
	"fmt"

	tea "charm.land/bubbletea/v2"

	"github.com/lazytrail/lazytrail/source"
)

// Run shows src in the terminal until the user quits or ctx is done.
func Run(ctx context.Context, src source.Source, opts Options) error {
	m := New(src, opts)
	m.base = ctx
	final, err := tea.NewProgram(m, tea.WithContext(ctx)).Run()
	if fm, ok := final.(*Model); ok {
		fm.release()
	}
	if err != nil {
		return fmt.Errorf("run interface: %w", err)
	}
	return nil
}

// release stops the current read and closes its cursor. A read still in
// progress is cancelled first, so Close does not race with Next for sources
// that return promptly on cancellation.
func (m *Model) release() {
	if m.load.cancel != nil {
		m.load.cancel()
	}
	if m.load.cursor != nil && !m.load.busy() {
		_ = m.load.cursor.Close()
	}
	if m.fol.cancel != nil {
		m.fol.cancel()
	}
	if m.fol.cursor != nil && !m.fol.busy {
		_ = m.fol.cursor.Close()
	}
}
