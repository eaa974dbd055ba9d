package source_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/lazytrail/lazytrail/model"
	"github.com/lazytrail/lazytrail/source"
)

// rec returns a compact CloudTrail record.
func rec(id, name string) string {
	return fmt.Sprintf(`{"eventVersion":"1.08","userIdentity":{"type":"IAMUser","userName":"alice","accountId":"123456789012"},`+
		`"eventTime":"2026-11-19T10:00:00Z","eventSource":"ec2.amazonaws.com","eventName":%q,"awsRegion":"us-east-1",`+
		`"eventID":%q,"eventType":"AwsApiCall","recipientAccountId":"123456789012"}`, name, id)
}

// quoted returns s as a JSON string literal.
func quoted(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

// memBlob is a model.Blob over bytes in memory.
type memBlob struct{ data []byte }

func (b memBlob) Name() string             { return "mem" }
func (b memBlob) Content() ([]byte, error) { return b.data, nil }

func TestDecodeShapes(t *testing.T) {
	r1, r2, r3 := rec("id-1", "RunInstances"), rec("id-2", "TerminateInstances"), rec("id-3", "CreateBucket")
	tests := []struct {
		name  string
		data  string
		ids   []string
		inRaw bool // records are not byte ranges of the body: Raw is set
	}{
		{"records", `{"Records":[` + r1 + `,` + r2 + `]}`, []string{"id-1", "id-2"}, false},
		{"records indented", "{\n  \"Records\": [\n    " + r1 + ",\n    " + r2 + "\n  ]\n}\n", []string{"id-1", "id-2"}, false},
		{"records after other keys", `{"x":{"Records":1},"Records":[` + r1 + `]}`, []string{"id-1"}, false},
		{"empty records", `{"Records":[]}`, nil, false},
		{"brackets and quotes in strings", `{"Records":[{"eventTime":"2026-11-19T10:00:00Z","eventName":"A","eventID":"id-1","userAgent":"\\\"}]{[\\","x":["}"]},` + r2 + `]}`, []string{"id-1", "id-2"}, false},
		{"byte order mark", "\xef\xbb\xbf" + `{"Records":[` + r1 + `]}`, []string{"id-1"}, false},
		{"json lines", r1 + "\n" + r2 + "\r\n" + r3 + "\n", []string{"id-1", "id-2", "id-3"}, false},
		{"single record", r1, []string{"id-1"}, false},
		{"array of records", `[` + r1 + `, ` + r2 + `]`, []string{"id-1", "id-2"}, false},
		{"lookup-events response", `{"Events":[{"EventId":"id-1","CloudTrailEvent":` + quoted(r1) + `},{"EventId":"id-2","CloudTrailEvent":` + quoted(r2) + `}],"NextToken":"x"}`, []string{"id-1", "id-2"}, true},
		{"lookup-events lines", `{"EventId":"id-1","CloudTrailEvent":` + quoted(r1) + "}\n" + `{"EventId":"id-2","CloudTrailEvent":` + quoted(r2) + "}\n", []string{"id-1", "id-2"}, true},
		{"eventbridge", `{"version":"0","detail-type":"AWS API Call via CloudTrail","source":"aws.ec2","detail":` + r1 + `}`, []string{"id-1"}, false},
		{"eventbridge lines", `{"detail-type":"AWS API Call via CloudTrail","detail":` + r1 + "}\n" + `{"detail-type":"AWS API Call via CloudTrail","detail":` + r2 + "}", []string{"id-1", "id-2"}, false},
		{"detection test lines", `{"Name":"a","ExpectedResult":true,"Log":` + r1 + "}\n" + `{"Name":"b","Log":` + r2 + "}\n", []string{"id-1", "id-2"}, false},
		{"cloudwatch logs", `{"messageType":"DATA_MESSAGE","owner":"1","logEvents":[{"id":"1","timestamp":1,"message":` + quoted(r1) + `},{"id":"2","message":` + quoted(r2) + `}]}`, []string{"id-1", "id-2"}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			data := []byte(tt.data)
			blob := memBlob{data}
			events, problems := source.Decode("f.json", data, blob)
			if len(problems) > 0 {
				t.Fatalf("problems: %v", problems)
			}
			var ids []string
			for _, e := range events {
				ids = append(ids, e.ID)
				raw, err := e.Record()
				if err != nil {
					t.Fatal(err)
				}
				if !json.Valid(raw) || !bytes.Contains(raw, []byte(`"eventID":"`+e.ID+`"`)) {
					t.Errorf("%s: raw record is %q", e.ID, raw)
				}
				if tt.inRaw != (e.Raw != nil) || tt.inRaw == (e.Blob != nil) {
					t.Errorf("%s: Raw set %v, Blob set %v; want Raw set %v", e.ID, e.Raw != nil, e.Blob != nil, tt.inRaw)
				}
			}
			if fmt.Sprint(ids) != fmt.Sprint(tt.ids) {
				t.Errorf("ids = %v, want %v", ids, tt.ids)
			}
		})
	}
}

