package emulator

import (
	"bytes"
	"crypto/tls"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"
)

// timeFormat is how CloudTrail writes eventTime.
const timeFormat = "2006-01-02T15:04:05Z"

// Record turns a served call into a CloudTrail event: it joins the history
// (and so LookupEvents), the persisted history, and the next delivery of
// every logging trail that covers it. Service handlers call it once per
// request they answer.
func (s *Server) Record(call Call) {
	raw := buildRecord(call, s.cfg.AccountID, newUUID())
	ev, err := indexRecord(raw)
	if err != nil {
		// buildRecord writes every field indexRecord needs; reaching this
		// means a handler passed values that cannot be encoded.
		s.cfg.Logf("emulator: record %s: %v", call.EventName, err)
		return
	}
	s.addEvents([]*event{ev}, true)
}

// addEvents adds events to the history and, when live, persists them and
// queues them for delivery.
func (s *Server) addEvents(evs []*event, live bool) {
	s.history.add(evs)
	if s.persist != nil {
		if err := s.persistEvents(evs); err != nil {
			s.cfg.Logf("emulator: %v", err)
		}
	}
	if live {
		s.mu.Lock()
		for _, ev := range evs {
			s.queueLocked(ev)
		}
		s.mu.Unlock()
	}
}

// persistEvents appends events to the history file.
func (s *Server) persistEvents(evs []*event) error {
	for _, ev := range evs {
		if err := s.persist.appendEvent(ev.raw); err != nil {
			return err
		}
	}
	return s.persist.flush()
}

// buildRecord writes a call as a CloudTrail record (eventVersion 1.11), its
// fields in the order CloudTrail writes them.
func buildRecord(call Call, defaultAccount, eventID string) []byte {
	req := call.Request
	if req == nil {
		req = &Request{}
	}
	at := req.Received
	if at.IsZero() {
		at = time.Now()
	}
	account := req.Caller.AccountID
	if account == "" {
		account = defaultAccount
	}
	var o objectWriter
	o.field("eventVersion", "1.11")
	o.field("userIdentity", req.Caller.UserIdentity)
	o.field("eventTime", at.UTC().Format(timeFormat))
	o.field("eventSource", call.EventSource)
	o.field("eventName", call.EventName)
	o.field("awsRegion", req.Region)
	o.field("sourceIPAddress", req.SourceIP)
	o.field("userAgent", req.UserAgent)
	if call.ErrorCode != "" {
		o.field("errorCode", call.ErrorCode)
		o.field("errorMessage", call.ErrorMessage)
	}
	o.field("requestParameters", call.RequestParameters)
	o.field("responseElements", call.ResponseElements)
	if call.AdditionalEventData != nil {
		o.field("additionalEventData", call.AdditionalEventData)
	}
	requestID := req.RequestID
	if requestID == "" {
		requestID = newUUID()
	}
	o.field("requestID", requestID)
	o.field("eventID", eventID)
	o.field("readOnly", call.ReadOnly)
	if len(call.Resources) > 0 {
		o.field("resources", recordResources(call.Resources, account))
	}
	o.field("eventType", "AwsApiCall")
	category := call.Category
	if category == "" {
		category = "Management"
	}
	o.field("managementEvent", category == "Management")
	o.field("recipientAccountId", account)
	o.field("eventCategory", category)
	o.field("tlsDetails", tlsDetails(req))
	return o.bytes()
}

// recordResources writes resources as CloudTrail does: accountId, type, ARN.
func recordResources(rs []Resource, account string) []any {
	out := make([]any, 0, len(rs))
	for _, r := range rs {
		var o objectWriter
		acct := r.AccountID
		if acct == "" {
			acct = account
		}
		o.field("accountId", acct)
		o.field("type", r.Type)
		o.field("ARN", r.ARN)
		out = append(out, json.RawMessage(o.bytes()))
	}
	return out
}

// tlsDetails reports the connection's TLS parameters when it had any, and
// the Host header the client sent.
func tlsDetails(req *Request) json.RawMessage {
	var o objectWriter
	if req.HTTP != nil && req.HTTP.TLS != nil {
		o.field("tlsVersion", tlsVersionName(req.HTTP.TLS.Version))
		o.field("cipherSuite", tlsCipherName(req.HTTP.TLS.CipherSuite))
	}
	host := ""
	if req.HTTP != nil {
		host = req.HTTP.Host
	}
	o.field("clientProvidedHostHeader", host)
	return o.bytes()
}

// objectWriter writes a JSON object whose fields keep the order they are
// written in.
type objectWriter struct {
	buf bytes.Buffer
}

func (o *objectWriter) field(name string, v any) {
	if o.buf.Len() == 0 {
		o.buf.WriteByte('{')
	} else {
		o.buf.WriteByte(',')
	}
	writeJSON(&o.buf, name)
	o.buf.WriteByte(':')
	writeJSON(&o.buf, v)
}

func (o *objectWriter) bytes() []byte {
	if o.buf.Len() == 0 {
		return []byte("{}")
	}
	o.buf.WriteByte('}')
	return o.buf.Bytes()
}

// keyRank orders the keys of maps written into records the way CloudTrail
// orders them; keys it does not list follow in alphabetical order.
var keyRank = map[string]int{
	"type": 1, "principalId": 2, "arn": 3, "accountId": 4, "accessKeyId": 5, "userName": 6,
	"invokedBy": 7, "sessionContext": 8, "sessionIssuer": 9, "webIdFederationData": 10,
	"attributes": 11, "creationDate": 12, "mfaAuthenticated": 13,
}

