package emulator

import (
	"io"
	"net/http"
)

// HTTPClient returns an HTTP client for aws-sdk-go-v2 clients that call the
// emulator (the demo scenario's and the tests'). It avoids a client-side
// race that otherwise fails about 1 to 3% of calls against a fast server with
// "deserialization failed, failed to decode response body, ... use of closed
// network connection" (aws/aws-sdk-go-v2 issues 1825 and 2737):
//
// smithy-go wraps each request body in a reader whose WriteTo returns io.EOF
// once closed, and closes it as soon as the response headers arrive. After
// sending a body of known length, net/http copies what is left of it to check
// that nothing is; when the server has already answered, that copy runs after
// the close, WriteTo returns io.EOF as an error, and the transport closes the
// connection the response body is still being read from. This client's
// transport hides WriteTo, so the check reads io.EOF as the end it is.
func HTTPClient() *http.Client {
	base := http.DefaultTransport.(*http.Transport).Clone()
	return &http.Client{Transport: bodyTransport{base}}
}

// bodyTransport passes requests on with a body that is only a ReadCloser.
type bodyTransport struct{ base http.RoundTripper }

// RoundTrip implements http.RoundTripper.
func (t bodyTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	if _, ok := r.Body.(io.WriterTo); ok && r.Body != http.NoBody {
		r = r.Clone(r.Context())
		r.Body = readCloser{r.Body}
	}
	return t.base.RoundTrip(r)
}

// readCloser hides every method of a body but Read and Close.
type readCloser struct{ io.ReadCloser }
