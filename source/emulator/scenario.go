package emulator

import (
	"bytes"
	"context"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudtrail"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/aws/smithy-go"
)

//go:embed scenarios/*.json
var scenarioFiles embed.FS

// maxPause bounds a step's pause, so a scenario file cannot stall a demo.
const maxPause = time.Minute

// Scenario is a scripted sequence of AWS calls, read from a data file and
// played as live calls through the aws-sdk-go-v2 clients.
type Scenario struct {
	Name        string
	Description string
	Region      string // the region every call is made in
	Steps       []Step
}

// Step is one call of a scenario.
type Step struct {
	Service   string // cloudtrail, s3, ec2 or sts
	Operation string // the API operation, e.g. RunInstances
	// Parameters is the operation's input as JSON, with the SDK's field
	// names; "${name}" inside strings is replaced by a saved value. A JSON
	// object given for a string field (a bucket policy) is sent as its text.
	Parameters json.RawMessage
	// Save names values of the output to reuse in later steps: name -> a
	// dotted path into the output, e.g. "Instances.0.InstanceId".
	Save map[string]string
	// AllowErrors are error codes that do not stop the scenario (a bucket
	// that already exists when the demo is played again).
	AllowErrors []string
	// Pause is how long to wait after the step.
	Pause time.Duration
}

// scenarioFile is the JSON form of a scenario.
type scenarioFile struct {
	Name        string `json:"name"`
	Description string `json:"description"`
	Region      string `json:"region"`
	Steps       []struct {
		Service     string            `json:"service"`
		Operation   string            `json:"operation"`
		Parameters  json.RawMessage   `json:"parameters"`
		Save        map[string]string `json:"save"`
		AllowErrors []string          `json:"allowErrors"`
		Pause       string            `json:"pause"`
	} `json:"steps"`
}

// ScenarioNames lists the scenarios built into the binary.
func ScenarioNames() []string {
	entries, _ := fs.Glob(scenarioFiles, "scenarios/*.json") // the pattern is valid
	names := make([]string, 0, len(entries))
	for _, e := range entries {
		names = append(names, strings.TrimSuffix(strings.TrimPrefix(e, "scenarios/"), ".json"))
	}
	return names
}

// LoadScenario returns the built-in scenario called name (e.g. "demo").
func LoadScenario(name string) (*Scenario, error) {
	data, err := scenarioFiles.ReadFile("scenarios/" + name + ".json")
	if err != nil {
		return nil, fmt.Errorf("load scenario %q (have %s): %w", name, strings.Join(ScenarioNames(), ", "), err)
	}
	sc, err := ParseScenario(data)
	if err != nil {
		return nil, fmt.Errorf("load scenario %q: %w", name, err)
	}
	return sc, nil
}

// ParseScenario reads a scenario file and checks every step: known
// operation, parameters that fit its input, a sane pause.
func ParseScenario(data []byte) (*Scenario, error) {
	var f scenarioFile
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&f); err != nil {
		return nil, fmt.Errorf("parse scenario: %w", err)
	}
	if f.Name == "" || len(f.Steps) == 0 {
		return nil, errors.New("parse scenario: a scenario needs a name and at least one step")
	}
	sc := &Scenario{Name: f.Name, Description: f.Description, Region: f.Region}
	if sc.Region == "" {
		sc.Region = "us-east-1"
	}
	saved := map[string]bool{}
	for i, raw := range f.Steps {
		st := Step{Service: raw.Service, Operation: raw.Operation, Parameters: raw.Parameters, Save: raw.Save, AllowErrors: raw.AllowErrors}
		fail := func(format string, args ...any) error {
			return fmt.Errorf("parse scenario: step %d (%s %s): %s", i+1, raw.Service, raw.Operation, fmt.Sprintf(format, args...))
		}
		op, ok := scenarioOps[st.Service+"."+st.Operation]
		if !ok {
			return nil, fail("unknown operation; known: %s", strings.Join(scenarioOpNames(), ", "))
		}
		if raw.Pause != "" {
			d, err := time.ParseDuration(raw.Pause)
			if err != nil || d < 0 || d > maxPause {
				return nil, fail("pause %q is not a duration between 0 and %s", raw.Pause, maxPause)
			}
			st.Pause = d
		}
		// Check the parameters with every placeholder filled in.
		vars := map[string]string{}
		for _, name := range placeholders(st.Parameters) {
			if !saved[name] {
				return nil, fail("${%s} is not saved by an earlier step", name)
			}
			vars[name] = "x"
		}
		if _, err := op.input(st.Parameters, vars); err != nil {
			return nil, fail("%v", err)
		}
		for name := range st.Save {
			saved[name] = true
		}
		sc.Steps = append(sc.Steps, st)
	}
	return sc, nil
}

var placeholderRE = regexp.MustCompile(`\$\{([A-Za-z0-9_]+)\}`)

