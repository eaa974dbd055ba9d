package emulator

import (
	"crypto/tls"
	_ "embed"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http"
	"os"
	"slices"
	"strings"
	"time"
)

//go:embed seed.json
var builtinProfile []byte

// seedProfile describes the background activity seeded into the history:
// who acts, which calls they make, where, and how often they fail.
type seedProfile struct {
	EventsPerDay        int           `json:"eventsPerDay"`
	ErrorRate           float64       `json:"errorRate"`
	Regions             []seedRegion  `json:"regions"`
	Actors              []seedActor   `json:"actors"`
	Calls               []seedCall    `json:"calls"`
	DefaultErrors       []seedError   `json:"defaultErrors"`
	ConsoleLoginsPerDay int           `json:"consoleLoginsPerDay"`
	ConsoleFailureRate  float64       `json:"consoleFailureRate"`
	RootLogins          int           `json:"rootLogins"`
	Insights            []seedInsight `json:"insights"`
}

// seedInsight is one unusual burst of activity that CloudTrail Insights
// reports as a Start event and, Minutes later, an End event.
type seedInsight struct {
	Source    string  `json:"source"`
	Name      string  `json:"name"`
	Type      string  `json:"type"`      // ApiCallRateInsight or ApiErrorRateInsight
	ErrorCode string  `json:"errorCode"` // ApiErrorRateInsight only
	Region    string  `json:"region"`
	Baseline  float64 `json:"baseline"` // calls (or errors) per minute usually
	Insight   float64 `json:"insight"`  // calls (or errors) per minute during the burst
	Minutes   int     `json:"minutes"`
	Actor     string  `json:"actor"` // the seed actor the burst is attributed to
}

type seedRegion struct {
	Name   string `json:"name"`
	Weight int    `json:"weight"`
}

// seedActor is a caller: an IAMUser, AssumedRole or AWSService (Name is
// then the service principal).
type seedActor struct {
	Type        string `json:"type"`
	Name        string `json:"name"`
	Session     string `json:"session"`
	AccessKeyID string `json:"accessKeyId"`
	Weight      int    `json:"weight"`
	Console     bool   `json:"console"` // signs in to the console
	UserAgent   string `json:"userAgent"`
	SourceIP    string `json:"sourceIP"`
}

// seedCall is an API call. Strings in Params, Response and Resource may use
// {region}, {account}, {id}, {user} and {arn}; Resource.ID may use {hex17}
// and {hex8} for random hex digits.
type seedCall struct {
	Source   string        `json:"source"`
	Name     string        `json:"name"`
	ReadOnly bool          `json:"readOnly"`
	Weight   int           `json:"weight"`
	Global   bool          `json:"global"` // always in us-east-1
	Params   any           `json:"params"`
	Response any           `json:"response"`
	Resource *seedResource `json:"resource"`
	Errors   []seedError   `json:"errors"`
}

type seedResource struct {
	Type string `json:"type"`
	ARN  string `json:"arn"`
	ID   string `json:"id"`
}

type seedError struct {
	Code    string `json:"code"`
	Message string `json:"message"`
}

// loadProfile reads a seed profile, the built-in one when path is empty.
func loadProfile(path string) (*seedProfile, error) {
	b := builtinProfile
	if path != "" {
		var err error
		if b, err = os.ReadFile(path); err != nil {
			return nil, fmt.Errorf("load seed profile: %w", err)
		}
	}
	var p seedProfile
	if err := json.Unmarshal(b, &p); err != nil {
		return nil, fmt.Errorf("load seed profile %s: %w", path, err)
	}
	if len(p.Regions) == 0 || len(p.Actors) == 0 || len(p.Calls) == 0 || p.EventsPerDay < 0 {
		return nil, fmt.Errorf("load seed profile %s: it needs regions, actors, calls and a non-negative eventsPerDay", path)
	}
	return &p, nil
}

