package emulator

import (
	"net/http"

	"github.com/lazytrail/lazytrail/source"
)

// HTTPClient returns an HTTP client for aws-sdk-go-v2 clients that call the
// emulator (the demo scenario's and the tests'), proof against the SDK's
// closed-connection race; see source.WholeBodies.
func HTTPClient() source.HTTPDoer {
	return source.WholeBodies(&http.Client{Transport: http.DefaultTransport.(*http.Transport).Clone()})
}