func placeholders(raw []byte) []string {
	var names []string
	for _, m := range placeholderRE.FindAllSubmatch(raw, -1) {
		names = append(names, string(m[1]))
	}
	return names
}

// Play makes the scenario's calls against endpoint, in order, with creds,
// calling log (if not nil) after each step. It stops at the first error
// that the step does not allow, or when ctx is done.
func (sc *Scenario) Play(ctx context.Context, endpoint string, creds aws.CredentialsProvider, log func(step string)) error {
	cfg := aws.Config{Region: sc.Region, Credentials: creds, BaseEndpoint: aws.String(endpoint), HTTPClient: HTTPClient()}
	cl := &scenarioClients{
		cloudtrail: cloudtrail.NewFromConfig(cfg),
		s3:         s3.NewFromConfig(cfg, func(o *s3.Options) { o.UsePathStyle = true }),
		ec2:        ec2.NewFromConfig(cfg),
		sts:        sts.NewFromConfig(cfg),
	}
	vars := map[string]string{}
	for i, st := range sc.Steps {
		line, err := st.play(ctx, cl, vars)
		if err != nil {
			return fmt.Errorf("play scenario %s: step %d (%s %s): %w", sc.Name, i+1, st.Service, st.Operation, err)
		}
		if log != nil {
			log(line)
		}
		if st.Pause > 0 {
			select {
			case <-ctx.Done():
				return fmt.Errorf("play scenario %s: %w", sc.Name, ctx.Err())
			case <-time.After(st.Pause):
			}
		}
	}
	return nil
}

// play makes the step's call, saves what it names, and returns a line
// describing it.
func (st Step) play(ctx context.Context, cl *scenarioClients, vars map[string]string) (string, error) {
	op := scenarioOps[st.Service+"."+st.Operation]
	in, err := op.input(st.Parameters, vars)
	if err != nil {
		return "", err
	}
	line := st.Service + " " + st.Operation
	out, err := op.call(ctx, cl, in)
	if err != nil {
		var api smithy.APIError
		if errors.As(err, &api) && slices.Contains(st.AllowErrors, api.ErrorCode()) {
			return line + " (" + api.ErrorCode() + ", expected)", nil
		}
		return "", err
	}
	if len(st.Save) == 0 {
		return line, nil
	}
	raw, err := json.Marshal(out)
	if err != nil {
		return "", fmt.Errorf("read output: %w", err)
	}
	var doc any
	if err := json.Unmarshal(raw, &doc); err != nil {
		return "", fmt.Errorf("read output: %w", err)
	}
	names := make([]string, 0, len(st.Save))
	for name := range st.Save {
		names = append(names, name)
	}
	slices.Sort(names)
	for _, name := range names {
		v, ok := pathValue(doc, st.Save[name])
		if !ok {
			return "", fmt.Errorf("save %s: the output has no %s", name, st.Save[name])
		}
		vars[name] = v
		line += " " + name + "=" + v
	}
	return line, nil
}

// pathValue follows a dotted path (object keys and list indexes) to a
// string or number.
func pathValue(doc any, path string) (string, bool) {
	for part := range strings.SplitSeq(path, ".") {
		switch v := doc.(type) {
		case map[string]any:
			doc = v[part]
		case []any:
			i, err := strconv.Atoi(part)
			if err != nil || i < 0 || i >= len(v) {
				return "", false
			}
			doc = v[i]
		default:
			return "", false
		}
	}
	switch v := doc.(type) {
	case string:
		return v, true
	case float64:
		return strconv.FormatFloat(v, 'f', -1, 64), true
	}
	return "", false
}

type scenarioClients struct {
	cloudtrail *cloudtrail.Client
	s3         *s3.Client
	ec2        *ec2.Client
	sts        *sts.Client
}

// scenarioOp is one operation a scenario can call: how to build its input
// from a step's parameters, and how to call it.
type scenarioOp struct {
	input func(params json.RawMessage, vars map[string]string) (any, error)
	call  func(ctx context.Context, cl *scenarioClients, in any) (any, error)
}

// bind makes a scenarioOp of an SDK client method.
func bind[C, In, Out, Opt any](client func(*scenarioClients) C, method func(C, context.Context, *In, ...func(*Opt)) (*Out, error)) scenarioOp {
	return scenarioOp{
		input: func(params json.RawMessage, vars map[string]string) (any, error) {
			in := new(In)
			return in, decodeParams(params, vars, in)
		},
		call: func(ctx context.Context, cl *scenarioClients, in any) (any, error) {
			return method(client(cl), ctx, in.(*In))
		},
	}
}

var (
	ctOf  = func(c *scenarioClients) *cloudtrail.Client { return c.cloudtrail }
	s3Of  = func(c *scenarioClients) *s3.Client { return c.s3 }
	ec2Of = func(c *scenarioClients) *ec2.Client { return c.ec2 }
	stsOf = func(c *scenarioClients) *sts.Client { return c.sts }
)

