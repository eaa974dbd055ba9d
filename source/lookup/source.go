// Package lookup browses the live CloudTrail event history through the
// LookupEvents API, against AWS or any compatible endpoint (the emulator,
// LocalStack). Requests are paced by one limiter per account and region
// shared by the whole process, only read operations may leave the process,
// several regions merge into one newest-first timeline, and a follow cursor
// polls for events as they arrive.
package lookup

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials/ssocreds"
	"github.com/aws/aws-sdk-go-v2/service/cloudtrail"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/aws/smithy-go/logging"
	smithymiddleware "github.com/aws/smithy-go/middleware"

	"github.com/lazytrail/lazytrail/source"
)

// AllRegions in Config.Regions selects every region enabled for the account.
const AllRegions = "all"

// defaultBurst lets one request go at once after a pause; beyond that the
// limiter spaces requests evenly at the rate.
const defaultBurst = 1

// Config is the flag-level configuration of the live source.
type Config struct {
	// Profile is the shared config profile; "" uses AWS_PROFILE or the default.
	Profile string
	// Regions to read, each entry a name or a comma list; nil means the
	// default region (AWS_REGION or the profile's), and "all" every region
	// enabled for the account, listed with EC2 DescribeRegions.
	Regions []string
	// EndpointURL sends every call to this endpoint instead of AWS; ""
	// honours AWS_ENDPOINT_URL.
	EndpointURL string
	// Rate is the LookupEvents budget in requests per second per account
	// and region; 0 means DefaultRate (what AWS allows).
	Rate float64
	// HTTPClient replaces the SDK's HTTP client, e.g. in tests.
	HTTPClient *http.Client
	// Credentials replace the default credential chain, e.g. with an
	// emulator's key; nil uses the chain.
	Credentials aws.CredentialsProvider
}

// environment is what the resolved configuration says about where calls go,
// for messages and limiter keys; it holds no secrets.
type environment struct {
	profile  string
	endpoint string // the base endpoint URL, "" for AWS
}

// region is one region's CloudTrail client, paced by the region's limiter.
type region struct {
	name   string
	client *cloudtrail.Client
}

// Source reads the live event history of one account in one or more
// regions. It implements source.Source; it is safe for concurrent use.
type Source struct {
	env     environment
	account string
	regions []*region
}

// New resolves credentials, region(s) and identity the way the AWS CLI does
// and returns a source for them. It calls STS GetCallerIdentity (to key the
// limiters by account, and to fail early with a clear message when the
// credentials do not work) and, for "all", EC2 DescribeRegions. Errors are
// *Error values whose text is one line for the user.
func New(ctx context.Context, c Config) (*Source, error) {
	cfg, env, err := resolve(ctx, c)
	if err != nil {
		return nil, err
	}
	names := regionList(c.Regions)
	all := slices.Contains(names, AllRegions)
	if len(names) == 0 {
		names = []string{cfg.Region}
	}
	id, err := sts.NewFromConfig(cfg).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	if err != nil {
		return nil, classify(err, "sts:GetCallerIdentity", cfg.Region, &env)
	}
	if all {
		if names, err = enabledRegions(ctx, cfg, &env); err != nil {
			return nil, err
		}
	}
	s := &Source{env: env, account: aws.ToString(id.Account)}
	for _, name := range names {
		lim := limiters.get(limiterKey{endpoint: env.endpoint, account: s.account, region: name}, c.Rate, defaultBurst)
		client := cloudtrail.NewFromConfig(cfg, func(o *cloudtrail.Options) {
			o.Region = name
			o.APIOptions = append(o.APIOptions, pace(lim))
		})
		s.regions = append(s.regions, &region{name: name, client: client})
	}
	if len(s.regions) == 0 {
		return nil, &Error{Kind: KindNoRegion, Profile: env.profile}
	}
	return s, nil
}

// regionList flattens region flags ("us-east-1,eu-west-1" or one per
// entry) into distinct names in order.
func regionList(flags []string) []string {
	var names []string
	for _, f := range flags {
		for n := range strings.SplitSeq(f, ",") {
			if n = strings.TrimSpace(n); n != "" && !slices.Contains(names, n) {
				names = append(names, n)
			}
		}
	}
	return names
}

// AWSConfig resolves c into the SDK configuration the live source uses, for
// other clients lazytrail builds (S3 archives, trail lookups): the same
// credential chain, endpoint and retries, and the same read-only guard. Its
// region is the first of c.Regions, else the default one. Errors are *Error
// values, or name a missing profile.
func AWSConfig(ctx context.Context, c Config) (aws.Config, error) {
	cfg, _, err := resolve(ctx, c)
	return cfg, err
}