func TestDecodeWithoutBlobKeepsRaw(t *testing.T) {
	data := []byte(`{"Records":[` + rec("id-1", "A") + `]}`)
	events, problems := source.Decode("f.json", data, nil)
	if len(problems) != 0 || len(events) != 1 {
		t.Fatalf("events %d, problems %v", len(events), problems)
	}
	if string(events[0].Raw) != rec("id-1", "A") || events[0].Blob != nil {
		t.Errorf("Raw = %q, Blob = %v", events[0].Raw, events[0].Blob)
	}
}

func TestDecodeDigest(t *testing.T) {
	digest := `{"awsAccountId":"1","digestStartTime":"2026-11-19T10:00:00Z","digestEndTime":"2026-11-19T11:00:00Z","logFiles":[]}`
	events, problems := source.Decode("d.json", []byte(digest), nil)
	if len(events) != 0 || len(problems) != 1 || !errors.Is(problems[0].Err, source.ErrDigest) {
		t.Fatalf("events %d, problems %v; want one ErrDigest", len(events), problems)
	}
}

func TestDecodeDamage(t *testing.T) {
	good := rec("good", "RunInstances")
	noTime := `{"eventName":"X","eventID":"nt"}`
	noName := `{"eventTime":"2026-11-19T10:00:00Z","eventID":"nn"}`
	tests := []struct {
		name     string
		data     string
		ids      []string // events that still load
		problems []string // substrings of the problems, in order
	}{
		{"empty", "", nil, []string{"f: empty file"}},
		{"white space", " \n\t", nil, []string{"empty file"}},
		{"not json", "this is not gzip at all", nil, []string{"invalid JSON"}},
		{"truncated records", `{"Records":[` + good + `,{"eventName": "X", `, []string{"good"}, []string{"invalid JSON"}},
		{"records not a list", `{"Records":{"a":1}}`, nil, []string{"Records is a JSON object, not a list"}},
		{"records a string", `{"Records":"x"}`, nil, []string{"Records is a JSON string, not a list"}},
		{"record not an object", `{"Records":[` + good + `,"x",3,null,[1]]}`, []string{"good"}, []string{"record 1: a JSON string", "record 2: a JSON number", "record 3: a JSON null", "record 4: a JSON array"}},
		{"no eventTime", `{"Records":[` + noTime + `,` + good + `]}`, []string{"good"}, []string{"record 0: parse record nt: record has no eventTime"}},
		{"no eventName", `{"Records":[` + good + `,` + noName + `]}`, []string{"good"}, []string{"record 1: parse record nn: record has no eventName"}},
		{"no records key", `{"hello":"world"}`, nil, []string{"no CloudTrail records"}},
		{"broken line", good + "\n" + `{"eventName":"X",` + "\n" + rec("after", "B") + "\n", []string{"good", "after"}, []string{"invalid JSON"}},
		{"scalar lines", good + "\n42\n", []string{"good"}, []string{"record 1: a JSON number, not an object"}},
		{"bad escape in lookup entry", `{"Events":[{"CloudTrailEvent":"\u12"}]}`, nil, []string{"record 0"}},
		{"lookup entry not a string", `{"Events":[{"CloudTrailEvent":{"a":1}}]}`, nil, []string{"record 0: the record is a JSON object, not a string"}},
		{"log event without message", `{"logEvents":[{"id":"1"}]}`, nil, []string{"record 0: log event without a message string"}},
		{"unterminated key", `{"Rec`, nil, []string{"invalid JSON"}},
		{"empty object", `{}`, nil, []string{"no CloudTrail records"}},
		{"empty objects", "{}\n{ }", nil, []string{"no CloudTrail records: none of its 2 JSON values is one; the first: record 0: parse record: record has no eventTime"}},
		{"other json lines", `{"file":"a"}` + "\n" + `{"file":"b"}` + "\n" + `{"file":"c"}`, nil, []string{"none of its 3 JSON values"}},
		{"trailing comma", `{"Records":[],}`, nil, []string{"unexpected '}'"}},
		{"missing colon", `{"Records" [`, nil, []string{"expected ':'"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			events, problems := source.Decode("f", []byte(tt.data), memBlob{[]byte(tt.data)})
			var ids []string
			for _, e := range events {
				ids = append(ids, e.ID)
			}
			if fmt.Sprint(ids) != fmt.Sprint(tt.ids) {
				t.Errorf("ids = %v, want %v", ids, tt.ids)
			}
			if len(problems) != len(tt.problems) {
				t.Fatalf("problems = %v, want %d", problems, len(tt.problems))
			}
			for i, p := range problems {
				if p.Where != "f" || !strings.Contains(p.Error(), tt.problems[i]) {
					t.Errorf("problem %d = %q, want it to name f and contain %q", i, p.Error(), tt.problems[i])
				}
			}
		})
	}
}

