// Package keymap holds lazytrail's key bindings: the defaults, the help
// groups they are listed in, and rebinding by action name.
package keymap

import (
	"fmt"
	"sort"
	"strings"

	"charm.land/bubbles/v2/key"
)

// KeyMap is every action the TUI binds to a key.
type KeyMap struct {
	// Moving around the table, the detail pane and lists.
	Up       key.Binding
	Down     key.Binding
	PageUp   key.Binding
	PageDown key.Binding
	HalfUp   key.Binding
	HalfDown key.Binding
	Home     key.Binding
	End      key.Binding
	// In the detail pane, the next (older) and previous (newer) event of
	// the selection.
	NextEvent key.Binding
	PrevEvent key.Binding

	// Acting on events.
	Open      key.Binding
	Back      key.Binding
	Copy      key.Binding
	LocalTime key.Binding

	// Narrowing the events shown.
	Filter key.Binding
	Users  key.Binding
	Time   key.Binding

	// Reading the live API.
	Follow   key.Binding
	Insights key.Binding

	// Loading and the rest.
	Reload   key.Binding
	Problems key.Binding
	Help     key.Binding
	Quit     key.Binding
}

// Group is a titled set of bindings shown together in the help screen.
type Group struct {
	Title    string
	Bindings []key.Binding
}

// DefaultKeyMap returns the default bindings: vim keys and arrows.
func DefaultKeyMap() KeyMap {
	return KeyMap{
		Up:       bind("move up", "k", "up"),
		Down:     bind("move down", "j", "down"),
		PageUp:   bind("page up", "pgup", "ctrl+b"),
		PageDown: bind("page down", "pgdown", "ctrl+f"),
		HalfUp:   bind("half page up", "ctrl+u"),
		HalfDown: bind("half page down", "ctrl+d"),
		Home:     bind("first (newest)", "g", "home"),
		End:      bind("last (oldest)", "G", "end"),

		NextEvent: bind("next event (detail)", "n", "]"),
		PrevEvent: bind("prev event (detail)", "p", "["),

		Open:      bind("open event detail", "enter"),
		Back:      bind("back, clear, stop load", "esc"),
		Copy:      bind("copy record (OSC 52)", "y"),
		LocalTime: bind("UTC / local time", "z"),

		Filter: bind("filter", "/"),
		Users:  bind("pick a user", "u"),
		Time:   bind("pick a time range", "t"),

		Follow:   bind("follow new events", "f"),
		Insights: bind("insights / management", "i"),

		Reload:   bind("resume, reload, retry", "r"),
		Problems: bind("list damaged files", "!"),
		Help:     bind("toggle help", "?"),
		Quit:     bind("quit", "q", "ctrl+c"),
	}
}

func bind(desc string, keys ...string) key.Binding {
	return key.NewBinding(key.WithKeys(keys...), key.WithHelp(strings.Join(keys, "/"), desc))
}

// Groups returns the bindings by help group, in display order. Every
// binding of the KeyMap appears in exactly one group.
func (k KeyMap) Groups() []Group {
	return []Group{
		{"Move", []key.Binding{k.Up, k.Down, k.PageUp, k.PageDown, k.HalfUp, k.HalfDown, k.Home, k.End,
			k.NextEvent, k.PrevEvent}},
		{"Events", []key.Binding{k.Open, k.Back, k.Copy, k.LocalTime}},
		{"Filter", []key.Binding{k.Filter, k.Users, k.Time}},
		{"Live", []key.Binding{k.Follow, k.Insights}},
		{"General", []key.Binding{k.Reload, k.Problems, k.Help, k.Quit}},
	}
}

// ShortHelp returns the bindings worth a place in the status line; it
// implements help.KeyMap.
func (k KeyMap) ShortHelp() []key.Binding {
	return []key.Binding{k.Filter, k.Users, k.Time, k.Open, k.Help, k.Quit}
}

// FullHelp returns the bindings by group; it implements help.KeyMap.
func (k KeyMap) FullHelp() [][]key.Binding {
	groups := k.Groups()
	out := make([][]key.Binding, len(groups))
	for i, g := range groups {
		out[i] = g.Bindings
	}
	return out
}

// actions maps the names accepted by Apply to the bindings they change.
func (k *KeyMap) actions() map[string]*key.Binding {
	return map[string]*key.Binding{
		"up": &k.Up, "down": &k.Down, "pageup": &k.PageUp, "pagedown": &k.PageDown,
		"halfup": &k.HalfUp, "halfdown": &k.HalfDown, "home": &k.Home, "end": &k.End,
		"next": &k.NextEvent, "prev": &k.PrevEvent,
		"open": &k.Open, "back": &k.Back, "copy": &k.Copy, "localtime": &k.LocalTime,
		"filter": &k.Filter, "users": &k.Users, "time": &k.Time,
		"follow": &k.Follow, "insights": &k.Insights,
		"reload": &k.Reload, "problems": &k.Problems, "help": &k.Help, "quit": &k.Quit,
	}
}

// Actions returns the action names Apply accepts, sorted.
func (k KeyMap) Actions() []string {
	acts := k.actions()
	names := make([]string, 0, len(acts))
	for name := range acts {
		names = append(names, name)
	}
	sort.Strings(names)
	return names
}

// Apply rebinds actions by name ("up", "quit", ...; see Actions) to new
// keys, updating their help text. It changes nothing and returns an error if
// a name is unknown or a key list is empty.
func (k *KeyMap) Apply(bindings map[string][]string) error {
	acts := k.actions()
	for name, keys := range bindings {
		if _, ok := acts[name]; !ok {
			return fmt.Errorf("rebind keys: unknown action %q (known: %s)", name, strings.Join(k.Actions(), ", "))
		}
		if len(keys) == 0 {
			return fmt.Errorf("rebind keys: no keys given for action %q", name)
		}
	}
	for name, keys := range bindings {
		b := acts[name]
		b.SetKeys(keys...)
		b.SetHelp(strings.Join(keys, "/"), b.Help().Desc)
	}
	return nil
}
