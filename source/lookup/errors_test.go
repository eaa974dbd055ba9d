package lookup

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/cloudtrail"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/lazytrail/lazytrail/source"
	"github.com/lazytrail/lazytrail/source/emulator/emulatortest"
)

// isolateAWS keeps the machine's AWS settings out of a test, so that only
// what it sets is seen; it sets credentials and a region when they are not
// empty.
func isolateAWS(t testing.TB, accessKey, region string) {
	t.Helper()
	emulatortest.IsolateAWS(t)
	if accessKey != "" {
		t.Setenv("AWS_ACCESS_KEY_ID", accessKey)
		t.Setenv("AWS_SECRET_ACCESS_KEY", "test-secret-"+accessKey)
	}
	if region != "" {
		t.Setenv("AWS_REGION", region)
	}
}

// stubAWS is a real HTTP server that answers STS GetCallerIdentity and
// CloudTrail calls with fixed wire responses, and counts what reaches it.
type stubAWS struct {
	sts        func(w http.ResponseWriter) // nil: the caller is account 111122223333
	cloudtrail func(w http.ResponseWriter, r *http.Request)
	requests   atomic.Int64
}

func (s *stubAWS) start(t *testing.T) string {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.requests.Add(1)
		_, _ = io.Copy(io.Discard, r.Body)
		if r.Header.Get("X-Amz-Target") != "" {
			s.cloudtrail(w, r)
			return
		}
		if s.sts != nil {
			s.sts(w)
			return
		}
		w.Header().Set("Content-Type", "text/xml")
		fmt.Fprint(w, `<GetCallerIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><GetCallerIdentityResult>`+
			`<Arn>arn:aws:iam::111122223333:user/alice</Arn><UserId>AIDAEXAMPLE</UserId><Account>111122223333</Account>`+
			`</GetCallerIdentityResult><ResponseMetadata><RequestId>1</RequestId></ResponseMetadata></GetCallerIdentityResponse>`)
	}))
	t.Cleanup(srv.Close)
	return srv.URL
}

func stsError(code string) func(http.ResponseWriter) {
	return func(w http.ResponseWriter) {
		w.Header().Set("Content-Type", "text/xml")
		w.WriteHeader(http.StatusForbidden)
		fmt.Fprintf(w, `<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><Error><Type>Sender</Type>`+
			`<Code>%s</Code><Message>The security token included in the request is invalid.</Message></Error>`+
			`<RequestId>1</RequestId></ErrorResponse>`, code)
	}
}

func jsonError(code, msg string) func(http.ResponseWriter, *http.Request) {
	return func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/x-amz-json-1.1")
		w.WriteHeader(http.StatusBadRequest)
		fmt.Fprintf(w, `{"__type":%q,"Message":%q}`, code, msg)
	}
}

// openErr opens a one-region source on endpoint and returns the error of
// New or, failing that, of the first Next.
func openErr(t *testing.T, endpoint string, cfg Config) error {
	t.Helper()
	cfg.EndpointURL = endpoint
	src, err := New(context.Background(), cfg)
	if err != nil {
		return err
	}
	cur, err := src.Open(context.Background(), source.Query{})
	if err != nil {
		return err
	}
	_, err = cur.Next(context.Background())
	return err
}

func TestErrorsReadAsOneClearLine(t *testing.T) {
	const secret = "test-secret-AKIAEXAMPLEKEY"
	cases := []struct {
		name      string
		key       string // access key; "" for none
		region    string
		stub      stubAWS
		unreached bool // use an endpoint nothing listens on
		kind      Kind
		want      string
	}{
		{name: "no credentials", region: "us-east-1", kind: KindNoCredentials, want: "no AWS credentials found"},
		{name: "no region", key: "AKIAEXAMPLEKEY", kind: KindNoRegion, want: "no AWS region set"},
		{name: "expired token", key: "AKIAEXAMPLEKEY", region: "us-east-1",
			stub: stubAWS{sts: stsError("ExpiredToken")}, kind: KindExpiredToken, want: "the AWS session has expired"},
		{name: "unknown key", key: "AKIAEXAMPLEKEY", region: "us-east-1",
			stub: stubAWS{sts: stsError("InvalidClientTokenId")}, kind: KindBadCredentials,
			want: "AWS rejected the credentials (InvalidClientTokenId)"},
		{name: "access denied", key: "AKIAEXAMPLEKEY", region: "eu-west-1",
			stub: stubAWS{cloudtrail: jsonError("AccessDeniedException",
				"User: arn:aws:iam::111122223333:user/alice is not authorized to perform: cloudtrail:LookupEvents")},
			kind: KindAccessDenied, want: "access denied in eu-west-1: the caller needs permission for cloudtrail:LookupEvents"},
		{name: "expired during a scan", key: "AKIAEXAMPLEKEY", region: "us-east-1",
			stub: stubAWS{cloudtrail: jsonError("ExpiredTokenException", "The security token included in the request is expired")},
			kind: KindExpiredToken, want: "the AWS session has expired"},
		{name: "unreachable", key: "AKIAEXAMPLEKEY", region: "us-east-1", unreached: true,
			kind: KindUnreachable, want: "cannot reach http://127.0.0.1:"},
	}
	for i := range cases {
		c := &cases[i]
		t.Run(c.name, func(t *testing.T) {
			isolateAWS(t, c.key, c.region)
			endpoint := c.stub.start(t)
			if c.unreached {
				endpoint = closedEndpoint(t)
			}
			err := openErr(t, endpoint, Config{Rate: 100})
			var le *Error
			if !errors.As(err, &le) || le.Kind != c.kind {
				t.Fatalf("error = %v (%T), want kind %d", err, err, c.kind)
			}
			msg := Explain(err)
			if !strings.Contains(msg, c.want) {
				t.Errorf("Explain = %q, want it to contain %q", msg, c.want)
			}
			if strings.Contains(msg, "\n") || strings.Contains(msg, secret) {
				t.Errorf("Explain = %q: must be one line without the secret", msg)
			}
		})
	}
}