// seed fills the history with Config.HistoryDays of background activity,
// the same for the same Seed and clock.
func (s *Server) seed() error {
	p, err := loadProfile(s.cfg.SeedProfile)
	if err != nil {
		return err
	}
	g := &seeder{
		p:       p,
		rng:     rand.New(rand.NewPCG(uint64(s.cfg.Seed), 0x5eed)),
		account: s.cfg.AccountID,
		now:     s.cfg.Now().UTC(),
		span:    time.Duration(s.cfg.HistoryDays) * 24 * time.Hour,
	}
	var raws [][]byte
	for range p.EventsPerDay * s.cfg.HistoryDays {
		raws = append(raws, g.apiCall())
	}
	var console []seedActor
	for _, a := range p.Actors {
		if a.Console {
			console = append(console, a)
		}
	}
	if len(console) > 0 {
		for range p.ConsoleLoginsPerDay * s.cfg.HistoryDays {
			raws = append(raws, g.consoleLogin(console[g.rng.IntN(len(console))]))
		}
	}
	for range p.RootLogins {
		raws = append(raws, g.consoleLogin(seedActor{Type: "Root", UserAgent: "Mozilla/5.0 (X11; Linux x86_64; rv:124.0) Gecko/20100101 Firefox/124.0", SourceIP: "198.51.100.5"}))
	}
	for _, in := range p.Insights {
		raws = append(raws, g.insight(in)...)
	}
	evs := make([]*event, 0, len(raws))
	for _, raw := range raws {
		ev, err := indexRecord(raw)
		if err != nil {
			return fmt.Errorf("seed: %w", err)
		}
		evs = append(evs, ev)
	}
	slices.SortStableFunc(evs, func(a, b *event) int { return a.time.Compare(b.time) })
	s.addEvents(evs, false)
	return nil
}

// seeder draws seeded events from a profile.
type seeder struct {
	p       *seedProfile
	rng     *rand.Rand
	account string
	now     time.Time
	span    time.Duration
}

// pick returns an index drawn by weight.
func (g *seeder) pick(n int, weight func(int) int) int {
	total := 0
	for i := range n {
		total += max(weight(i), 0)
	}
	if total == 0 {
		return g.rng.IntN(n)
	}
	r := g.rng.IntN(total)
	for i := range n {
		if r -= max(weight(i), 0); r < 0 {
			return i
		}
	}
	return n - 1
}

func (g *seeder) when() time.Time {
	return g.now.Add(-time.Duration(g.rng.Int64N(int64(g.span)))).Truncate(time.Second)
}

func (g *seeder) uuid() string {
	var b [16]byte
	for i := range b {
		b[i] = byte(g.rng.Uint32())
	}
	return formatUUID(b)
}

func (g *seeder) hex(n int) string {
	const digits = "0123456789abcdef"
	b := make([]byte, n)
	for i := range b {
		b[i] = digits[g.rng.IntN(16)]
	}
	return string(b)
}

// identity returns the userIdentity, user agent and source IP of an actor.
func (g *seeder) identity(a seedActor, at time.Time) (map[string]any, string, string) {
	if a.Type == "AWSService" {
		return map[string]any{"type": "AWSService", "invokedBy": a.Name}, a.Name, a.Name
	}
	key := a.AccessKeyID
	if key == "" {
		key = "ASIA" + strings.ToUpper(g.hex(16))
	}
	id := Identity{AccessKeyID: key, Type: a.Type, Name: a.Name, Session: a.Session, AccountID: g.account}
	return userIdentity(id, at), a.UserAgent, a.SourceIP
}

