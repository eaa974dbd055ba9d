package main

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/credentials"

	"github.com/lazytrail/lazytrail/source/emulator"
	"github.com/lazytrail/lazytrail/source/lookup"
)

// demoFilter hides the viewer's own LookupEvents polling, which the emulator
// records like AWS does; clearing the filter shows it.
const demoFilter = "-event:LookupEvents"

// demoRegion is where the demo scenario runs.
const demoRegion = "us-east-1"

// demoViewerKey is the access key lazytrail itself reads the demo with, so
// that its own LookupEvents calls show up under their own name.
const demoViewerKey = "AKIALAZYTRAILVIEWER1"

// demo is an in-process emulator with seeded history, the live source
// reading it over HTTP, and the demo scenario to play against it.
type demo struct {
	*builtSource
	srv      *emulator.Server
	endpoint string
	scenario *emulator.Scenario
}

// startDemo starts the emulator on a free loopback port and connects the
// live LookupEvents source to it with the demo's own access key.
func startDemo(ctx context.Context, o *options) (*demo, error) {
	keys := append(emulator.DefaultKeyTable(), emulator.Identity{AccessKeyID: demoViewerKey, Type: "IAMUser", Name: "lazytrail-viewer"})
	srv, err := emulator.New(emulator.Config{Seed: 1, HistoryDays: 7, KeyTable: keys, Logf: func(string, ...any) {}})
	if err != nil {
		return nil, fmt.Errorf("start the emulator: %w", err)
	}
	endpoint, err := srv.Start("127.0.0.1:0")
	if err != nil {
		srv.Close()
		return nil, fmt.Errorf("start the emulator: %w", err)
	}
	scenario, err := emulator.LoadScenario("demo")
	if err != nil {
		srv.Close()
		return nil, err
	}
	c := lookup.Config{
		Regions:     []string{demoRegion},
		EndpointURL: endpoint,
		Rate:        o.rate,
		Credentials: credentials.NewStaticCredentialsProvider(demoViewerKey, "emulator", ""),
	}
	src, err := lookup.New(ctx, c)
	if err != nil {
		srv.Close()
		return nil, fmt.Errorf("connect to the emulator: %s", lookup.Explain(err))
	}
	return &demo{
		builtSource: liveSource(src),
		srv:         srv,
		endpoint:    endpoint,
		scenario:    scenario,
	}, nil
}

// play runs the demo scenario in the background as the demo's presenter
// would: live calls through the AWS SDK, which the emulator records. Its
// progress and any failure arrive on the returned channel, for the status bar.
func (d *demo) play(ctx context.Context) <-chan string {
	notices := make(chan string, 16)
	notify := func(s string) {
		select {
		case notices <- s:
		case <-ctx.Done():
		}
	}
	creds := credentials.NewStaticCredentialsProvider(emulator.KeyAlice, "emulator", "")
	go func() {
		err := d.scenario.Play(ctx, d.endpoint, creds, func(step string) { notify("demo: " + step) })
		if err != nil && ctx.Err() == nil {
			notify("demo failed: " + err.Error())
		}
	}()
	return notices
}

// Close stops the emulator.
func (d *demo) Close() error { return d.srv.Close() }