// closedEndpoint returns the URL of a port that was just closed.
func closedEndpoint(t *testing.T) string {
	srv := httptest.NewServer(http.NotFoundHandler())
	url := srv.URL
	srv.Close()
	return url
}

func TestThrottledAfterRetriesIsReported(t *testing.T) {
	isolateAWS(t, "AKIAEXAMPLEKEY", "us-east-1")
	stub := stubAWS{cloudtrail: jsonError("ThrottlingException", "Rate exceeded")}
	endpoint := stub.start(t)
	err := openErr(t, endpoint, Config{Rate: 200})
	var le *Error
	if !errors.As(err, &le) || le.Kind != KindThrottled || le.Attempts != maxAttempts {
		t.Fatalf("error = %v, want KindThrottled after %d attempts", err, maxAttempts)
	}
	// GetCallerIdentity, then every attempt of the lookup.
	if got := stub.requests.Load(); got != 1+maxAttempts {
		t.Fatalf("server saw %d requests, want %d", got, 1+maxAttempts)
	}
	if msg := Explain(err); !strings.HasPrefix(msg, "throttled by cloudtrail in us-east-1 after 8 attempts") {
		t.Fatalf("Explain = %q", msg)
	}
}

func TestMissingProfileIsNamed(t *testing.T) {
	isolateAWS(t, "", "us-east-1")
	_, err := New(context.Background(), Config{Profile: "nope"})
	if !errors.Is(err, errNoProfile) || !strings.Contains(Explain(err), `AWS profile "nope" not found`) {
		t.Fatalf("error = %v", err)
	}
}

func TestWritesAreRefusedBeforeSending(t *testing.T) {
	isolateAWS(t, "AKIAEXAMPLEKEY", "us-east-1")
	stub := stubAWS{cloudtrail: func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/x-amz-json-1.1")
		fmt.Fprint(w, `{"trailList":[]}`)
	}}
	endpoint := stub.start(t)
	cfg, err := AWSConfig(context.Background(), Config{EndpointURL: endpoint})
	if err != nil {
		t.Fatal(err)
	}
	bucket := s3.NewFromConfig(cfg, func(o *s3.Options) { o.UsePathStyle = true })
	_, err = bucket.PutObject(context.Background(), &s3.PutObjectInput{
		Bucket: aws.String("b"), Key: aws.String("k"), Body: strings.NewReader("x"),
	})
	var le *Error
	if !errors.As(err, &le) || le.Kind != KindWriteRefused || le.Op != "s3:PutObject" {
		t.Fatalf("PutObject error = %v, want KindWriteRefused", err)
	}
	client := cloudtrail.NewFromConfig(cfg)
	_, err = client.CreateTrail(context.Background(), &cloudtrail.CreateTrailInput{
		Name: aws.String("t"), S3BucketName: aws.String("b"),
	})
	if !errors.As(err, &le) || le.Kind != KindWriteRefused {
		t.Fatalf("CreateTrail error = %v, want KindWriteRefused", err)
	}
	if msg := Explain(err); !strings.Contains(msg, "refused to call cloudtrail:CreateTrail") {
		t.Errorf("Explain = %q", msg)
	}
	if n := stub.requests.Load(); n != 0 {
		t.Fatalf("server saw %d requests for a refused write, want 0", n)
	}
	// A read through the same client does reach the server.
	if _, err := client.DescribeTrails(context.Background(), &cloudtrail.DescribeTrailsInput{}); err != nil {
		t.Fatal(err)
	}
	if n := stub.requests.Load(); n != 1 {
		t.Fatalf("server saw %d requests after one read, want 1", n)
	}
}

func TestExplain(t *testing.T) {
	if got := Explain(nil); got != "" {
		t.Errorf("Explain(nil) = %q", got)
	}
	if got := Explain(fmt.Errorf("load: %w", context.Canceled)); got != "cancelled" {
		t.Errorf("Explain(cancelled) = %q", got)
	}
	if got := Explain(errors.New("first\nsecond")); got != "first" {
		t.Errorf("Explain(two lines) = %q", got)
	}
}

// countingTransport counts the requests sent through it.
type countingTransport struct{ n atomic.Int64 }

func (c *countingTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	c.n.Add(1)
	return http.DefaultTransport.RoundTrip(r)
}

func TestExplicitCredentialsAndHTTPClientAreUsed(t *testing.T) {
	isolateAWS(t, "", "us-east-1")
	var stub stubAWS
	endpoint := stub.start(t)
	transport := &countingTransport{}
	src, err := New(context.Background(), Config{
		EndpointURL: endpoint,
		Credentials: credentials.NewStaticCredentialsProvider("AKIAEXAMPLEKEY", "secret", ""),
		HTTPClient:  &http.Client{Transport: transport},
	})
	if err != nil {
		t.Fatal(Explain(err))
	}
	if src.Account() != "111122223333" || src.Name() != "us-east-1 via "+endpoint {
		t.Fatalf("account %q, name %q", src.Account(), src.Name())
	}
	if transport.n.Load() != 1 || stub.requests.Load() != 1 {
		t.Fatalf("%d requests through the client, %d at the server; want the one GetCallerIdentity",
			transport.n.Load(), stub.requests.Load())
	}
}
