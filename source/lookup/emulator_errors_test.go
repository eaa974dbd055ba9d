package lookup

import (
	"errors"
	"strings"
	"testing"

	"github.com/lazytrail/lazytrail/source/emulator"
	"github.com/lazytrail/lazytrail/source/emulator/emulatortest"
)

// TestEmulatorRefusalsReadAsOneClearLine opens the live source against the
// emulator with keys its key table denies cloudtrail:LookupEvents or marks
// as expired, and checks the one line the user sees.
func TestEmulatorRefusalsReadAsOneClearLine(t *testing.T) {
	const (
		keyDenied  = "AKIAEMULATORDENIED01"
		keyExpired = "ASIAEMULATOREXPIRED1"
	)
	keys, err := emulator.ParseKeyTable(keyDenied + "=IAMUser:intern;deny=cloudtrail:LookupEvents," +
		keyExpired + "=AssumedRole:deploy/yesterday;expired")
	if err != nil {
		t.Fatal(err)
	}
	_, endpoint := emulatortest.Start(t, emulator.Config{KeyTable: keys, Rate: -1})
	cases := []struct {
		name, key string
		kind      Kind
		want      string
	}{
		{"denied", keyDenied, KindAccessDenied, "access denied in eu-west-1: the caller needs permission for cloudtrail:LookupEvents"},
		{"expired", keyExpired, KindExpiredToken, "the AWS session has expired"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			isolateAWS(t, c.key, "eu-west-1")
			err := openErr(t, endpoint, Config{Rate: 100})
			var le *Error
			if !errors.As(err, &le) || le.Kind != c.kind {
				t.Fatalf("error = %v (%T), want kind %d", err, err, c.kind)
			}
			msg := Explain(err)
			if !strings.Contains(msg, c.want) || strings.Contains(msg, "\n") || strings.Contains(msg, "test-secret-") {
				t.Errorf("Explain = %q, want one line containing %q and no secret", msg, c.want)
			}
		})
	}
}
