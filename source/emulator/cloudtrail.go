package emulator

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode"
)

// The two X-Amz-Target prefixes of CloudTrail operations: the Go SDK sends
// the short one, the AWS CLI the long one.
const (
	ctTargetShort = "CloudTrail_20131101."
	ctTargetLong  = "com.amazonaws.cloudtrail.v20131101.CloudTrail_20131101."
	ctSource      = "cloudtrail.amazonaws.com"
	lookupWindow  = 90 * 24 * time.Hour
	maxTrailsPer  = 5 // trails per account and region
)

// apiError is a CloudTrail error answer.
type apiError struct {
	code, msg string
}

func (e *apiError) Error() string { return e.code + ": " + e.msg }

func errf(code, format string, args ...any) *apiError {
	return &apiError{code: code, msg: fmt.Sprintf(format, args...)}
}

// ctResult is what an operation produced: the response body and what the
// recorded event says about it.
type ctResult struct {
	out       any
	elements  any
	resources []Resource
}

type ctOperation struct {
	readOnly bool
	run      func(s *Server, req *Request) (ctResult, *apiError)
}

var ctOperations = map[string]ctOperation{
	"LookupEvents":   {true, (*Server).lookupEvents},
	"DescribeTrails": {true, (*Server).describeTrails},
	"ListTrails":     {true, (*Server).listTrails},
	"GetTrailStatus": {true, (*Server).getTrailStatus},
	"ListPublicKeys": {true, (*Server).listPublicKeys},
	"CreateTrail":    {false, (*Server).createTrail},
	"DeleteTrail":    {false, (*Server).deleteTrail},
	"StartLogging":   {false, (*Server).startLogging},
	"StopLogging":    {false, (*Server).stopLogging},
}

// serveCloudTrail answers one CloudTrail JSON 1.1 call and records it.
func (s *Server) serveCloudTrail(w http.ResponseWriter, req *Request) {
	r := req.HTTP
	target := r.Header.Get("X-Amz-Target")
	name, ok := strings.CutPrefix(target, ctTargetLong)
	if !ok {
		name, ok = strings.CutPrefix(target, ctTargetShort)
	}
	op, known := ctOperations[name]
	if !ok || !known {
		writeJSONError(w, http.StatusBadRequest, "UnknownOperationException", fmt.Sprintf("Unknown operation %q", target))
		return
	}
	if r.Method != http.MethodPost {
		writeJSONError(w, http.StatusBadRequest, "UnknownOperationException", "CloudTrail operations are called with POST")
		return
	}
	if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/x-amz-json-1.1") {
		writeJSONError(w, http.StatusBadRequest, "SerializationException",
			fmt.Sprintf("Content-Type %q is not application/x-amz-json-1.1", ct))
		return
	}
	if len(bytes.TrimSpace(req.Body)) == 0 {
		req.Body = []byte("{}")
	}
	call := Call{Request: req, EventSource: ctSource, EventName: name, ReadOnly: op.readOnly}
	var params any
	if err := json.Unmarshal(req.Body, &params); err != nil {
		s.finishCloudTrail(w, call, ctResult{}, errf("SerializationException", "The request body is not valid JSON: %v", err))
		return
	}
	if _, isObject := params.(map[string]any); !isObject {
		s.finishCloudTrail(w, call, ctResult{}, errf("SerializationException", "The request body is not a JSON object"))
		return
	}
	call.RequestParameters = lowerKeys(params)
	if action := "cloudtrail:" + name; req.Caller.denies(action) {
		resource := "arn:aws:cloudtrail:" + req.Region + ":" + req.Caller.AccountID + ":trail/*"
		s.finishCloudTrail(w, call, ctResult{}, &apiError{code: "AccessDeniedException", msg: req.Caller.deniedMessage(action, resource)})
		return
	}
	res, apiErr := op.run(s, req)
	s.finishCloudTrail(w, call, res, apiErr)
}

