package source_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/lazytrail/lazytrail/source"
)

// FuzzDecode feeds any bytes to Decode: it must not panic, every event must
// have a time and a raw record that lies inside the body, and every problem
// must name the body and say why.
func FuzzDecode(f *testing.F) {
	r := rec("id-1", "RunInstances")
	for _, seed := range []string{
		`{"Records":[` + r + `,` + r + `]}`,
		r + "\n" + r + "\n",
		`[` + r + `]`,
		`{"Events":[{"EventId":"id-1","CloudTrailEvent":` + quoted(r) + `}]}`,
		`{"detail-type":"AWS API Call via CloudTrail","detail":` + r + `}`,
		`{"Log":` + r + `}`,
		`{"logEvents":[{"message":` + quoted(r) + `}]}`,
		`{"digestStartTime":"x","logFiles":[]}`,
		`{"Records":[{"eventName": "X", `,
		`{"Records":"x"}`,
		"",
	} {
		f.Add([]byte(seed))
	}
	for _, name := range []string{
		"trailscraper/tests/cloudtrail/data/111111111111_CloudTrail_eu-central-1_20171211T1505Z_A6kvhMoVeCsc7v8U.json",
		"aws-cli/awscli/examples/cloudtrail/lookup-events.rst.output.json",
		"plaso/test_data/jsonl/aws_cloudtrail.jsonl",
		"cloud-custodian/tests/data/cwe/event-cloud-trail-s3.json",
		"opentelemetry-collector-contrib/extension/encoding/awslogsencodingextension/internal/unmarshaler/cloudtraillog/testdata/cloudtrail_log_cw.json",
	} {
		if data, err := os.ReadFile(filepath.Join("/work/shared/data", name)); err == nil {
			f.Add(data)
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		events, problems := source.Decode("fuzz", data, memBlob{data})
		for _, e := range events {
			if e.Time.IsZero() {
				t.Errorf("event %q without a time", e.ID)
			}
			if e.Raw != nil {
				continue
			}
			if e.RawOffset < 0 || e.RawLength <= 0 || e.RawOffset+e.RawLength > len(data) {
				t.Fatalf("raw range %d+%d outside %d bytes", e.RawOffset, e.RawLength, len(data))
			}
			raw := data[e.RawOffset : e.RawOffset+e.RawLength]
			if raw[0] != '{' || raw[len(raw)-1] != '}' {
				t.Errorf("raw range %d+%d is not an object: %q", e.RawOffset, e.RawLength, raw)
			}
		}
		for _, p := range problems {
			if p.Where != "fuzz" || p.Err == nil || p.Err.Error() == "" {
				t.Errorf("problem %#v", p)
			}
		}
	})
}