func TestDecodeBoundsProblems(t *testing.T) {
	var b strings.Builder
	b.WriteString(`{"Records":[` + rec("good", "A"))
	for range 1000 {
		b.WriteString(`,{"eventName":"X"}`)
	}
	b.WriteString(`]}`)
	events, problems := source.Decode("f", []byte(b.String()), nil)
	if len(events) != 1 || len(problems) != 21 || !strings.Contains(problems[20].Error(), "980 more damaged records") {
		t.Fatalf("%d problems, last %v", len(problems), problems[len(problems)-1])
	}
}

// TestDecodeSharedData decodes every file of the shared corpus of real
// records: each record must become an event with a caller, a name and a
// time (and a region when the record has one), or a problem with a reason,
// as many in all as the corpus's manifest counts per file.
func TestDecodeSharedData(t *testing.T) {
	root := "/work/shared/data"
	manifest, err := os.ReadFile(filepath.Join(root, "MANIFEST.jsonl"))
	if err != nil {
		t.Skip("shared data not present")
	}
	dec := source.NewDecoder()
	var files, events, digests, damaged int
	for line := range bytes.Lines(manifest) {
		var entry struct {
			File    string
			Records int
		}
		if err := json.Unmarshal(line, &entry); err != nil {
			t.Fatal(err)
		}
		path := filepath.Join(root, entry.File)
		data, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		if bytes.HasPrefix(data, []byte{0x1f, 0x8b}) {
			continue // compressed copies are read by the archive tests
		}
		files++
		evs, probs := dec.Decode(path, data, memBlob{data})
		for _, e := range evs {
			raw, err := e.Record()
			if err != nil {
				t.Errorf("%s: %v", path, err)
			}
			if e.Who == "" || e.Name == "" || e.Time.IsZero() || (e.Region == "" && bytes.Contains(raw, []byte(`"awsRegion"`))) {
				t.Errorf("%s: event %s: who %q name %q time %v region %q", path, e.ID, e.Who, e.Name, e.Time, e.Region)
			}
		}
		events += len(evs)
		records := len(evs)
		for _, p := range probs {
			switch {
			case errors.Is(p.Err, source.ErrDigest):
				digests++
			case p.Where != path || p.Err.Error() == "":
				t.Errorf("problem without a file or a reason: %v", p)
			default:
				var n int
				if _, err := fmt.Sscanf(p.Err.Error(), "no CloudTrail records: none of its %d JSON values", &n); err == nil {
					records += n
					damaged += n
				} else if strings.HasPrefix(p.Err.Error(), "record ") {
					records++
					damaged++
				}
				t.Logf("problem: %v", p)
			}
		}
		if records < entry.Records {
			t.Errorf("%s: %d events and damaged records, fewer than the %d records the manifest counts", path, records, entry.Records)
		}
	}
	t.Logf("%d files: %d events, %d damaged records, %d digests", files, events, damaged, digests)
}