// finishCloudTrail writes the answer and records the call.
func (s *Server) finishCloudTrail(w http.ResponseWriter, call Call, res ctResult, apiErr *apiError) {
	if apiErr != nil {
		call.ErrorCode, call.ErrorMessage = apiErr.code, apiErr.msg
		writeJSONError(w, http.StatusBadRequest, apiErr.code, apiErr.msg)
	} else {
		call.ResponseElements = res.elements
		call.Resources = res.resources
		writeJSON11(w, res.out)
	}
	s.Record(call)
}

func writeJSON11(w http.ResponseWriter, v any) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		writeJSONError(w, http.StatusInternalServerError, "InternalFailure", err.Error())
		return
	}
	w.Header().Set("Content-Type", "application/x-amz-json-1.1")
	w.Header().Set("Content-Length", strconv.Itoa(buf.Len()))
	w.Write(buf.Bytes())
}

// writeJSONError writes a JSON 1.1 error: {"__type": code, "Message": msg}.
func writeJSONError(w http.ResponseWriter, status int, code, msg string) {
	b, _ := json.Marshal(map[string]string{"__type": code, "Message": msg})
	w.Header().Set("Content-Type", "application/x-amz-json-1.1")
	w.Header().Set("X-Amzn-ErrorType", code)
	w.WriteHeader(status)
	w.Write(b)
}

// lowerKeys turns a request body into requestParameters: keys start with a
// lower-case letter, as CloudTrail writes them.
func lowerKeys(v any) any {
	switch v := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(v))
		for k, e := range v {
			if k != "" {
				r := []rune(k)
				r[0] = unicode.ToLower(r[0])
				k = string(r)
			}
			out[k] = lowerKeys(e)
		}
		return out
	case []any:
		out := make([]any, len(v))
		for i, e := range v {
			out[i] = lowerKeys(e)
		}
		return out
	default:
		return v
	}
}

// decode reads the request body into in, as a SerializationException when
// the types do not fit.
func decode(req *Request, in any) *apiError {
	if err := json.Unmarshal(req.Body, in); err != nil {
		return errf("SerializationException", "Cannot deserialize the request: %v", err)
	}
	return nil
}

// epoch is a timestamp sent as epoch seconds (a JSON number).
type epoch struct{ time.Time }

func (e *epoch) UnmarshalJSON(b []byte) error {
	f, err := strconv.ParseFloat(string(b), 64)
	if err != nil || math.IsNaN(f) || math.IsInf(f, 0) || math.Abs(f) > 1e11 {
		return fmt.Errorf("timestamp %s is not epoch seconds", b)
	}
	sec, frac := math.Modf(f)
	e.Time = time.Unix(int64(sec), int64(frac*1e9)).UTC()
	return nil
}

func epochSeconds(t time.Time) float64 { return float64(t.UnixMilli()) / 1000 }

// The lookup attributes LookupEvents accepts.
var lookupKeys = map[string]bool{
	"EventId": true, "EventName": true, "ReadOnly": true, "Username": true, "ResourceType": true,
	"ResourceName": true, "EventSource": true, "AccessKeyId": true,
}

type lookupEventsInput struct {
	LookupAttributes []struct {
		AttributeKey   *string
		AttributeValue *string
	}
	StartTime     *epoch
	EndTime       *epoch
	EventCategory *string
	MaxResults    *int
	NextToken     *string
}

type lookupEvent struct {
	EventID         string           `json:"EventId"`
	EventName       string           `json:"EventName,omitempty"`
	ReadOnly        string           `json:"ReadOnly,omitempty"`
	AccessKeyID     string           `json:"AccessKeyId,omitempty"`
	EventTime       float64          `json:"EventTime"`
	EventSource     string           `json:"EventSource,omitempty"`
	Username        string           `json:"Username,omitempty"`
	Resources       []lookupResource `json:"Resources"`
	CloudTrailEvent string           `json:"CloudTrailEvent"`
}