// apiCall draws one API call record.
func (g *seeder) apiCall() []byte {
	p := g.p
	c := p.Calls[g.pick(len(p.Calls), func(i int) int { return p.Calls[i].Weight })]
	a := p.Actors[g.pick(len(p.Actors), func(i int) int { return p.Actors[i].Weight })]
	region := "us-east-1"
	if !c.Global {
		region = p.Regions[g.pick(len(p.Regions), func(i int) int { return p.Regions[i].Weight })].Name
	}
	at := g.when()
	ui, agent, ip := g.identity(a, at)
	arn, _ := ui["arn"].(string)
	vars := map[string]string{"{region}": region, "{account}": g.account, "{user}": a.Name, "{arn}": arn}
	var resources []Resource
	if c.Resource != nil {
		id := strings.ReplaceAll(c.Resource.ID, "{hex17}", g.hex(17))
		vars["{id}"] = strings.ReplaceAll(id, "{hex8}", g.hex(8))
		resources = []Resource{{ARN: expand(c.Resource.ARN, vars), AccountID: g.account, Type: c.Resource.Type}}
	}
	vars["{hex8}"] = g.hex(8)
	call := Call{
		Request: &Request{
			HTTP: &http.Request{
				Host: strings.TrimSuffix(c.Source, ".amazonaws.com") + "." + region + ".amazonaws.com",
				TLS:  &tls.ConnectionState{Version: tls.VersionTLS13, CipherSuite: tls.TLS_AES_128_GCM_SHA256},
			},
			Region:    region,
			Caller:    Caller{AccessKeyID: fmt.Sprint(ui["accessKeyId"]), AccountID: g.account, UserIdentity: ui},
			RequestID: g.uuid(),
			SourceIP:  ip,
			UserAgent: agent,
			Received:  at,
		},
		EventSource:       c.Source,
		EventName:         c.Name,
		ReadOnly:          c.ReadOnly,
		RequestParameters: expandAny(c.Params, vars),
		Resources:         resources,
	}
	if g.rng.Float64() < p.ErrorRate {
		errs := c.Errors
		if len(errs) == 0 {
			errs = p.DefaultErrors
		}
		if len(errs) > 0 {
			e := errs[g.rng.IntN(len(errs))]
			call.ErrorCode, call.ErrorMessage = e.Code, expand(e.Message, vars)
		}
	}
	if call.ErrorCode == "" {
		call.ResponseElements = expandAny(c.Response, vars)
	}
	return buildRecord(call, g.account, g.uuid())
}

// consoleLogin draws one console sign-in of actor a.
func (g *seeder) consoleLogin(a seedActor) []byte {
	at := g.when()
	ui, _, _ := g.identity(a, at)
	delete(ui, "accessKeyId")
	if a.Type == "Root" {
		ui = map[string]any{"type": "Root", "principalId": g.account, "arn": "arn:aws:iam::" + g.account + ":root", "accountId": g.account}
	}
	failed := a.Type != "Root" && g.rng.Float64() < g.p.ConsoleFailureRate
	var o objectWriter
	o.field("eventVersion", "1.11")
	o.field("userIdentity", ui)
	o.field("eventTime", at.Format(timeFormat))
	o.field("eventSource", "signin.amazonaws.com")
	o.field("eventName", "ConsoleLogin")
	o.field("awsRegion", "us-east-1")
	o.field("sourceIPAddress", a.SourceIP)
	o.field("userAgent", "Mozilla/5.0 (X11; Linux x86_64; rv:124.0) Gecko/20100101 Firefox/124.0")
	if failed {
		o.field("errorMessage", "Failed authentication")
	}
	o.field("requestParameters", nil)
	result := "Success"
	if failed {
		result = "Failure"
	}
	o.field("responseElements", map[string]any{"ConsoleLogin": result})
	mfa := "No"
	if a.Type == "Root" {
		mfa = "Yes"
	}
	var extra objectWriter
	extra.field("LoginTo", "https://console.aws.amazon.com/console/home?state=hashArgs%23&isauthcode=true")
	extra.field("MobileVersion", "No")
	extra.field("MFAUsed", mfa)
	o.field("additionalEventData", json.RawMessage(extra.bytes()))
	o.field("eventID", g.uuid())
	o.field("readOnly", false)
	o.field("eventType", "AwsConsoleSignIn")
	o.field("managementEvent", true)
	o.field("recipientAccountId", g.account)
	o.field("eventCategory", "Management")
	var t objectWriter
	t.field("tlsVersion", "TLSv1.3")
	t.field("cipherSuite", "TLS_AES_128_GCM_SHA256")
	t.field("clientProvidedHostHeader", "signin.aws.amazon.com")
	o.field("tlsDetails", json.RawMessage(t.bytes()))
	return o.bytes()
}

