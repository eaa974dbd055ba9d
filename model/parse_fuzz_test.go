package model

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

// FuzzParseRecord checks that no input makes the parser panic, and that
// what it accepts is a usable event: a UTC time, a name unless it is an
// Insights record, a caller, and Raw being the input itself. A reused Parser
// must agree with a fresh one, and with encoding/json: valid JSON objects are
// never rejected as invalid, and top-level strings read the same. ParseNext
// must agree with Parse.
func FuzzParseRecord(f *testing.F) {
	entries, err := os.ReadDir(recordsDir)
	if err != nil {
		f.Fatal(err)
	}
	for _, e := range entries {
		raw, err := os.ReadFile(filepath.Join(recordsDir, e.Name()))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(raw)
	}
	if _, err := os.Stat(sharedData); err == nil {
		filepath.WalkDir(sharedData, func(path string, d os.DirEntry, err error) error {
			if err != nil || d.IsDir() || !(strings.HasSuffix(path, ".json") || strings.HasSuffix(path, ".jsonl")) {
				return err
			}
			data, err := os.ReadFile(path)
			if err != nil {
				return err
			}
			for _, line := range bytes.Split(data, []byte("\n")) {
				for _, raw := range recordsOf(f, line) {
					f.Add(raw)
				}
			}
			for _, raw := range recordsOf(f, data) {
				f.Add(raw)
			}
			return nil
		})
	}
	for _, raw := range benchRecords(8) {
		f.Add(raw)
	}

	p := NewParser()
	f.Fuzz(func(t *testing.T, raw []byte) {
		e, err := p.Parse(raw)
		checkParseNext(t, raw, err == nil)
		fresh, freshErr := ParseRecord(bytes.Clone(raw))
		if (err == nil) != (freshErr == nil) {
			t.Fatalf("reused parser says %v, fresh one %v", err, freshErr)
		}
		var fields map[string]json.RawMessage
		isObject := json.Valid(raw) && json.Unmarshal(raw, &fields) == nil && fields != nil
		if err != nil {
			if e.Time != (time.Time{}) || e.Raw != nil {
				t.Errorf("failed parse returned a non-empty event: %+v", e)
			}
			if isObject && (errors.Is(err, ErrInvalidJSON) || errors.Is(err, ErrNotObject)) {
				t.Errorf("valid JSON object rejected: %v", err)
			}
			return
		}
		if isObject && utf8.Valid(raw) {
			for key, got := range map[string]string{"eventName": e.Name, "eventSource": e.Source, "awsRegion": e.Region,
				"userAgent": e.UserAgent, "errorCode": e.ErrorCode, "errorMessage": e.ErrorMessage, "eventID": e.ID} {
				var want string
				if json.Unmarshal(fields[key], &want) == nil && want != "" && got != want {
					t.Errorf("%s = %q, encoding/json reads %q", key, got, want)
				}
			}
		}
		if e.Time.IsZero() || e.Time.Location() != time.UTC {
			t.Errorf("Time = %v, want a non-zero UTC time", e.Time)
		}
		if len(e.Raw) != len(raw) || (len(raw) > 0 && &e.Raw[0] != &raw[0]) {
			t.Error("Raw is not the input")
		}
		if e.Name == "" && !e.Insight {
			t.Error("accepted a record without a name")
		}
		if e.Who == "" {
			t.Error("accepted a record without a caller")
		}
		e.Raw, fresh.Raw = nil, nil
		if !reflect.DeepEqual(e, fresh) {
			t.Errorf("reused parser gives\n%+v\nfresh one\n%+v", e, fresh)
		}
	})
}

// checkParseNext checks that ParseNext, given raw followed by more of a
// list, agrees with Parse on the bytes it says the record takes: all of
// raw but trailing white space when Parse accepts raw (ok).
func checkParseNext(t *testing.T, raw []byte, ok bool) {
	data := append(bytes.Clone(raw), `, {"eventTime":"2026-01-01T00:00:00Z"}]`...)
	e, n, err := NewParser().ParseNext(data)
	if n < 0 {
		if err == nil || ok {
			t.Errorf("ParseNext: n = %d, err = %v; Parse accepts the record: %v", n, err, ok)
		}
		return
	}
	if n > len(data) {
		t.Fatalf("ParseNext: n = %d, past the %d bytes", n, len(data))
	}
	if want := len(bytes.TrimRight(raw, " \t\r\n")); ok && n != want {
		t.Errorf("ParseNext: n = %d, want %d", n, want)
	}
	want, wantErr := ParseRecord(data[:n])
	if fmt.Sprint(err) != fmt.Sprint(wantErr) || !reflect.DeepEqual(e, want) {
		t.Errorf("ParseNext = %+v, %v; Parse of its %d bytes = %+v, %v", e, err, n, want, wantErr)
	}
}
