package lookup

import (
	"regexp"
	"strconv"
	"strings"

	"github.com/lazytrail/lazytrail/model"
	"github.com/lazytrail/lazytrail/source"
)

// pushable maps a filter key to its lookup attribute, in the order of
// selectivity a pushdown prefers: an event ID names one event, an access key
// one session, and so on down to ReadOnly, which splits history in two.
var pushable = []struct {
	key  string
	attr source.AttributeKey
}{
	{"id", source.AttrEventID},
	{"accesskey", source.AttrAccessKeyID},
	{"user", source.AttrUsername},
	{"resource", source.AttrResourceName},
	{"event", source.AttrEventName},
	{"resource", source.AttrResourceType},
	{"source", source.AttrEventSource},
	{"readonly", source.AttrReadOnly},
}

// isTimeKey reports whether a filter key bounds the time range, which is
// always sent.
func isTimeKey(key string) bool {
	return strings.EqualFold(key, "since") || strings.EqualFold(key, "until")
}

// resourceTypePattern matches a CloudFormation-style resource type such as
// AWS::EC2::Instance; any other resource value is taken as a name.
var resourceTypePattern = regexp.MustCompile(`^[A-Za-z0-9]+::[A-Za-z0-9]+::[A-Za-z0-9]+$`)

// pushdown chooses the one term of a filter that LookupEvents should apply:
// the most selective pushable term (EventId > AccessKeyId > Username >
// ResourceName > EventName > ResourceType > EventSource > ReadOnly). Only a positive term with exactly one value and
// no wildcard can be pushed. It returns the attribute, or nil, and the terms
// that remain to be applied locally (the time range is left out: it is
// always sent).
//
// The server compares values exactly and case-sensitively where the local
// filter does not, so values are put in the form CloudTrail records them
// (lower-case event IDs and sources, upper-case access keys), an event name
// that does not start with a capital is not pushed, and neither is a user
// value with a "/" (a role and session as the who column shows them). The
// store still applies every term locally, so a pushed term can only narrow,
// never widen, what is shown. With insights, only the attributes Insights
// events can be looked up by (EventId, EventName, EventSource) are
// candidates.
func pushdown(terms []model.Term, insights bool) (*source.Attribute, []model.Term) {
	attr, chosen := choose(terms, insights)
	local := make([]model.Term, 0, len(terms))
	for i, t := range terms {
		if i != chosen && !isTimeKey(t.Key) {
			local = append(local, t)
		}
	}
	return attr, local
}

// choose returns the attribute to push and the index of its term in terms,
// or nil and -1.
func choose(terms []model.Term, insights bool) (*source.Attribute, int) {
	chosen, bestRank := -1, len(pushable)
	var attr *source.Attribute
	for i, t := range terms {
		a, rank, ok := attributeFor(t)
		if ok && rank < bestRank && (!insights || insightsAttributes[a.Key]) {
			chosen, bestRank, attr = i, rank, a
		}
	}
	return attr, chosen
}

// attributeFor returns the attribute a term would push and its rank in
// pushable, if the term can be pushed at all.
func attributeFor(t model.Term) (*source.Attribute, int, bool) {
	if t.Negated || len(t.Values) != 1 {
		return nil, 0, false
	}
	v := strings.TrimSpace(t.Values[0])
	if v == "" || strings.Contains(v, "*") || len(v) > 2000 {
		return nil, 0, false
	}
	key := strings.ToLower(t.Key)
	var attr source.AttributeKey
	switch key {
	case "id":
		v = strings.ToLower(v)
	case "event":
		if r := v[0]; r < 'A' || r > 'Z' {
			return nil, 0, false
		}
	case "accesskey":
		v = strings.ToUpper(v)
	case "user":
		if strings.Contains(v, "/") {
			return nil, 0, false
		}
	case "resource":
		if resourceTypePattern.MatchString(v) {
			attr = source.AttrResourceType
		} else {
			attr = source.AttrResourceName
		}
	case "source":
		v = strings.ToLower(v)
		if !strings.Contains(v, ".") {
			v += ".amazonaws.com"
		}
	case "readonly":
		b, err := strconv.ParseBool(v)
		if err != nil {
			return nil, 0, false
		}
		v = strconv.FormatBool(b)
	default:
		return nil, 0, false
	}
	for rank, p := range pushable {
		if p.key == key && (attr == "" || attr == p.attr) {
			return &source.Attribute{Key: p.attr, Value: v}, rank, true
		}
	}
	return nil, 0, false
}

// Plan says which part of a filter runs where, for the status line.
type Plan struct {
	// Attribute is what the server is asked to filter on; nil for none.
	Attribute *source.Attribute
	// Server describes what the server applies: the time range and the
	// pushed term, in query syntax ("since:3h user:alice"); "" for nothing.
	Server string
	// Local is the rest of the filter, applied in lazytrail.
	Local string
}

// PlanFor describes where each part of a query made of terms runs.
func PlanFor(terms []model.Term, insights bool) Plan {
	attr, chosen := choose(terms, insights)
	var server, local []string
	for i, t := range terms {
		if i == chosen || isTimeKey(t.Key) {
			server = append(server, termString(t))
		} else {
			local = append(local, termString(t))
		}
	}
	return Plan{Attribute: attr, Server: strings.Join(server, " "), Local: strings.Join(local, " ")}
}

// termString writes a term back in query syntax.
func termString(t model.Term) string {
	vals := make([]string, len(t.Values))
	for i, v := range t.Values {
		if strings.ContainsAny(v, " \t\",") {
			v = strconv.Quote(v)
		}
		vals[i] = v
	}
	s := strings.Join(vals, ",")
	if t.Key != "" {
		s = t.Key + ":" + s
	}
	if t.Negated {
		s = "-" + s
	}
	return s
}

// Pushdown is the attribute to send for filter f when reading Insights
// events (insights) or management events; it fits ui.Options.Pushdown.
func (s *Source) Pushdown(f *model.Filter, insights bool) *source.Attribute {
	if f == nil {
		return nil
	}
	attr, _ := pushdown(f.Terms(), insights)
	return attr
}

// Plan describes which part of filter f the server applies and which part
// runs locally, for Insights events (insights) or management events.
func (s *Source) Plan(f *model.Filter, insights bool) Plan {
	if f == nil {
		return Plan{}
	}
	return PlanFor(f.Terms(), insights)
}
