package model

// Selection is the result of Store.Select: rows in newest-first order. It
// stays valid while the store grows.
type Selection struct {
	s    *Store
	rows []RowID
}

// Len returns the number of events selected.
func (sel *Selection) Len() int { return len(sel.rows) }

// Event materializes the i-th selected event; i = 0 is the newest.
func (sel *Selection) Event(i int) Event { return Event{} }

// Row returns the stable id of the i-th selected event.
func (sel *Selection) Row(i int) RowID { return sel.rows[i] }

// Index returns the position of row id in the selection, if it is there.
func (sel *Selection) Index(id RowID) (int, bool) { return 0, false }