// writeJSON writes v without HTML escaping; maps are written with their keys
// in CloudTrail's order (see keyRank).
func writeJSON(buf *bytes.Buffer, v any) {
	switch v := v.(type) {
	case map[string]any:
		if v == nil {
			buf.WriteString("null")
			return
		}
		keys := make([]string, 0, len(v))
		for k := range v {
			keys = append(keys, k)
		}
		slices.SortFunc(keys, func(a, b string) int {
			ra, rb := keyRank[a], keyRank[b]
			if ra == 0 {
				ra = len(keyRank) + 1
			}
			if rb == 0 {
				rb = len(keyRank) + 1
			}
			if ra != rb {
				return ra - rb
			}
			return strings.Compare(a, b)
		})
		buf.WriteByte('{')
		for i, k := range keys {
			if i > 0 {
				buf.WriteByte(',')
			}
			writeJSON(buf, k)
			buf.WriteByte(':')
			writeJSON(buf, v[k])
		}
		buf.WriteByte('}')
	case []any:
		if v == nil {
			buf.WriteString("null")
			return
		}
		buf.WriteByte('[')
		for i, e := range v {
			if i > 0 {
				buf.WriteByte(',')
			}
			writeJSON(buf, e)
		}
		buf.WriteByte(']')
	default:
		enc := json.NewEncoder(buf)
		enc.SetEscapeHTML(false)
		if err := enc.Encode(v); err != nil {
			// A value that cannot be encoded is written as its description,
			// so a record is never lost over one odd field.
			enc.Encode(fmt.Sprintf("%v", v))
		}
		buf.Truncate(buf.Len() - 1) // Encode's newline
	}
}

// event is one record in the history with the fields LookupEvents needs.
type event struct {
	id, name, source, region, account string
	accessKey, username, readOnly     string
	category                          string
	time                              time.Time
	seq                               uint64 // order among events of the same second
	resources                         []lookupResource
	raw                               []byte
}

// lookupResource is a resource as LookupEvents reports it.
type lookupResource struct {
	Type string `json:"ResourceType,omitempty"`
	Name string `json:"ResourceName,omitempty"`
}

// indexRecord reads the fields LookupEvents needs from a raw record.
func indexRecord(raw []byte) (*event, error) {
	var r struct {
		EventID            string         `json:"eventID"`
		EventTime          string         `json:"eventTime"`
		EventName          string         `json:"eventName"`
		EventSource        string         `json:"eventSource"`
		AwsRegion          string         `json:"awsRegion"`
		RecipientAccountID string         `json:"recipientAccountId"`
		ReadOnly           *bool          `json:"readOnly"`
		EventCategory      string         `json:"eventCategory"`
		UserIdentity       map[string]any `json:"userIdentity"`
		Resources          []struct {
			ARN  string `json:"ARN"`
			Type string `json:"type"`
		} `json:"resources"`
		// Insights records name the API in insightDetails.
		InsightDetails struct {
			EventName   string `json:"eventName"`
			EventSource string `json:"eventSource"`
		} `json:"insightDetails"`
	}
	if err := json.Unmarshal(raw, &r); err != nil {
		return nil, fmt.Errorf("index record: %w", err)
	}
	t, err := time.Parse(time.RFC3339, r.EventTime)
	if err != nil {
		return nil, fmt.Errorf("index record %s: eventTime: %w", r.EventID, err)
	}
	if r.EventID == "" {
		return nil, fmt.Errorf("index record: no eventID")
	}
	ev := &event{
		id: r.EventID, name: r.EventName, source: r.EventSource, region: r.AwsRegion,
		account: r.RecipientAccountID, category: r.EventCategory, time: t.UTC(), raw: raw,
		username: usernameOf(r.UserIdentity),
	}
	if ev.category == "" {
		ev.category = "Management"
	}
	if ev.name == "" && ev.source == "" {
		ev.name, ev.source = r.InsightDetails.EventName, r.InsightDetails.EventSource
	}
	if k, ok := r.UserIdentity["accessKeyId"].(string); ok {
		ev.accessKey = k
	}
	if r.ReadOnly != nil {
		ev.readOnly = fmt.Sprint(*r.ReadOnly)
	}
	for _, res := range r.Resources {
		ev.resources = append(ev.resources, lookupResource{Type: res.Type, Name: resourceName(res.ARN)})
	}
	return ev, nil
}

// resourceName is the name LookupEvents shows for a resource ARN: what
// follows the last '/' or, failing that, the last ':'.
func resourceName(arn string) string {
	if i := strings.LastIndexByte(arn, '/'); i >= 0 {
		return arn[i+1:]
	}
	if i := strings.LastIndexByte(arn, ':'); i >= 0 {
		return arn[i+1:]
	}
	return arn
}

// tlsVersionName writes a TLS version as CloudTrail does ("TLSv1.3").
func tlsVersionName(v uint16) string {
	return strings.Replace(tls.VersionName(v), "TLS 1", "TLSv1", 1)
}

// tlsCipherName is the cipher suite's standard name.
func tlsCipherName(c uint16) string { return tls.CipherSuiteName(c) }