type lookupEventsOutput struct {
	Events    []lookupEvent `json:"Events"`
	NextToken string        `json:"NextToken,omitempty"`
}

func (s *Server) lookupEvents(req *Request) (ctResult, *apiError) {
	var in lookupEventsInput
	if err := decode(req, &in); err != nil {
		return ctResult{}, err
	}
	if !s.limiter.allow(req.Caller.AccountID+"/"+req.Region, s.cfg.Now()) {
		return ctResult{}, errf("ThrottlingException", "Rate exceeded")
	}
	q := lookupQuery{account: req.Caller.AccountID, region: req.Region, limit: 50}
	if len(in.LookupAttributes) > 1 {
		return ctResult{}, errf("InvalidLookupAttributesException", "You cannot specify more than one lookup attribute.")
	}
	if len(in.LookupAttributes) == 1 {
		a := in.LookupAttributes[0]
		if a.AttributeKey == nil || !lookupKeys[*a.AttributeKey] {
			return ctResult{}, errf("InvalidLookupAttributesException", "The attribute key is not valid; valid keys are EventId, EventName, ReadOnly, Username, ResourceType, ResourceName, EventSource and AccessKeyId.")
		}
		if a.AttributeValue == nil || len(*a.AttributeValue) < 1 || len(*a.AttributeValue) > 2000 {
			return ctResult{}, errf("InvalidLookupAttributesException", "The attribute value must be 1 to 2000 characters long.")
		}
		q.key, q.value = *a.AttributeKey, *a.AttributeValue
	}
	if in.EventCategory != nil {
		if *in.EventCategory != "insight" {
			return ctResult{}, errf("InvalidEventCategoryException", "Event category %q is not valid; the only valid category is insight.", *in.EventCategory)
		}
		if q.key != "" && q.key != "EventId" && q.key != "EventName" && q.key != "EventSource" {
			return ctResult{}, errf("InvalidLookupAttributesException", "With event category insight, only EventId, EventName and EventSource can be lookup attributes.")
		}
		q.insight = true
	}
	if in.MaxResults != nil {
		if *in.MaxResults < 1 || *in.MaxResults > 50 {
			return ctResult{}, errf("InvalidMaxResultsException", "MaxResults must be between 1 and 50.")
		}
		q.limit = *in.MaxResults
	}
	now := s.cfg.Now().UTC()
	q.end, q.start = now, now.Add(-lookupWindow)
	if in.EndTime != nil {
		q.end = in.EndTime.Time
	}
	if in.StartTime != nil {
		q.start = in.StartTime.Time
	}
	if q.start.After(q.end) {
		return ctResult{}, errf("InvalidTimeRangeException", "The start time must be earlier than or equal to the end time.")
	}
	if floor := now.Add(-lookupWindow); q.start.Before(floor) {
		q.start = floor
	}
	scope := tokenScope(req, &in)
	if in.NextToken != nil {
		pos, ok := parseNextToken(*in.NextToken, scope)
		if !ok {
			return ctResult{}, errf("InvalidNextTokenException", "The NextToken is not valid for these parameters.")
		}
		q.after = &pos
	}
	evs, more := s.history.lookup(q)
	out := lookupEventsOutput{Events: make([]lookupEvent, 0, len(evs))}
	for _, ev := range evs {
		res := ev.resources
		if res == nil {
			res = []lookupResource{}
		}
		out.Events = append(out.Events, lookupEvent{
			EventID: ev.id, EventName: ev.name, ReadOnly: ev.readOnly, AccessKeyID: ev.accessKey,
			EventTime: float64(ev.time.Unix()), EventSource: ev.source, Username: ev.username,
			Resources: res, CloudTrailEvent: string(ev.raw),
		})
	}
	if more != nil {
		out.NextToken = makeNextToken(*more, scope)
	}
	return ctResult{out: out}, nil
}