// resolve loads the configuration for c, checks that credentials can be
// found and picks the region calls go to when none is named: the first of
// c.Regions, else the default one, else, for "all", us-east-1, which every
// account has.
func resolve(ctx context.Context, c Config) (aws.Config, environment, error) {
	cfg, env, err := loadConfig(ctx, c)
	if err != nil {
		return cfg, env, err
	}
	if err := checkCredentials(ctx, cfg, &env); err != nil {
		return cfg, env, err
	}
	names := regionList(c.Regions)
	all := slices.Contains(names, AllRegions)
	switch {
	case len(names) > 0 && !all:
		cfg.Region = names[0]
	case cfg.Region == "" && all:
		cfg.Region = "us-east-1"
	case cfg.Region == "":
		return cfg, env, &Error{Kind: KindNoRegion, Profile: env.profile}
	}
	return cfg, env, nil
}

// loadConfig resolves the SDK configuration for c: the default credential
// chain and shared files, the profile, the endpoint, lazytrail's retryer
// and the read-only guard on every client built from it.
func loadConfig(ctx context.Context, c Config) (aws.Config, environment, error) {
	opts := []func(*config.LoadOptions) error{
		config.WithRetryer(newRetryer(c.Rate)),
		// The SDK logs warnings to stderr, which would tear a TUI frame;
		// failures reach the user as errors instead.
		config.WithLogger(logging.Nop{}),
		config.WithAPIOptions([]func(*smithymiddleware.Stack) error{readOnly}),
	}
	if c.Profile != "" {
		opts = append(opts, config.WithSharedConfigProfile(c.Profile))
	}
	if c.Credentials != nil {
		opts = append(opts, config.WithCredentialsProvider(c.Credentials))
	}
	if c.EndpointURL != "" {
		opts = append(opts, config.WithBaseEndpoint(c.EndpointURL))
	}
	if c.HTTPClient != nil {
		opts = append(opts, config.WithHTTPClient(c.HTTPClient))
	}
	cfg, err := config.LoadDefaultConfig(ctx, opts...)
	env := environment{profile: c.Profile}
	if err != nil {
		var missing config.SharedConfigProfileNotExistError
		if errors.As(err, &missing) {
			return cfg, env, fmt.Errorf("AWS profile %q not found in the shared config or credentials files: %w", missing.Profile, errNoProfile)
		}
		return cfg, env, fmt.Errorf("load AWS configuration: %s", oneLine(err))
	}
	env.endpoint = aws.ToString(cfg.BaseEndpoint)
	// Wrapped after loading, so that a CA bundle (AWS_CA_BUNDLE) still
	// reaches the SDK's own client.
	if cfg.HTTPClient == nil {
		cfg.HTTPClient = awshttp.NewBuildableClient()
	}
	cfg.HTTPClient = source.WholeBodies(cfg.HTTPClient)
	return cfg, env, nil
}

// checkCredentials runs the credential chain once, so that missing or
// expired credentials are reported as such before any call is made.
func checkCredentials(ctx context.Context, cfg aws.Config, env *environment) error {
	if cfg.Credentials == nil {
		return &Error{Kind: KindNoCredentials, Profile: env.profile}
	}
	_, err := cfg.Credentials.Retrieve(ctx)
	if err == nil || ctx.Err() != nil {
		return err
	}
	var sso *ssocreds.InvalidTokenError
	if errors.As(err, &sso) {
		return &Error{Kind: KindExpiredToken, Profile: env.profile, Err: err}
	}
	err = classify(err, "sts:GetCallerIdentity", "", env)
	if le := (*Error)(nil); errors.As(err, &le) && le.Kind == KindOther {
		le.Kind = KindNoCredentials
	}
	return err
}

// errNoProfile is wrapped by the error for a profile that does not exist.
var errNoProfile = errors.New("no such profile")

// enabledRegions lists the regions enabled for the account, with EC2
// DescribeRegions in the configured region.
func enabledRegions(ctx context.Context, cfg aws.Config, env *environment) ([]string, error) {
	out, err := ec2.NewFromConfig(cfg).DescribeRegions(ctx, &ec2.DescribeRegionsInput{})
	if err != nil {
		return nil, classify(err, "ec2:DescribeRegions", cfg.Region, env)
	}
	names := make([]string, 0, len(out.Regions))
	for _, r := range out.Regions {
		if n := aws.ToString(r.RegionName); n != "" {
			names = append(names, n)
		}
	}
	slices.Sort(names)
	return names, nil
}

// Name describes the source for the status bar: the regions, and the
// endpoint when it is not AWS.
func (s *Source) Name() string {
	name := strings.Join(s.Regions(), ",")
	if s.env.endpoint != "" {
		name += " via " + s.env.endpoint
	}
	return name
}

// Regions returns the regions the source reads, in the order configured.
func (s *Source) Regions() []string {
	names := make([]string, len(s.regions))
	for i, r := range s.regions {
		names[i] = r.name
	}
	return names
}

// Account returns the account ID the credentials belong to.
func (s *Source) Account() string { return s.account }

// Open starts a newest-first scan of q's events in every region of the
// source; see Cursor. An attribute the server cannot take for the event
// category (Insights allow only EventId, EventName and EventSource) is not
// sent: the store filters locally anyway.
func (s *Source) Open(ctx context.Context, q source.Query) (source.Cursor, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	return newCursor(s.regions, s.lookupInput(q), &s.env), nil
}

var _ source.Source = (*Source)(nil)
