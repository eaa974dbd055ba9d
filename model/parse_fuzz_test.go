package model

import (
	"bytes"
	"encoding/json"
	"errors"
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
// never rejected as invalid, and top-level strings read the same.
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