// tokenScope fingerprints the parameters a NextToken is bound to: the
// caller's account and region and every parameter but MaxResults.
func tokenScope(req *Request, in *lookupEventsInput) string {
	h := sha256.New()
	fmt.Fprintf(h, "%s\x00%s\x00", req.Caller.AccountID, req.Region)
	for _, a := range in.LookupAttributes {
		fmt.Fprintf(h, "%s\x00%s\x00", deref(a.AttributeKey), deref(a.AttributeValue))
	}
	for _, t := range []*epoch{in.StartTime, in.EndTime} {
		if t != nil {
			fmt.Fprintf(h, "%d", t.UnixNano())
		}
		h.Write([]byte{0})
	}
	fmt.Fprintf(h, "%s", deref(in.EventCategory))
	return hex.EncodeToString(h.Sum(nil)[:12])
}

func deref(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}

func makeNextToken(p position, scope string) string {
	return base64.RawURLEncoding.EncodeToString(fmt.Appendf(nil, "%s.%d.%d", scope, p.time.Unix(), p.seq))
}

func parseNextToken(tok, scope string) (position, bool) {
	b, err := base64.RawURLEncoding.DecodeString(tok)
	if err != nil {
		return position{}, false
	}
	parts := strings.Split(string(b), ".")
	if len(parts) != 3 || parts[0] != scope {
		return position{}, false
	}
	sec, err1 := strconv.ParseInt(parts[1], 10, 64)
	seq, err2 := strconv.ParseUint(parts[2], 10, 64)
	if err1 != nil || err2 != nil {
		return position{}, false
	}
	return position{time: time.Unix(sec, 0).UTC(), seq: seq}, true
}