func TestDecodeOffsetsAreExact(t *testing.T) {
	r1 := rec("id-1", "A")
	data := []byte("{ \"Records\" : [ " + r1 + " , " + rec("id-2", "B") + " ] }")
	events, _ := source.Decode("f", data, memBlob{data})
	if len(events) != 2 {
		t.Fatalf("%d events", len(events))
	}
	e := events[0]
	if got := string(data[e.RawOffset : e.RawOffset+e.RawLength]); got != r1 {
		t.Errorf("range gives %q", got)
	}
	var _ model.Blob = memBlob{}
}

// benchBody returns a delivery file body of n records shaped like
// gen_archive.py's (about 1 KB each).
func benchBody(n int) []byte {
	var b bytes.Buffer
	b.WriteString(`{"Records":[`)
	for i := range n {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `{"eventVersion":"1.10","userIdentity":{"type":"AssumedRole","accountId":"123456789012","principalId":"AROAEXAMPLE:session-%d",`+
			`"arn":"arn:aws:sts::123456789012:assumed-role/deploy-bot/session-%d","accessKeyId":"ASIA%016d","sessionContext":{"sessionIssuer":{"type":"Role",`+
			`"principalId":"AROAEXAMPLE","arn":"arn:aws:iam::123456789012:role/deploy-bot","accountId":"123456789012","userName":"deploy-bot"},`+
			`"attributes":{"creationDate":"2024-05-31T04:42:22Z","mfaAuthenticated":"false"}}},"eventTime":"2026-11-19T10:%02d:%02dZ",`+
			`"eventSource":"ec2.amazonaws.com","eventName":"RunInstances","awsRegion":"us-east-1","sourceIPAddress":"203.0.113.%d",`+
			`"userAgent":"aws-cli/2.15.30 Python/3.11.8 Linux/6.1.0 exe/x86_64.debian.12 prompt/off command/ec2.run-instances",`+
			`"requestParameters":{"instancesSet":{"items":[{"imageId":"ami-0abcdef1234567890","minCount":1,"maxCount":1}]},"instanceType":"t3.micro"},`+
			`"responseElements":{"requestId":"5f1c6a3e-1d2b-4c3a-9e8f-%012d"},"requestID":"7a2b1c3d-4e5f-6a7b-8c9d-%012d","eventID":"0e1d2c3b-4a59-6877-8695-%012d",`+
			`"readOnly":false,"resources":[{"ARN":"arn:aws:ec2:us-east-1:123456789012:instance/i-%017d","accountId":"123456789012","type":"AWS::EC2::Instance"}],`+
			`"eventType":"AwsApiCall","managementEvent":true,"recipientAccountId":"123456789012","eventCategory":"Management",`+
			`"tlsDetails":{"tlsVersion":"TLSv1.3","cipherSuite":"TLS_AES_128_GCM_SHA256","clientProvidedHostHeader":"ec2.us-east-1.amazonaws.com"}}`,
			i, i, i, i/60%60, i%60, i%250+1, i, i, i, i)
	}
	b.WriteString(`]}`)
	return b.Bytes()
}

func BenchmarkDecode(b *testing.B) {
	data := benchBody(300)
	dec := source.NewDecoder()
	blob := memBlob{data}
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		if events, problems := dec.Decode("bench", data, blob); len(events) != 300 || len(problems) != 0 {
			b.Fatalf("%d events, problems %v", len(events), problems)
		}
	}
}
