package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/lazytrail/lazytrail/model"
	"github.com/lazytrail/lazytrail/source"
	"github.com/lazytrail/lazytrail/source/emulator"
	"github.com/lazytrail/lazytrail/ui"
)

// runBrowse opens the TUI on the source the arguments name.
func runBrowse(ctx context.Context, args []string, stderr io.Writer) error {
	o, err := parseOptions("lazytrail", args, false, stderr)
	if err != nil {
		return err
	}
	if _, err := model.ParseFilter(o.query(), now()); err != nil {
		return fmt.Errorf("--filter: %w", err)
	}
	opts := ui.Options{Filter: o.query(), LocalTime: o.localTime, Follow: o.follow, Insights: o.insights}
	if o.demo {
		fmt.Fprintln(stderr, "lazytrail: starting the emulator and its history...")
		d, err := startDemo(ctx, o)
		if err != nil {
			return err
		}
		defer d.Close()
		opts.Follow = true
		opts.Status = "emulator"
		if opts.Filter == "" {
			opts.Filter = demoFilter
		}
		opts.Notices = d.play(ctx)
		return ui.Run(ctx, d.Source, d.uiOptions(opts))
	}
	src, err := openSource(ctx, o)
	if err != nil {
		return err
	}
	return ui.Run(ctx, src.Source, src.uiOptions(opts))
}

// runList prints the events the filter selects, without a TUI.
func runList(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	o, err := parseOptions("lazytrail list", args, true, stderr)
	if err != nil {
		return err
	}
	if !validOutput(o.output) {
		return fmt.Errorf("--output %q: want one of %s", o.output, strings.Join(outputFormats, ", "))
	}
	filter, err := model.ParseFilter(o.query(), now())
	if err != nil {
		return fmt.Errorf("--filter: %w", err)
	}
	var src *builtSource
	if o.demo {
		d, err := startDemo(ctx, o)
		if err != nil {
			return err
		}
		defer d.Close()
		src = d.builtSource
	} else if src, err = openSource(ctx, o); err != nil {
		return err
	}
	if src.notice != "" {
		fmt.Fprintln(stderr, "lazytrail:", src.notice)
	}
	store, problems, err := load(ctx, src, src.query(filter, o.insights))
	for _, p := range problems {
		fmt.Fprintln(stderr, "lazytrail: skipped", ui.Sanitize(p.Error()))
	}
	if err != nil {
		return err
	}
	if store.Len() == 0 && len(problems) > 0 {
		return fmt.Errorf("nothing could be read from %s: %d damaged input(s), see above", src.Name(), len(problems))
	}
	return writeSelection(stdout, store.Select(filter), o.output, false)
}

func validOutput(format string) bool {
	for _, f := range outputFormats {
		if f == format {
			return true
		}
	}
	return false
}

// load reads everything q selects into a store, collecting the problems met
// on the way.
func load(ctx context.Context, src *builtSource, q source.Query) (*model.Store, []source.Problem, error) {
	cur, err := src.Open(ctx, q)
	if err != nil {
		return nil, nil, src.explain(err)
	}
	defer cur.Close()
	store := model.NewStore()
	var problems []source.Problem
	for {
		page, err := cur.Next(ctx)
		store.Add(page.Events)
		problems = append(problems, page.Problems...)
		if errors.Is(err, io.EOF) {
			return store, problems, nil
		}
		if err != nil {
			return store, problems, src.explain(err)
		}
	}
}

// runEmulator serves the emulator until interrupted.
func runEmulator(ctx context.Context, args []string, stderr io.Writer) error {
	fs := newFlagSet("lazytrail emulator", stderr)
	var cfg emulator.Config
	var keys string
	fs.StringVar(&cfg.Addr, "addr", emulator.DefaultAddr, "address to listen on (HOST:PORT)")
	fs.StringVar(&cfg.DataDir, "data-dir", "", "keep history, trails, keys and S3 objects here across restarts (default: in memory)")
	fs.Int64Var(&cfg.Seed, "seed", 1, "seed of the generated history")
	fs.IntVar(&cfg.HistoryDays, "history-days", 7, "days of background activity to seed (0 for none)")
	fs.IntVar(&cfg.HistoryCap, "history-cap", 200000, "most events kept; the oldest are dropped")
	fs.Float64Var(&cfg.Rate, "rate", 2, "LookupEvents calls per second per account and region before throttling (negative: no throttling)")
	fs.DurationVar(&cfg.DeliveryInterval, "delivery-interval", 5*time.Minute, "how often logging trails deliver log files")
	fs.DurationVar(&cfg.DigestInterval, "digest-interval", time.Hour, "how often validating trails write digest files")
	fs.StringVar(&keys, "keys", "", "access key table: a JSON file, or KEY=IAMUser:alice,KEY2=AssumedRole:role/session[;deny=ACTION][;expired],...; default: the built-in keys")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("emulator: unexpected argument %q", fs.Arg(0))
	}
	if keys != "" {
		table, err := keyTable(keys)
		if err != nil {
			return err
		}
		cfg.KeyTable = table
	}
	srv, err := emulator.New(cfg)
	if err != nil {
		return err
	}
	defer srv.Close()
	endpoint, err := srv.Start(cfg.Addr)
	if err != nil {
		return err
	}
	fmt.Fprintf(stderr, "lazytrail emulator listening on %s\n", endpoint)
	fmt.Fprintf(stderr, "  export AWS_ENDPOINT_URL=%s AWS_ACCESS_KEY_ID=%s AWS_SECRET_ACCESS_KEY=emulator AWS_DEFAULT_REGION=us-east-1\n", endpoint, emulator.KeyAlice)
	<-ctx.Done()
	return nil
}

// keyTable reads the emulator's --keys value: a file when one exists at that
// path, else the inline form.
func keyTable(value string) ([]emulator.Identity, error) {
	if _, err := os.Stat(value); err == nil {
		return emulator.LoadKeyTable(value)
	}
	return emulator.ParseKeyTable(value)
}
