package keymap

import (
	"reflect"
	"testing"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
)

// fields returns every key.Binding field of k by name.
func fields(k KeyMap) map[string]key.Binding {
	out := map[string]key.Binding{}
	v := reflect.ValueOf(k)
	for i := range v.NumField() {
		out[v.Type().Field(i).Name] = v.Field(i).Interface().(key.Binding)
	}
	return out
}

func TestEveryBindingInOneGroup(t *testing.T) {
	k := DefaultKeyMap()
	seen := map[string]int{}
	for _, g := range k.Groups() {
		for _, b := range g.Bindings {
			seen[b.Help().Desc]++
		}
	}
	for name, b := range fields(k) {
		if seen[b.Help().Desc] != 1 {
			t.Errorf("binding %s (%q) appears %d times in the help groups, want 1", name, b.Help().Desc, seen[b.Help().Desc])
		}
		if len(b.Keys()) == 0 {
			t.Errorf("binding %s has no keys", name)
		}
	}
	if got, want := len(k.Actions()), len(fields(k)); got != want {
		t.Errorf("Apply knows %d actions, the key map has %d bindings", got, want)
	}
}

func TestNoKeyBoundTwice(t *testing.T) {
	owner := map[string]string{}
	for name, b := range fields(DefaultKeyMap()) {
		for _, k := range b.Keys() {
			if prev, ok := owner[k]; ok {
				t.Errorf("key %q bound to both %s and %s", k, prev, name)
			}
			owner[k] = name
		}
	}
}

func TestMatchesKeyPresses(t *testing.T) {
	k := DefaultKeyMap()
	tests := []struct {
		msg  tea.KeyPressMsg
		want key.Binding
	}{
		{tea.KeyPressMsg{Code: 'j', Text: "j"}, k.Down},
		{tea.KeyPressMsg{Code: tea.KeyDown}, k.Down},
		{tea.KeyPressMsg{Code: 'G', Text: "G"}, k.End},
		{tea.KeyPressMsg{Code: 'c', Mod: tea.ModCtrl}, k.Quit},
		{tea.KeyPressMsg{Code: 'd', Mod: tea.ModCtrl}, k.HalfDown},
		{tea.KeyPressMsg{Code: tea.KeyEnter}, k.Open},
		{tea.KeyPressMsg{Code: '/', Text: "/"}, k.Filter},
		{tea.KeyPressMsg{Code: 'f', Text: "f"}, k.Follow},
		{tea.KeyPressMsg{Code: 'i', Text: "i"}, k.Insights},
		{tea.KeyPressMsg{Code: 'n', Text: "n"}, k.NextEvent},
		{tea.KeyPressMsg{Code: ']', Text: "]"}, k.NextEvent},
		{tea.KeyPressMsg{Code: '[', Text: "["}, k.PrevEvent},
	}
	for _, tt := range tests {
		if !key.Matches(tt.msg, tt.want) {
			t.Errorf("%q does not match %q", tt.msg.String(), tt.want.Help().Desc)
		}
	}
}

func TestApply(t *testing.T) {
	k := DefaultKeyMap()
	if err := k.Apply(map[string][]string{"down": {"n"}, "quit": {"x", "ctrl+c"}}); err != nil {
		t.Fatal(err)
	}
	if !key.Matches(tea.KeyPressMsg{Code: 'n', Text: "n"}, k.Down) {
		t.Error("n does not move down after rebinding")
	}
	if key.Matches(tea.KeyPressMsg{Code: 'j', Text: "j"}, k.Down) {
		t.Error("j still moves down after rebinding")
	}
	if got := k.Quit.Help().Key; got != "x/ctrl+c" {
		t.Errorf("quit help key = %q, want x/ctrl+c", got)
	}
	if got := k.Quit.Help().Desc; got != "quit" {
		t.Errorf("quit help desc = %q, want quit", got)
	}
}

func TestApplyRejects(t *testing.T) {
	for _, in := range []map[string][]string{
		{"jump": {"x"}},
		{"down": {}},
		{"up": {"w"}, "nope": {"x"}},
	} {
		k := DefaultKeyMap()
		if err := k.Apply(in); err == nil {
			t.Errorf("Apply(%v) succeeded, want an error", in)
		}
		if !key.Matches(tea.KeyPressMsg{Code: 'k', Text: "k"}, k.Up) {
			t.Errorf("Apply(%v) changed bindings despite failing", in)
		}
	}
}
