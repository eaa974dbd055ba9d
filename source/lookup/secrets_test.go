package lookup

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudtrail"
)

// The credentials of the secret-leak test: distinctive, so that any copy of
// them in a message is found.
const (
	leakKey     = "AKIALEAKCHECK0000001"
	leakSecret  = "leak/check/secret+0123456789abcdefSECRET"
	leakSession = "IQoJleakcheckSESSIONtoken0123456789//////////"
)

// leaks names the credential text contains, if any.
func leaks(text string) string {
	for _, s := range []string{leakKey, leakSecret, leakSession} {
		if strings.Contains(text, s) {
			return s
		}
	}
	return ""
}

func TestNoErrorKindCarriesCredentials(t *testing.T) {
	cases := []struct {
		name      string
		region    string
		stub      stubAWS
		unreached bool
		write     bool // call CreateTrail instead of reading
		kind      Kind
	}{
		{name: "no region", kind: KindNoRegion},
		{name: "expired token", region: "us-east-1", stub: stubAWS{sts: stsError("ExpiredToken")}, kind: KindExpiredToken},
		{name: "unknown key", region: "us-east-1", stub: stubAWS{sts: stsError("InvalidClientTokenId")}, kind: KindBadCredentials},
		{name: "bad signature", region: "us-east-1", stub: stubAWS{sts: stsError("SignatureDoesNotMatch")}, kind: KindBadCredentials},
		{name: "access denied", region: "us-east-1", stub: stubAWS{cloudtrail: jsonError("AccessDeniedException",
			"User: arn:aws:iam::111122223333:user/alice is not authorized to perform: cloudtrail:LookupEvents")}, kind: KindAccessDenied},
		{name: "expired during a scan", region: "us-east-1", stub: stubAWS{cloudtrail: jsonError("ExpiredTokenException",
			"The security token included in the request is expired")}, kind: KindExpiredToken},
		{name: "throttled", region: "us-east-1", stub: stubAWS{cloudtrail: jsonError("ThrottlingException", "Rate exceeded")}, kind: KindThrottled},
		{name: "other", region: "us-east-1", stub: stubAWS{cloudtrail: jsonError("InvalidTimeRangeException", "bad range")}, kind: KindOther},
		{name: "server error", region: "us-east-1", stub: stubAWS{cloudtrail: func(w http.ResponseWriter, _ *http.Request) {
			w.WriteHeader(http.StatusInternalServerError)
		}}, kind: KindOther},
		{name: "unreachable", region: "us-east-1", unreached: true, kind: KindUnreachable},
		{name: "write refused", region: "us-east-1", write: true, kind: KindWriteRefused},
	}
	seen := map[Kind]bool{}
	for i := range cases {
		c := &cases[i]
		t.Run(c.name, func(t *testing.T) {
			isolateAWS(t, leakKey, c.region)
			t.Setenv("AWS_SECRET_ACCESS_KEY", leakSecret)
			t.Setenv("AWS_SESSION_TOKEN", leakSession)
			endpoint := c.stub.start(t)
			if c.unreached {
				endpoint = closedEndpoint(t)
			}
			var err error
			if c.write {
				cfg, cerr := AWSConfig(context.Background(), Config{EndpointURL: endpoint})
				if cerr != nil {
					t.Fatal(cerr)
				}
				_, err = cloudtrail.NewFromConfig(cfg).CreateTrail(context.Background(),
					&cloudtrail.CreateTrailInput{Name: aws.String("t"), S3BucketName: aws.String("b")})
			} else {
				err = openErr(t, endpoint, Config{Rate: 1000})
			}
			var lerr *Error
			if !errors.As(err, &lerr) || lerr.Kind != c.kind {
				t.Fatalf("error = %v, want kind %d", err, c.kind)
			}
			seen[c.kind] = true
			for _, text := range []string{Explain(err), err.Error(), fmt.Sprintf("%+v", err), fmt.Sprintf("%#v", lerr)} {
				if s := leaks(text); s != "" {
					t.Fatalf("%q shows the credential %q", text, s)
				}
			}
		})
	}
	for k := KindOther; k <= KindWriteRefused; k++ {
		if !seen[k] && k != KindNoCredentials { // without credentials there is nothing to leak
			t.Errorf("kind %d was not checked", k)
		}
	}
}
