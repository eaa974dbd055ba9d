package source

import (
	"io"
	"net/http"
)

// HTTPDoer is what an aws-sdk-go-v2 client needs of its HTTP client.
type HTTPDoer interface {
	Do(*http.Request) (*http.Response, error)
}

// WholeBodies wraps the HTTP client of aws-sdk-go-v2 clients against a
// client-side race that fails about 1 to 3% of calls to a fast server with
// "deserialization failed, failed to decode response body, ... use of closed
// network connection" (aws/aws-sdk-go-v2 issues 1825 and 2737).
//
// smithy-go wraps each request body in a reader whose WriteTo returns io.EOF
// once closed, and closes it as soon as the response headers arrive. After
// sending a body of known length, net/http copies what is left of it to check
// that nothing is; when the server has already answered, that copy runs after
// the close, WriteTo returns io.EOF as an error, and the transport closes the
// connection the response body is still being read from. The wrapped client
// hides WriteTo, so the check reads io.EOF as the end it is.
func WholeBodies(c HTTPDoer) HTTPDoer { return wholeBodies{c} }

type wholeBodies struct{ next HTTPDoer }

// Do implements HTTPDoer.
func (w wholeBodies) Do(r *http.Request) (*http.Response, error) {
	if _, ok := r.Body.(io.WriterTo); ok && r.Body != http.NoBody {
		r = r.Clone(r.Context())
		r.Body = readCloser{r.Body}
	}
	return w.next.Do(r)
}

// readCloser hides every method of a body but Read and Close.
type readCloser struct{ io.ReadCloser }
