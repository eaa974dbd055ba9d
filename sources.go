package main

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/aws/aws-sdk-go-v2/service/cloudtrail"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/lazytrail/lazytrail/model"
	"github.com/lazytrail/lazytrail/source"
	"github.com/lazytrail/lazytrail/source/archive"
	"github.com/lazytrail/lazytrail/source/lookup"
	"github.com/lazytrail/lazytrail/ui"
)

// builtSource is a source with what the front ends need to drive it: which
// filter term it can push to its server, and how to explain its errors.
type builtSource struct {
	source.Source
	// pushdown picks the attribute the server applies; nil for sources that
	// filter nothing remotely.
	pushdown func(f *model.Filter, insights bool) *source.Attribute
	// plan says which part of a filter the server applies and which part
	// runs locally; nil for sources without a server-side filter.
	plan func(f *model.Filter, insights bool) (server, local string)
	// live marks the LookupEvents API, whose errors lookup.Explain knows.
	live bool
	// notice is something the user should know about how the source runs,
	// such as a cache that could not be used.
	notice string
}

// query is the source query for a filter: its time range, always, and the
// pushed attribute, where the source has a server.
func (b *builtSource) query(f *model.Filter, insights bool) source.Query {
	q := source.Query{Insights: insights}
	if f != nil {
		q.Start, q.End = f.TimeRange()
	}
	if b.pushdown != nil {
		q.Attribute = b.pushdown(f, insights)
	}
	return q
}

// explain turns an error into the one line the user should read.
func (b *builtSource) explain(err error) error {
	if err == nil || errors.Is(err, context.Canceled) {
		return err
	}
	if b.live {
		return errors.New(lookup.Explain(err))
	}
	return err
}

func (b *builtSource) uiOptions(opts ui.Options) ui.Options {
	opts.Pushdown = b.pushdown
	opts.Plan = b.plan
	if b.live {
		opts.Explain = lookup.Explain
	}
	if b.notice != "" {
		opts.Status = strings.TrimSpace(opts.Status + " " + b.notice)
	}
	return opts
}

// openSource builds the source the positional arguments and flags name:
// local paths, an s3:// URL or --trail, or else the live API.
func openSource(ctx context.Context, o *options) (*builtSource, error) {
	switch {
	case o.trail != "" || (len(o.paths) > 0 && strings.HasPrefix(o.paths[0], "s3://")):
		return openS3(ctx, o)
	case len(o.paths) > 0:
		src, err := archive.NewLocal(o.paths...)
		if err != nil {
			return nil, err
		}
		return &builtSource{Source: src}, nil
	default:
		src, err := lookup.New(ctx, o.lookupConfig())
		if err != nil {
			return nil, errors.New(lookup.Explain(err))
		}
		return liveSource(src), nil
	}
}

func (o *options) lookupConfig() lookup.Config {
	c := lookup.Config{Profile: o.profile, EndpointURL: o.endpointURL, Rate: o.rate}
	if o.regions != "" {
		c.Regions = splitList(o.regions)
	}
	return c
}

// liveSource wraps the LookupEvents source with its pushdown and plan.
func liveSource(src *lookup.Source) *builtSource {
	plan := func(f *model.Filter, insights bool) (string, string) {
		p := src.Plan(f, insights)
		return p.Server, p.Local
	}
	return &builtSource{Source: src, pushdown: src.Pushdown, plan: plan, live: true}
}

// openS3 builds an S3 archive source from an s3:// URL or a trail name.
func openS3(ctx context.Context, o *options) (*builtSource, error) {
	if len(o.paths) > 1 {
		return nil, fmt.Errorf("read one S3 archive at a time (got %d arguments)", len(o.paths))
	}
	cfg, err := lookup.AWSConfig(ctx, o.lookupConfig())
	if err != nil {
		return nil, errors.New(lookup.Explain(err))
	}
	var loc archive.S3Location
	if o.trail != "" {
		if loc, err = archive.ResolveTrail(ctx, cloudtrail.NewFromConfig(cfg), o.trail); err != nil {
			return nil, errors.New(lookup.Explain(err))
		}
	} else if loc, err = archive.ParseS3URL(o.paths[0]); err != nil {
		return nil, err
	}
	if o.account != "" {
		loc.Accounts = splitList(o.account)
	}
	if o.orgID != "" {
		loc.OrgID = o.orgID
	}
	if o.regions != "" {
		loc.Regions = splitList(o.regions)
	}
	var opts archive.S3Options
	if !o.noCache {
		if opts.CacheDir, err = archive.DefaultCacheDir(); err != nil {
			return nil, err
		}
	}
	// Emulators and other S3-compatible servers are addressed path-style.
	client := s3.NewFromConfig(cfg, func(so *s3.Options) { so.UsePathStyle = cfg.BaseEndpoint != nil })
	src := archive.NewS3(client, loc, opts)
	b := &builtSource{Source: src}
	if err := src.CacheError(); err != nil {
		b.notice = "no cache: " + err.Error()
	}
	return b, nil
}

func splitList(s string) []string {
	var out []string
	for _, part := range strings.Split(s, ",") {
		if part = strings.TrimSpace(part); part != "" {
			out = append(out, part)
		}
	}
	return out
}