// scenarioOps are the operations scenarios may call, by "service.Operation".
var scenarioOps = map[string]scenarioOp{
	"cloudtrail.CreateTrail":    bind(ctOf, (*cloudtrail.Client).CreateTrail),
	"cloudtrail.DeleteTrail":    bind(ctOf, (*cloudtrail.Client).DeleteTrail),
	"cloudtrail.DescribeTrails": bind(ctOf, (*cloudtrail.Client).DescribeTrails),
	"cloudtrail.GetTrailStatus": bind(ctOf, (*cloudtrail.Client).GetTrailStatus),
	"cloudtrail.ListTrails":     bind(ctOf, (*cloudtrail.Client).ListTrails),
	"cloudtrail.LookupEvents":   bind(ctOf, (*cloudtrail.Client).LookupEvents),
	"cloudtrail.StartLogging":   bind(ctOf, (*cloudtrail.Client).StartLogging),
	"cloudtrail.StopLogging":    bind(ctOf, (*cloudtrail.Client).StopLogging),
	"s3.CreateBucket":           bind(s3Of, (*s3.Client).CreateBucket),
	"s3.DeleteBucket":           bind(s3Of, (*s3.Client).DeleteBucket),
	"s3.DeleteBucketPolicy":     bind(s3Of, (*s3.Client).DeleteBucketPolicy),
	"s3.GetBucketPolicy":        bind(s3Of, (*s3.Client).GetBucketPolicy),
	"s3.ListBuckets":            bind(s3Of, (*s3.Client).ListBuckets),
	"s3.PutBucketPolicy":        bind(s3Of, (*s3.Client).PutBucketPolicy),
	"ec2.DescribeInstances":     bind(ec2Of, (*ec2.Client).DescribeInstances),
	"ec2.DescribeRegions":       bind(ec2Of, (*ec2.Client).DescribeRegions),
	"ec2.RunInstances":          bind(ec2Of, (*ec2.Client).RunInstances),
	"ec2.StartInstances":        bind(ec2Of, (*ec2.Client).StartInstances),
	"ec2.StopInstances":         bind(ec2Of, (*ec2.Client).StopInstances),
	"ec2.TerminateInstances":    bind(ec2Of, (*ec2.Client).TerminateInstances),
	"sts.GetCallerIdentity":     bind(stsOf, (*sts.Client).GetCallerIdentity),
}

func scenarioOpNames() []string {
	names := make([]string, 0, len(scenarioOps))
	for n := range scenarioOps {
		names = append(names, n)
	}
	slices.Sort(names)
	return names
}

// decodeParams fills in the placeholders of params and decodes them into
// in, an SDK input struct. Unknown fields are errors; a JSON object or list
// given for a string field is passed as its JSON text.
func decodeParams(params json.RawMessage, vars map[string]string, in any) error {
	if len(bytes.TrimSpace(params)) == 0 {
		return nil
	}
	var tree map[string]any
	if err := json.Unmarshal(params, &tree); err != nil {
		return fmt.Errorf("parameters: %w", err)
	}
	var missing error
	filled := substitute(tree, vars, &missing).(map[string]any)
	if missing != nil {
		return missing
	}
	t := reflect.TypeOf(in).Elem()
	for key, v := range filled {
		switch v.(type) {
		case map[string]any, []any:
			f, ok := t.FieldByNameFunc(func(n string) bool { return strings.EqualFold(n, key) })
			if ok && (f.Type.Kind() == reflect.String || f.Type.Kind() == reflect.Pointer && f.Type.Elem().Kind() == reflect.String) {
				text, err := json.Marshal(v)
				if err != nil {
					return fmt.Errorf("parameter %s: %w", key, err)
				}
				filled[key] = string(text)
			}
		}
	}
	raw, err := json.Marshal(filled)
	if err != nil {
		return fmt.Errorf("parameters: %w", err)
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(in); err != nil {
		return fmt.Errorf("parameters: %w", err)
	}
	return nil
}

// substitute replaces ${name} in every string of v; an unknown name sets
// *missing.
func substitute(v any, vars map[string]string, missing *error) any {
	switch v := v.(type) {
	case string:
		return placeholderRE.ReplaceAllStringFunc(v, func(m string) string {
			name := m[2 : len(m)-1]
			val, ok := vars[name]
			if !ok && *missing == nil {
				*missing = fmt.Errorf("parameters: ${%s} has no value", name)
			}
			return val
		})
	case map[string]any:
		for k, e := range v {
			v[k] = substitute(e, vars, missing)
		}
	case []any:
		for i, e := range v {
			v[i] = substitute(e, vars, missing)
		}
	}
	return v
}
