package main

import (
	"bytes"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/lazytrail/lazytrail/source/emulator"
	"github.com/lazytrail/lazytrail/source/emulator/emulatortest"
)

// Distinctive credentials for the leak test.
const (
	e2eLeakSecret  = "leak/check/secret+0123456789abcdefSECRET"
	e2eLeakSession = "IQoJleakcheckSESSIONtoken0123456789//////////"
)

// e2eCredentialEnv is the environment with only the given credentials: the
// machine's AWS settings are left out.
func e2eCredentialEnv(t *testing.T, key string) []string {
	t.Helper()
	empty := filepath.Join(t.TempDir(), "empty")
	if err := os.WriteFile(empty, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "AWS_") {
			env = append(env, kv)
		}
	}
	return append(env, "AWS_ACCESS_KEY_ID="+key, "AWS_SECRET_ACCESS_KEY="+e2eLeakSecret,
		"AWS_SESSION_TOKEN="+e2eLeakSession, "AWS_REGION=us-east-1", "AWS_CONFIG_FILE="+empty,
		"AWS_SHARED_CREDENTIALS_FILE="+empty, "AWS_EC2_METADATA_DISABLED=true")
}

// e2eRun runs the binary and returns its standard output and error
// together, whatever its exit status.
func e2eRun(t *testing.T, bin string, env []string, args ...string) string {
	t.Helper()
	cmd := exec.Command(bin, args...)
	cmd.Env = env
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	_ = cmd.Run()
	return out.String()
}

// e2eAWSErrorStub answers GetCallerIdentity with code (HTTP 403) when sts is
// set, else as alice, and LookupEvents with code (HTTP 400).
func e2eAWSErrorStub(t *testing.T, code string, sts bool) string {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("X-Amz-Target") != "" {
			w.Header().Set("Content-Type", "application/x-amz-json-1.1")
			w.WriteHeader(http.StatusBadRequest)
			fmt.Fprintf(w, `{"__type":%q,"Message":"request by %s refused"}`, code, r.Header.Get("Authorization"))
			return
		}
		w.Header().Set("Content-Type", "text/xml")
		if sts {
			w.WriteHeader(http.StatusForbidden)
			fmt.Fprintf(w, `<ErrorResponse><Error><Type>Sender</Type><Code>%s</Code><Message>token invalid</Message></Error><RequestId>1</RequestId></ErrorResponse>`, code)
			return
		}
		fmt.Fprint(w, `<GetCallerIdentityResponse><GetCallerIdentityResult><Arn>arn:aws:iam::111122223333:user/alice</Arn>`+
			`<UserId>AIDAEXAMPLE</UserId><Account>111122223333</Account></GetCallerIdentityResult></GetCallerIdentityResponse>`)
	}))
	t.Cleanup(srv.Close)
	return srv.URL
}

func TestCredentialsNeverPrinted(t *testing.T) {
	bin := e2eBinary(t)
	_, endpoint := emulatortest.Start(t, emulator.Config{Rate: -1, HistoryDays: 1, Seed: 7})

	// Events list the caller's access key ID as data (userIdentity), as
	// AWS does; the secret and the session token must never show.
	for _, format := range []string{"table", "json", "jsonl", "csv"} {
		out := e2eRun(t, bin, e2eCredentialEnv(t, emulator.KeyAlice), "list", "--endpoint-url", endpoint, "--since", "48h", "--output", format)
		// The emulator records lazytrail's own calls too.
		if !strings.Contains(out, "GetCallerIdentity") {
			t.Fatalf("list --output %s printed no events:\n%.500s", format, out)
		}
		for _, s := range []string{e2eLeakSecret, e2eLeakSession} {
			if strings.Contains(out, s) {
				t.Fatalf("list --output %s shows a credential", format)
			}
		}
	}

	// Failures show none of the three, not even the access key ID; the
	// stub even echoes the request's Authorization header in its message.
	const key = "AKIALEAKCHECK0000001"
	failures := map[string]string{
		"unreachable":   "http://127.0.0.1:1",
		"expired":       e2eAWSErrorStub(t, "ExpiredToken", true),
		"unknown key":   e2eAWSErrorStub(t, "InvalidClientTokenId", true),
		"access denied": e2eAWSErrorStub(t, "AccessDeniedException", false),
	}
	for name, ep := range failures {
		for _, args := range [][]string{{"list", "--endpoint-url", ep}, {"list", "--endpoint-url", ep, "--region", "us-east-1,eu-west-1"}} {
			out := e2eRun(t, bin, e2eCredentialEnv(t, key), args...)
			if !strings.Contains(out, "lazytrail:") {
				t.Fatalf("%s: %v printed no error:\n%s", name, args, out)
			}
			for _, s := range []string{key, e2eLeakSecret, e2eLeakSession} {
				if strings.Contains(out, s) {
					t.Fatalf("%s: %v shows a credential:\n%s", name, args, out)
				}
			}
		}
	}
}
