package ui

import (
	"context"
	"errors"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/lazytrail/lazytrail/source"
)

// defaultFollowEvery is how often follow mode polls when Options.FollowEvery
// is 0, as the live source does by default (lookup.DefaultFollowInterval).
const defaultFollowEvery = 5 * time.Second

// noticeFor is how long a notice from Options.Notices stays in the status
// bar.
const noticeFor = 5 * time.Second

// follow is the root's view of follow mode's cursor, which waits for new
// events after the current read has had its first page. Like the loader it
// has request ids: messages of a cursor that was stopped are dropped.
type follow struct {
	id      int
	load    int // the loader request id the cursor follows; 0 for none
	cursor  source.Cursor
	ctx     context.Context // the context of every Next of the cursor
	cancel  context.CancelFunc
	busy    bool      // a Next is running
	err     error     // why the cursor failed; r starts it again
	polled  time.Time // the latest poll, by the cursor's schedule
	tickSeq int       // counts poll schedules, to drop outdated ticks
}

// followMsg carries what a follow cursor's Next returned.
type followMsg struct {
	id     int
	cursor source.Cursor
	page   source.Page
	err    error
}

// followTickMsg marks the time a follow cursor is due to poll again.
type followTickMsg struct {
	id, seq int
	at      time.Time
}

// noticeMsg carries one line from Options.Notices.
type noticeMsg struct{ text string }

// noticeExpiredMsg clears a notice, unless a newer one replaced it.
type noticeExpiredMsg struct{ seq int }

// followEvery is the poll interval of follow mode.
func (m *Model) followEvery() time.Duration {
	if m.opts.FollowEvery > 0 {
		return m.opts.FollowEvery
	}
	return defaultFollowEvery
}

// toggleFollow turns follow mode on or off; sources that cannot follow say
// so instead.
func (m *Model) toggleFollow() tea.Cmd {
	if _, ok := m.src.(source.Follower); !ok {
		m.flash = "this source cannot follow new events; only the live API can"
		return nil
	}
	m.following = !m.following
	if !m.following {
		return m.stopFollow()
	}
	if m.load.paged {
		return m.startFollow()
	}
	return nil // paged starts it with the read's first page
}

// startFollow starts a follow cursor for the current query from the newest
// event held, replacing any running one.
func (m *Model) startFollow() tea.Cmd {
	stop := m.stopFollow()
	f, ok := m.src.(source.Follower)
	if !ok || !m.following {
		return stop
	}
	_, newest := m.store.Span()
	ctx, cancel := context.WithCancel(m.base)
	cur := f.Follow(m.load.query, newest, m.followEvery())
	m.fol = follow{id: m.fol.id + 1, load: m.load.reqID, cursor: cur, ctx: ctx, cancel: cancel, busy: true,
		polled: m.now(), tickSeq: m.fol.tickSeq + 1}
	return tea.Batch(stop, followNextCmd(ctx, cur, m.fol.id), m.followTickAfter())
}

// stopFollow stops the follow cursor, if one runs. A Next in progress is
// cancelled; its cursor is closed when its message arrives.
func (m *Model) stopFollow() tea.Cmd {
	if m.fol.cancel != nil {
		m.fol.cancel()
	}
	var cmd tea.Cmd
	if m.fol.cursor != nil && !m.fol.busy {
		cmd = closeCmd(m.fol.cursor)
	}
	m.fol = follow{id: m.fol.id + 1, tickSeq: m.fol.tickSeq}
	return cmd
}

// followNextCmd waits for the next events of a follow cursor.
func followNextCmd(ctx context.Context, cur source.Cursor, id int) tea.Cmd {
	return func() tea.Msg {
		page, err := cur.Next(ctx)
		return followMsg{id: id, cursor: cur, page: page, err: err}
	}
}

// followTickAfter schedules the tick of the cursor's next poll.
func (m *Model) followTickAfter() tea.Cmd {
	id, seq := m.fol.id, m.fol.tickSeq
	return tea.Tick(m.followEvery(), func(t time.Time) tea.Msg { return followTickMsg{id: id, seq: seq, at: t} })
}

// followed adds the new events a follow cursor returned, keeping the
// selection on the same event, and waits for more.
func (m *Model) followed(msg followMsg) tea.Cmd {
	if msg.id != m.fol.id {
		return closeCmd(msg.cursor)
	}
	m.fol.busy = false
	m.store.Add(msg.page.Events)
	m.problems = append(m.problems, msg.page.Problems...)
	m.reselect(false)
	if msg.err != nil {
		if !errors.Is(msg.err, context.Canceled) {
			m.fol.err = msg.err
		}
		m.fol.cancel()
		return nil
	}
	m.fol.busy = true
	m.fol.polled = m.now()
	m.fol.tickSeq++
	return tea.Batch(followNextCmd(m.fol.ctx, msg.cursor, msg.id), m.followTickAfter())
}

// followTick records a poll the cursor made by its schedule, so the status
// bar can show that following is alive in a quiet account.
func (m *Model) followTick(msg followTickMsg) tea.Cmd {
	if msg.id != m.fol.id || msg.seq != m.fol.tickSeq || !m.fol.busy {
		return nil
	}
	m.fol.polled = msg.at
	return m.followTickAfter()
}

// readNotice waits for the next line from Options.Notices, until the
// channel closes or the interface stops.
func (m *Model) readNotice() tea.Cmd {
	ch, done := m.opts.Notices, m.base.Done()
	if ch == nil {
		return nil
	}
	return func() tea.Msg {
		select {
		case text, ok := <-ch:
			if !ok {
				return nil
			}
			return noticeMsg{text: text}
		case <-done:
			return nil
		}
	}
}

// noticed shows a notice for a while and waits for the next one.
func (m *Model) noticed(msg noticeMsg) tea.Cmd {
	m.notice = msg.text
	m.noticeSeq++
	seq := m.noticeSeq
	expire := tea.Tick(noticeFor, func(time.Time) tea.Msg { return noticeExpiredMsg{seq: seq} })
	return tea.Batch(expire, m.readNotice())
}
