package lookup

import (
	"context"
	"errors"
	"io"
	"math/rand/v2"
	"net"
	"strings"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/middleware"
	"github.com/aws/aws-sdk-go-v2/aws/ratelimit"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/smithy-go"
	smithymiddleware "github.com/aws/smithy-go/middleware"
)

// readPrefixes are the operation name prefixes allowed to leave the process.
var readPrefixes = []string{"Lookup", "Describe", "List", "Get"}

// isReadOperation reports whether an AWS operation name only reads.
func isReadOperation(op string) bool {
	for _, p := range readPrefixes {
		if strings.HasPrefix(op, p) {
			return true
		}
	}
	return false
}

// readOnly is an API option for every client lazytrail builds: operations
// other than Lookup*, Describe*, List* and Get* fail with KindWriteRefused
// at the end of the stack's first step, before anything is signed or sent.
func readOnly(stack *smithymiddleware.Stack) error {
	return stack.Initialize.Add(smithymiddleware.InitializeMiddlewareFunc("LazytrailReadOnly",
		func(ctx context.Context, in smithymiddleware.InitializeInput, next smithymiddleware.InitializeHandler) (
			smithymiddleware.InitializeOutput, smithymiddleware.Metadata, error,
		) {
			op := smithymiddleware.GetOperationName(ctx)
			if !isReadOperation(op) {
				service := strings.ToLower(middleware.GetServiceID(ctx))
				return smithymiddleware.InitializeOutput{}, smithymiddleware.Metadata{},
					&Error{Kind: KindWriteRefused, Op: service + ":" + op}
			}
			return next.HandleInitialize(ctx, in)
		}), smithymiddleware.After)
}

// attempts counts what one call, or a series of calls sharing a context,
// sent: every attempt, and the attempts the service throttled.
type attempts struct {
	sent, throttled atomic.Int64
}

type attemptsKey struct{}

// withAttempts returns a context whose calls are counted in a.
func withAttempts(ctx context.Context, a *attempts) context.Context {
	return context.WithValue(ctx, attemptsKey{}, a)
}

// pace returns an API option that makes every attempt of every call, retries
// included, wait for a token from lim before it is signed and sent, and that
// counts attempts in the context's attempts, if any.
func pace(lim *Limiter) func(*smithymiddleware.Stack) error {
	return func(stack *smithymiddleware.Stack) error {
		return stack.Finalize.Insert(smithymiddleware.FinalizeMiddlewareFunc("LazytrailPace",
			func(ctx context.Context, in smithymiddleware.FinalizeInput, next smithymiddleware.FinalizeHandler) (
				smithymiddleware.FinalizeOutput, smithymiddleware.Metadata, error,
			) {
				if err := lim.Wait(ctx); err != nil {
					return smithymiddleware.FinalizeOutput{}, smithymiddleware.Metadata{}, err
				}
				out, md, err := next.HandleFinalize(ctx, in)
				if a, ok := ctx.Value(attemptsKey{}).(*attempts); ok {
					a.sent.Add(1)
					var api smithy.APIError
					if errors.As(err, &api) && isThrottle(api.ErrorCode()) {
						a.throttled.Add(1)
					}
				}
				return out, md, err
			}), "Retry", smithymiddleware.After)
	}
}

// maxAttempts is how many times a call is tried before a throttle (or a
// server error) is reported.
const maxAttempts = 8

// newRetryer returns the SDK's standard retryer with three changes. Its
// backoff counts in the limiter's interval (the time one request of the
// budget takes): a throttled attempt waits 1, 2, 4... intervals, jittered and
// at most 10 intervals, and then its limiter token too. Its client-side
// retry quota is off: the limiter already keeps every attempt within the
// account's budget, and a quota spent on throttles would fail a long scan
// that pacing carries through. Connections that cannot be made (refused, no
// such host) are not retried, so an unreachable endpoint is reported at
// once; an answer cut short (a truncated body, a connection reset while it
// was read) is retried, which the SDK does not do by itself and which is safe
// because every call lazytrail makes is a read.
func newRetryer(rate float64) func() aws.Retryer {
	if rate <= 0 {
		rate = DefaultRate
	}
	interval := time.Duration(float64(time.Second) / rate)
	return func() aws.Retryer {
		return retry.NewStandard(func(o *retry.StandardOptions) {
			o.MaxAttempts = maxAttempts
			o.Backoff = backoff(interval)
			o.RateLimiter = ratelimit.None
			o.Retryables = append([]retry.IsErrorRetryable{
				retry.IsErrorRetryableFunc(noDialRetry), retry.IsErrorRetryableFunc(cutAnswerRetry),
			}, o.Retryables...)
		})
	}
}

// backoff waits between half and all of interval * 2^(attempt-1), at most
// 10 intervals.
func backoff(interval time.Duration) retry.BackoffDelayerFunc {
	return func(attempt int, _ error) (time.Duration, error) {
		d := 10 * interval
		if attempt >= 1 && attempt <= 4 {
			d = interval << (attempt - 1)
		}
		return d/2 + rand.N(d/2+1), nil
	}
}

// cutAnswerRetry retries a call whose answer could not be read to its end.
func cutAnswerRetry(err error) aws.Ternary {
	if errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, syscall.ECONNRESET) {
		return aws.TrueTernary
	}
	return aws.UnknownTernary
}

// noDialRetry rules out retrying a connection that could not be made.
func noDialRetry(err error) aws.Ternary {
	var op *net.OpError
	if errors.As(err, &op) && op.Op == "dial" {
		return aws.FalseTernary
	}
	var dns *net.DNSError
	if errors.As(err, &dns) {
		return aws.FalseTernary
	}
	return aws.UnknownTernary
}