// insight draws the Start and End records of an Insights event, shaped as
// CloudTrail writes them: no userIdentity, the API in insightDetails, the
// averages in insightContext.statistics and the caller in its attributions.
func (g *seeder) insight(in seedInsight) [][]byte {
	minutes := max(in.Minutes, 1)
	start := g.when().Truncate(time.Minute)
	if end := start.Add(time.Duration(minutes) * time.Minute); end.After(g.now) {
		start = g.now.Add(-time.Duration(minutes) * time.Minute).Truncate(time.Minute)
	}
	region := in.Region
	if region == "" {
		region = "us-east-1"
	}
	shared := g.uuid()
	baselineMinutes := int(g.span/time.Minute) - minutes
	var attributions []any
	for _, a := range g.p.Actors {
		if a.Name != in.Actor {
			continue
		}
		ui, agent, _ := g.identity(a, start)
		errCode := in.ErrorCode
		if errCode == "" {
			errCode = "null"
		}
		for _, attr := range [][2]string{{"userIdentityArn", fmt.Sprint(ui["arn"])}, {"userAgent", agent}, {"errorCode", errCode}} {
			attributions = append(attributions, map[string]any{
				"attribute": attr[0],
				"insight":   []any{map[string]any{"value": attr[1], "average": in.Insight}},
				"baseline":  []any{map[string]any{"value": attr[1], "average": in.Baseline}},
			})
		}
	}
	var out [][]byte
	for _, state := range []string{"Start", "End"} {
		at := start
		stats := map[string]any{"baseline": map[string]any{"average": in.Baseline}, "insight": map[string]any{"average": in.Insight}}
		if state == "End" {
			at = start.Add(time.Duration(minutes) * time.Minute)
			stats["insightDuration"] = minutes
			stats["baselineDuration"] = baselineMinutes
		}
		var details objectWriter
		details.field("state", state)
		details.field("eventSource", in.Source)
		details.field("eventName", in.Name)
		details.field("insightType", in.Type)
		if in.ErrorCode != "" {
			details.field("errorCode", in.ErrorCode)
		}
		ctx := map[string]any{"statistics": stats}
		if state == "End" && attributions != nil {
			ctx["attributions"] = attributions
		}
		details.field("insightContext", ctx)
		var o objectWriter
		o.field("eventVersion", "1.08")
		o.field("eventTime", at.Format(timeFormat))
		o.field("awsRegion", region)
		o.field("eventID", g.uuid())
		o.field("eventType", "AwsCloudTrailInsight")
		o.field("recipientAccountId", g.account)
		o.field("sharedEventID", shared)
		o.field("insightDetails", json.RawMessage(details.bytes()))
		o.field("eventCategory", "Insight")
		out = append(out, o.bytes())
	}
	return out
}

func expand(s string, vars map[string]string) string {
	if !strings.Contains(s, "{") {
		return s
	}
	for k, v := range vars {
		s = strings.ReplaceAll(s, k, v)
	}
	return s
}

// expandAny expands the variables in every string of a decoded JSON value.
func expandAny(v any, vars map[string]string) any {
	switch v := v.(type) {
	case string:
		return expand(v, vars)
	case map[string]any:
		out := make(map[string]any, len(v))
		for k, e := range v {
			out[k] = expandAny(e, vars)
		}
		return out
	case []any:
		out := make([]any, len(v))
		for i, e := range v {
			out[i] = expandAny(e, vars)
		}
		return out
	default:
		return v
	}
}
