// Command lazytrail is a terminal browser for AWS CloudTrail event history.
//
//	lazytrail                              browse the live LookupEvents API
//	lazytrail --demo                       browse an in-process emulator playing the demo
//	lazytrail PATH... | s3://bucket/prefix browse log archives
//	lazytrail list [source] [--filter Q]   print events instead of browsing
//	lazytrail emulator [--addr HOST:PORT]  run the emulator for other clients
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"time"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	err := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	if errors.Is(err, flag.ErrHelp) {
		os.Exit(0)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "lazytrail:", err)
		os.Exit(1)
	}
}

// run dispatches to a subcommand.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) > 0 {
		switch args[0] {
		case "list":
			return runList(ctx, args[1:], stdout, stderr)
		case "emulator":
			return runEmulator(ctx, args[1:], stderr)
		}
	}
	return runBrowse(ctx, args, stderr)
}

// options are the flags shared by browsing and list.
type options struct {
	demo        bool
	profile     string
	regions     string
	endpointURL string
	filter      string
	since       string
	until       string
	orgID       string
	account     string
	trail       string
	noCache     bool
	insights    bool
	follow      bool
	localTime   bool
	rate        float64
	output      string
	paths       []string
}

func (o *options) register(fs *flag.FlagSet, list bool) {
	fs.BoolVar(&o.demo, "demo", false, "run against an in-process emulator playing the demo scenario (no AWS needed)")
	fs.StringVar(&o.profile, "profile", "", "AWS shared config profile (default: AWS_PROFILE or the default chain)")
	fs.StringVar(&o.regions, "region", "", "region(s) to read, comma separated, or \"all\" (default: the configured region)")
	fs.StringVar(&o.endpointURL, "endpoint-url", "", "send AWS calls to this endpoint (an emulator) instead of AWS")
	fs.StringVar(&o.filter, "filter", "", "initial filter, e.g. 'user:alice err:any since:3h'")
	fs.StringVar(&o.since, "since", "", "only events after this duration ago or RFC 3339 time (same as since: in the filter)")
	fs.StringVar(&o.until, "until", "", "only events before this duration ago or RFC 3339 time")
	fs.StringVar(&o.orgID, "org-id", "", "S3 archives: organization id (o-...) of an organization trail")
	fs.StringVar(&o.account, "account", "", "S3 archives: account id(s) to read, comma separated")
	fs.StringVar(&o.trail, "trail", "", "S3 archives: resolve bucket and prefix from this trail (DescribeTrails)")
	fs.BoolVar(&o.noCache, "no-cache", false, "S3 archives: don't cache downloaded log files")
	fs.BoolVar(&o.insights, "insights", false, "live API: read Insights events instead of management events")
	fs.Float64Var(&o.rate, "rate", 2, "live API: requests per second per account and region")
	if list {
		fs.StringVar(&o.output, "output", "table", "output format: "+strings.Join(outputFormats, ", "))
	} else {
		fs.BoolVar(&o.follow, "follow", false, "live API: start in follow mode (poll for new events)")
		fs.BoolVar(&o.localTime, "local-time", false, "show times in the local time zone instead of UTC")
	}
}

// parseInterspersed parses flags that may come before or after positional
// arguments, returning the positional ones.
func parseInterspersed(fs *flag.FlagSet, args []string) ([]string, error) {
	var positional []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		rest := fs.Args()
		if len(rest) == 0 {
			return positional, nil
		}
		if rest[0] == "--" {
			return append(positional, rest[1:]...), nil
		}
		positional = append(positional, rest[0])
		args = rest[1:]
	}
}

// query is the filter the user asked for: --filter plus --since/--until.
func (o *options) query() string {
	q := o.filter
	if o.since != "" {
		q = strings.TrimSpace(q + " since:" + o.since)
	}
	if o.until != "" {
		q = strings.TrimSpace(q + " until:" + o.until)
	}
	return q
}

func newFlagSet(name string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	return fs
}

func parseOptions(name string, args []string, list bool, stderr io.Writer) (*options, error) {
	var o options
	fs := newFlagSet(name, stderr)
	o.register(fs, list)
	paths, err := parseInterspersed(fs, args)
	if err != nil {
		return nil, err
	}
	o.paths = paths
	return &o, nil
}

// now is the clock the filters are relative to.
func now() time.Time { return time.Now().UTC() }