// trailNamePattern is CloudTrail's trail name rule: 3-128 letters, digits,
// periods, underscores and dashes, starting and ending with a letter or
// digit, with no two of . _ - next to each other.
var (
	trailNamePattern = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{1,126}[A-Za-z0-9]$`)
	adjacentPunct    = regexp.MustCompile(`[._-]{2}`)
	ipAddress        = regexp.MustCompile(`^\d+\.\d+\.\d+\.\d+$`)
	bucketPattern    = regexp.MustCompile(`^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$`)
)

func validTrailName(name string) bool {
	return trailNamePattern.MatchString(name) && !adjacentPunct.MatchString(name) && !ipAddress.MatchString(name)
}

func invalidName(name string) *apiError {
	return errf("InvalidTrailNameException", "Trail name %q is not valid: it must be 3 to 128 letters, digits, periods, underscores or dashes, start and end with a letter or digit, have no adjacent periods, underscores or dashes, and not look like an IP address.", name)
}

type createTrailInput struct {
	Name                       *string
	S3BucketName               *string
	S3KeyPrefix                *string
	SnsTopicName               *string
	IncludeGlobalServiceEvents *bool
	IsMultiRegionTrail         *bool
	EnableLogFileValidation    *bool
	IsOrganizationTrail        *bool
	KmsKeyID                   *string `json:"KmsKeyId"`
}

// trailView is a trail as CreateTrail and DescribeTrails describe it.
type trailView struct {
	Name                       string
	S3BucketName               string
	S3KeyPrefix                string `json:",omitempty"`
	SnsTopicName               string `json:",omitempty"`
	IncludeGlobalServiceEvents bool
	IsMultiRegionTrail         bool
	HomeRegion                 string `json:",omitempty"`
	TrailARN                   string
	LogFileValidationEnabled   bool
	KmsKeyID                   string `json:"KmsKeyId,omitempty"`
	HasCustomEventSelectors    *bool  `json:",omitempty"`
	HasInsightSelectors        *bool  `json:",omitempty"`
	IsOrganizationTrail        bool
}

func (t *trail) view(describe bool) trailView {
	v := trailView{
		Name: t.Name, S3BucketName: t.Bucket, S3KeyPrefix: t.Prefix, SnsTopicName: t.SnsTopicName,
		IncludeGlobalServiceEvents: t.IncludeGlobal, IsMultiRegionTrail: t.MultiRegion, TrailARN: t.arn(),
		LogFileValidationEnabled: t.Validation, KmsKeyID: t.KmsKeyID, IsOrganizationTrail: t.Organization,
	}
	if describe {
		f := false
		v.HomeRegion, v.HasCustomEventSelectors, v.HasInsightSelectors = t.HomeRegion, &f, &f
	}
	return v
}

// elements is how a trail appears in a recorded event's responseElements.
func (t *trail) elements() map[string]any {
	m := map[string]any{
		"name": t.Name, "s3BucketName": t.Bucket, "includeGlobalServiceEvents": t.IncludeGlobal,
		"isMultiRegionTrail": t.MultiRegion, "trailARN": t.arn(), "logFileValidationEnabled": t.Validation,
		"isOrganizationTrail": t.Organization,
	}
	if t.Prefix != "" {
		m["s3KeyPrefix"] = t.Prefix
	}
	return m
}

func (t *trail) resources() []Resource {
	return []Resource{{ARN: t.arn(), AccountID: t.Account, Type: "AWS::CloudTrail::Trail"}}
}

func (s *Server) createTrail(req *Request) (ctResult, *apiError) {
	var in createTrailInput
	if err := decode(req, &in); err != nil {
		return ctResult{}, err
	}
	name, bucket, prefix := deref(in.Name), deref(in.S3BucketName), deref(in.S3KeyPrefix)
	if !validTrailName(name) {
		return ctResult{}, invalidName(name)
	}
	if !bucketPattern.MatchString(bucket) {
		return ctResult{}, errf("InvalidS3BucketNameException", "Bucket name %q is not valid.", bucket)
	}
	if len(prefix) > 200 {
		return ctResult{}, errf("InvalidS3PrefixException", "The S3 key prefix must be at most 200 characters.")
	}
	t := &trail{
		Name: name, HomeRegion: req.Region, Account: req.Caller.AccountID, Bucket: bucket, Prefix: prefix,
		SnsTopicName: deref(in.SnsTopicName), IncludeGlobal: in.IncludeGlobalServiceEvents == nil || *in.IncludeGlobalServiceEvents,
		MultiRegion: in.IsMultiRegionTrail != nil && *in.IsMultiRegionTrail, Validation: in.EnableLogFileValidation != nil && *in.EnableLogFileValidation,
		Organization: in.IsOrganizationTrail != nil && *in.IsOrganizationTrail, KmsKeyID: deref(in.KmsKeyID),
		Created: req.Received,
	}
	if t.MultiRegion && !t.IncludeGlobal {
		return ctResult{}, errf("InvalidParameterCombinationException", "A multi-region trail must include global service events.")
	}
	if t.Organization {
		t.OrganizationID = s.cfg.OrganizationID
	}
	// Ask the store before taking s.mu: the S3 service may record.
	bucketExists := s.store != nil && s.store.BucketExists(bucket)
	s.mu.Lock()
	defer s.mu.Unlock()
	count := 0
	for _, o := range s.trails {
		if o.Account == t.Account && o.HomeRegion == t.HomeRegion {
			if o.Name == name {
				return ctResult{}, errf("TrailAlreadyExistsException", "Trail %s already exists for customer: %s", name, t.Account)
			}
			count++
		}
	}
	if count >= maxTrailsPer {
		return ctResult{}, errf("MaximumNumberOfTrailsExceededException", "User: %s already has %d trails in %s.", t.Account, count, t.HomeRegion)
	}
	if !bucketExists {
		return ctResult{}, errf("S3BucketDoesNotExistException", "S3 bucket %s does not exist.", bucket)
	}
	s.trails = append(s.trails, t)
	s.saveTrailsLocked()
	return ctResult{out: t.view(false), elements: t.elements(), resources: t.resources()}, nil
}

// nameInput is the input of the operations that name one trail.
type nameInput struct {
	Name *string
}

// findTrailLocked resolves a trail name (in the caller's region) or ARN (in
// any region of the caller's account).
func (s *Server) findTrailLocked(req *Request) (*trail, *apiError) {
	var in nameInput
	if err := decode(req, &in); err != nil {
		return nil, err
	}
	name := deref(in.Name)
	if name == "" {
		return nil, errf("InvalidTrailNameException", "Trail name or ARN can only contain uppercase letters, lowercase letters, numbers, periods (.), hyphens (-), and underscores (_).")
	}
	isARN := strings.HasPrefix(name, "arn:")
	if !isARN && !validTrailName(name) {
		return nil, invalidName(name)
	}
	for _, t := range s.trails {
		if t.Account != req.Caller.AccountID {
			continue
		}
		if isARN && t.arn() == name || !isARN && t.Name == name && t.HomeRegion == req.Region {
			return t, nil
		}
	}
	return nil, errf("TrailNotFoundException", "Unknown trail: %s for the user: %s", name, req.Caller.AccountID)
}

// homeTrailLocked is findTrailLocked for operations that must run in the
// trail's home region.
func (s *Server) homeTrailLocked(req *Request) (*trail, *apiError) {
	t, err := s.findTrailLocked(req)
	if err != nil {
		return nil, err
	}
	if t.HomeRegion != req.Region {
		return nil, errf("InvalidHomeRegionException", "This operation must be called from the trail's home region, %s.", t.HomeRegion)
	}
	return t, nil
}

func (s *Server) deleteTrail(req *Request) (ctResult, *apiError) {
	s.mu.Lock()
	defer s.mu.Unlock()
	t, err := s.homeTrailLocked(req)
	if err != nil {
		return ctResult{}, err
	}
	for i, o := range s.trails {
		if o == t {
			s.trails = append(s.trails[:i], s.trails[i+1:]...)
			break
		}
	}
	s.saveTrailsLocked()
	return ctResult{out: struct{}{}, resources: t.resources()}, nil
}

func (s *Server) startLogging(req *Request) (ctResult, *apiError) {
	s.mu.Lock()
	defer s.mu.Unlock()
	t, err := s.homeTrailLocked(req)
	if err != nil {
		return ctResult{}, err
	}
	if !t.Logging {
		t.Logging = true
		t.StartLogging = req.Received
		if t.DigestStart.IsZero() {
			t.DigestStart = req.Received
		}
	}
	s.saveTrailsLocked()
	return ctResult{out: struct{}{}, resources: t.resources()}, nil
}

func (s *Server) stopLogging(req *Request) (ctResult, *apiError) {
	s.mu.Lock()
	defer s.mu.Unlock()
	t, err := s.homeTrailLocked(req)
	if err != nil {
		return ctResult{}, err
	}
	if t.Logging {
		t.Logging = false
		t.StopLogging = req.Received
	}
	s.saveTrailsLocked()
	return ctResult{out: struct{}{}, resources: t.resources()}, nil
}

func (s *Server) describeTrails(req *Request) (ctResult, *apiError) {
	var in struct {
		TrailNameList       []string `json:"trailNameList"`
		IncludeShadowTrails *bool    `json:"includeShadowTrails"`
	}
	if err := decode(req, &in); err != nil {
		return ctResult{}, err
	}
	shadows := in.IncludeShadowTrails == nil || *in.IncludeShadowTrails
	s.mu.Lock()
	defer s.mu.Unlock()
	out := struct {
		TrailList []trailView `json:"trailList"`
	}{TrailList: []trailView{}}
	for _, t := range s.trails {
		if t.Account != req.Caller.AccountID {
			continue
		}
		home := t.HomeRegion == req.Region
		if !home && !(shadows && t.MultiRegion) {
			continue
		}
		if len(in.TrailNameList) > 0 && !namedIn(t, in.TrailNameList, home) {
			continue
		}
		out.TrailList = append(out.TrailList, t.view(true))
	}
	return ctResult{out: out}, nil
}

// namedIn reports whether names lists t by ARN, or by name when t lives in
// the caller's region.
func namedIn(t *trail, names []string, home bool) bool {
	for _, n := range names {
		if n == t.arn() || home && n == t.Name {
			return true
		}
	}
	return false
}

func (s *Server) listTrails(req *Request) (ctResult, *apiError) {
	type trailInfo struct {
		TrailARN, Name, HomeRegion string
	}
	out := struct {
		Trails []trailInfo
	}{Trails: []trailInfo{}}
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, t := range s.trails {
		if t.Account == req.Caller.AccountID {
			out.Trails = append(out.Trails, trailInfo{TrailARN: t.arn(), Name: t.Name, HomeRegion: t.HomeRegion})
		}
	}
	return ctResult{out: out}, nil
}

func (s *Server) getTrailStatus(req *Request) (ctResult, *apiError) {
	s.mu.Lock()
	defer s.mu.Unlock()
	t, err := s.findTrailLocked(req)
	if err != nil {
		return ctResult{}, err
	}
	out := map[string]any{"IsLogging": t.Logging}
	stamp := func(epochKey, textKey string, at time.Time) {
		if !at.IsZero() {
			if epochKey != "" {
				out[epochKey] = epochSeconds(at)
			}
			if textKey != "" {
				out[textKey] = at.UTC().Format(timeFormat)
			}
		}
	}
	stamp("StartLoggingTime", "TimeLoggingStarted", t.StartLogging)
	stamp("StopLoggingTime", "TimeLoggingStopped", t.StopLogging)
	stamp("LatestDeliveryTime", "", t.LatestDelivery)
	stamp("LatestDigestDeliveryTime", "", t.LatestDigest)
	stamp("", "LatestDeliveryAttemptTime", t.LatestDeliveryAttempt)
	if !t.LatestDelivery.IsZero() {
		out["LatestDeliveryAttemptSucceeded"] = t.LatestDelivery.UTC().Format(timeFormat)
	}
	if t.LatestDeliveryError != "" {
		out["LatestDeliveryError"] = t.LatestDeliveryError
	}
	if t.LatestDigestError != "" {
		out["LatestDigestDeliveryError"] = t.LatestDigestError
	}
	return ctResult{out: out}, nil
}

type publicKey struct {
	Value             []byte
	ValidityStartTime float64
	ValidityEndTime   float64
	Fingerprint       string
}

func (s *Server) listPublicKeys(req *Request) (ctResult, *apiError) {
	var in struct {
		StartTime *epoch
		EndTime   *epoch
		NextToken *string
	}
	if err := decode(req, &in); err != nil {
		return ctResult{}, err
	}
	if in.NextToken != nil {
		return ctResult{}, errf("InvalidTokenException", "The NextToken is not valid.")
	}
	now := s.cfg.Now().UTC()
	start, end := now, now
	if in.StartTime != nil {
		start = in.StartTime.Time
	}
	if in.EndTime != nil {
		end = in.EndTime.Time
	}
	if start.After(end) {
		return ctResult{}, errf("InvalidTimeRangeException", "The start time must be earlier than or equal to the end time.")
	}
	out := struct {
		PublicKeyList []publicKey
	}{PublicKeyList: []publicKey{}}
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, k := range s.signer.keys {
		if k.Start.After(end) || k.End.Before(start) {
			continue
		}
		// Value is a blob: the PKCS#1 DER key, base64 on the wire.
		out.PublicKeyList = append(out.PublicKeyList, publicKey{
			Value:             k.der,
			ValidityStartTime: epochSeconds(k.Start),
			ValidityEndTime:   epochSeconds(k.End),
			Fingerprint:       k.fingerprint,
		})
	}
	return ctResult{out: out}, nil
}
