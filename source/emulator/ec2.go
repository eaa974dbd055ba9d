package emulator

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"encoding/xml"
	"fmt"
	"hash/fnv"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

const (
	ec2Namespace   = "http://ec2.amazonaws.com/doc/2016-11-15/"
	ec2EventSource = "ec2.amazonaws.com"
	// ec2MaxPerCall is the most instances one RunInstances call may launch.
	ec2MaxPerCall = 20
	// ec2MaxLive is the most instances not yet terminated per account and region.
	ec2MaxLive = 100
	// ec2MaxKept is how many instances (terminated ones included) are kept per
	// account and region; the oldest terminated ones are forgotten beyond it.
	ec2MaxKept = 1000
	// ec2MaxIDs bounds the instance ids and filters one call may name.
	ec2MaxIDs = 1000
)

// ec2Regions are the regions DescribeRegions lists.
var ec2Regions = []string{
	"af-south-1", "ap-east-1", "ap-northeast-1", "ap-northeast-2", "ap-northeast-3", "ap-south-1",
	"ap-southeast-1", "ap-southeast-2", "ca-central-1", "eu-central-1", "eu-north-1", "eu-south-1",
	"eu-west-1", "eu-west-2", "eu-west-3", "me-south-1", "sa-east-1", "us-east-1", "us-east-2",
	"us-west-1", "us-west-2",
}

// ec2State is an instance state as EC2 reports it.
type ec2State struct {
	Code int    `xml:"code" json:"code"`
	Name string `xml:"name" json:"name"`
}

// The instance states and their codes.
var (
	statePending      = ec2State{0, "pending"}
	stateRunning      = ec2State{16, "running"}
	stateShuttingDown = ec2State{32, "shutting-down"}
	stateTerminated   = ec2State{48, "terminated"}
	stateStopping     = ec2State{64, "stopping"}
	stateStopped      = ec2State{80, "stopped"}
)

// settled is the state a transitional state reaches.
func (st ec2State) settled() ec2State {
	switch st {
	case statePending:
		return stateRunning
	case stateStopping:
		return stateStopped
	case stateShuttingDown:
		return stateTerminated
	}
	return st
}

// itemSet is EC2's list wrapper: <x><item>..</item></x> in XML and
// {"items":[..]} in CloudTrail records.
type itemSet[T any] struct {
	Items []T `xml:"item" json:"items,omitempty"`
}

// ec2Time is written as ISO 8601 in XML and as epoch milliseconds in
// CloudTrail records, as AWS does.
type ec2Time time.Time

// MarshalText implements encoding.TextMarshaler (used by encoding/xml).
func (t ec2Time) MarshalText() ([]byte, error) {
	return []byte(time.Time(t).UTC().Format("2006-01-02T15:04:05.000Z")), nil
}

// MarshalJSON implements json.Marshaler.
func (t ec2Time) MarshalJSON() ([]byte, error) {
	return strconv.AppendInt(nil, time.Time(t).UnixMilli(), 10), nil
}

type ec2Tag struct {
	Key   string `xml:"key" json:"key"`
	Value string `xml:"value" json:"value"`
}

type ec2Placement struct {
	AvailabilityZone string `xml:"availabilityZone" json:"availabilityZone"`
	Tenancy          string `xml:"tenancy" json:"tenancy"`
}

type ec2Monitoring struct {
	State string `xml:"state" json:"state"`
}

type ec2StateReason struct {
	Code    string `xml:"code" json:"code"`
	Message string `xml:"message" json:"message"`
}

type ec2Group struct {
	GroupID   string `xml:"groupId" json:"groupId"`
	GroupName string `xml:"groupName" json:"groupName"`
}

// ec2Instance is one instance, in the shape both the XML API and CloudTrail
// records use.
type ec2Instance struct {
	InstanceID            string            `xml:"instanceId" json:"instanceId"`
	ImageID               string            `xml:"imageId" json:"imageId"`
	State                 ec2State          `xml:"instanceState" json:"instanceState"`
	PrivateDNSName        string            `xml:"privateDnsName" json:"privateDnsName"`
	DNSName               string            `xml:"dnsName" json:"dnsName,omitempty"`
	StateTransitionReason string            `xml:"reason" json:"stateTransitionReason,omitempty"`
	KeyName               string            `xml:"keyName,omitempty" json:"keyName,omitempty"`
	AmiLaunchIndex        int               `xml:"amiLaunchIndex" json:"amiLaunchIndex"`
	ProductCodes          itemSet[struct{}] `xml:"productCodes" json:"productCodes"`
	InstanceType          string            `xml:"instanceType" json:"instanceType"`
	LaunchTime            ec2Time           `xml:"launchTime" json:"launchTime"`
	Placement             ec2Placement      `xml:"placement" json:"placement"`
	Monitoring            ec2Monitoring     `xml:"monitoring" json:"monitoring"`
	SubnetID              string            `xml:"subnetId" json:"subnetId"`
	VpcID                 string            `xml:"vpcId" json:"vpcId"`
	PrivateIPAddress      string            `xml:"privateIpAddress" json:"privateIpAddress"`
	StateReason           *ec2StateReason   `xml:"stateReason,omitempty" json:"stateReason,omitempty"`
	Architecture          string            `xml:"architecture" json:"architecture"`
	RootDeviceType        string            `xml:"rootDeviceType" json:"rootDeviceType"`
	RootDeviceName        string            `xml:"rootDeviceName" json:"rootDeviceName"`
	VirtualizationType    string            `xml:"virtualizationType" json:"virtualizationType"`
	ClientToken           string            `xml:"clientToken,omitempty" json:"clientToken,omitempty"`
	TagSet                itemSet[ec2Tag]   `xml:"tagSet" json:"tagSet"`
	Hypervisor            string            `xml:"hypervisor" json:"hypervisor"`
	GroupSet              itemSet[ec2Group] `xml:"groupSet" json:"groupSet"`
	SourceDestCheck       bool              `xml:"sourceDestCheck" json:"sourceDestCheck"`
	EbsOptimized          bool              `xml:"ebsOptimized" json:"ebsOptimized"`

	reservationID string
	ownerID       string
}

// ec2Reservation groups the instances one RunInstances call launched.
type ec2Reservation struct {
	ReservationID string               `xml:"reservationId" json:"reservationId"`
	OwnerID       string               `xml:"ownerId" json:"ownerId"`
	GroupSet      itemSet[ec2Group]    `xml:"groupSet" json:"groupSet"`
	InstancesSet  itemSet[ec2Instance] `xml:"instancesSet" json:"instancesSet"`
}

// ec2StateChange is one entry of a Start/Stop/TerminateInstances answer.
type ec2StateChange struct {
	InstanceID    string   `xml:"instanceId" json:"instanceId"`
	CurrentState  ec2State `xml:"currentState" json:"currentState"`
	PreviousState ec2State `xml:"previousState" json:"previousState"`
}

type ec2Region struct {
	RegionName     string `xml:"regionName" json:"regionName"`
	RegionEndpoint string `xml:"regionEndpoint" json:"regionEndpoint"`
	OptInStatus    string `xml:"optInStatus" json:"optInStatus"`
}

// ec2Error is an EC2 API error: its code (without CloudTrail's "Client."
// prefix) and message.
type ec2Error struct {
	Code    string
	Message string
}

func (e *ec2Error) Error() string { return e.Code + ": " + e.Message }

func ec2Errorf(code, format string, args ...any) *ec2Error {
	return &ec2Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// ec2Scope keys the instances of one account in one region.
type ec2Scope struct{ account, region string }

// ec2Service answers the EC2 Query protocol with instances kept in memory,
// per account and region. Transitional states (pending, stopping,
// shutting-down) settle at the next call made in the same scope, so a
// DescribeInstances after RunInstances sees the instance running.
type ec2Service struct {
	record func(Call)

	mu        sync.Mutex
	instances map[ec2Scope][]*ec2Instance // in launch order
	nextIP    map[ec2Scope]int
}

// newEC2Service returns the EC2 service of s, recording through s.Record.
func newEC2Service(s *Server) *ec2Service { return newEC2(s.Record) }

// serveEC2 answers one EC2 Query request.
func (s *Server) serveEC2(w http.ResponseWriter, req *Request) {
	s.services.ec2.serve(w, req)
}

func newEC2(record func(Call)) *ec2Service {
	return &ec2Service{
		record:    record,
		instances: make(map[ec2Scope][]*ec2Instance),
		nextIP:    make(map[ec2Scope]int),
	}
}

// ec2Result is what one action produces: the XML answer, and what the
// recorder writes.
type ec2Result struct {
	body     any // the XML response document
	params   any
	response any
	res      []Resource
}

type ec2Handler func(e *ec2Service, req *Request, scope ec2Scope, form url.Values) (ec2Result, *ec2Error)

var ec2Actions = map[string]ec2Handler{
	"RunInstances":       (*ec2Service).runInstances,
	"DescribeInstances":  (*ec2Service).describeInstances,
	"StartInstances":     (*ec2Service).startInstances,
	"StopInstances":      (*ec2Service).stopInstances,
	"TerminateInstances": (*ec2Service).terminateInstances,
	"DescribeRegions":    (*ec2Service).describeRegions,
}

// ec2ReadOnly tells the recorder which actions only read.
var ec2ReadOnly = map[string]bool{"DescribeInstances": true, "DescribeRegions": true}

func (e *ec2Service) serve(w http.ResponseWriter, req *Request) {
	form, err := ec2Form(req)
	if err != nil {
		writeEC2Error(w, req.RequestID, ec2Errorf("MalformedQueryString", "%v", err))
		return
	}
	action := form.Get("Action")
	if action == "" {
		writeEC2Error(w, req.RequestID, ec2Errorf("MissingAction", "The request must contain the parameter Action."))
		return
	}
	handle, ok := ec2Actions[action]
	if !ok {
		// Not an EC2 API: nothing CloudTrail would record.
		writeEC2Error(w, req.RequestID, ec2Errorf("InvalidAction", "The action %s is not valid for this web service.", ec2Clip(action, 64)))
		return
	}
	scope := ec2Scope{account: req.Caller.AccountID, region: req.Region}
	var res ec2Result
	var apiErr *ec2Error
	if action := "ec2:" + action; req.Caller.denies(action) {
		resource := "arn:aws:ec2:" + req.Region + ":" + req.Caller.AccountID + ":instance/*"
		apiErr = ec2Errorf("UnauthorizedOperation", "You are not authorized to perform this operation. %s",
			req.Caller.deniedMessage(action, resource))
	} else if form.Get("DryRun") == "true" {
		// Every caller may do everything here: a dry run always would succeed.
		apiErr = ec2Errorf("DryRunOperation", "Request would have succeeded, but DryRun flag is set.")
	} else {
		e.mu.Lock()
		e.settle(scope)
		res, apiErr = handle(e, req, scope, form)
		e.mu.Unlock()
	}

	call := Call{
		Request:           req,
		EventSource:       ec2EventSource,
		EventName:         action,
		ReadOnly:          ec2ReadOnly[action],
		RequestParameters: res.params,
		ResponseElements:  res.response,
		Resources:         res.res,
	}
	if apiErr != nil {
		call.ErrorCode = "Client." + apiErr.Code
		call.ErrorMessage = apiErr.Message
		call.ResponseElements = nil
		writeEC2Error(w, req.RequestID, apiErr)
	} else {
		writeEC2(w, res.body)
	}
	e.record(call)
}

// ec2Form returns the request's parameters: the form-encoded body merged
// with the URL query.
func ec2Form(req *Request) (url.Values, error) {
	form, err := url.ParseQuery(string(req.Body))
	if err != nil {
		return nil, fmt.Errorf("parse body: %w", err)
	}
	if req.HTTP != nil && req.HTTP.URL != nil {
		query, err := url.ParseQuery(req.HTTP.URL.RawQuery)
		if err != nil {
			return nil, fmt.Errorf("parse query: %w", err)
		}
		for k, v := range query {
			form[k] = append(form[k], v...)
		}
	}
	return form, nil
}

func writeEC2(w http.ResponseWriter, body any) {
	out, err := xml.Marshal(body)
	if err != nil {
		writeEC2Error(w, "", ec2Errorf("InternalError", "encode response: %v", err))
		return
	}
	w.Header().Set("Content-Type", "text/xml;charset=UTF-8")
	w.WriteHeader(http.StatusOK)
	w.Write([]byte(xml.Header))
	w.Write(out)
}

func writeEC2Error(w http.ResponseWriter, requestID string, e *ec2Error) {
	type xmlError struct {
		Code    string `xml:"Code"`
		Message string `xml:"Message"`
	}
	doc := struct {
		XMLName   xml.Name   `xml:"Response"`
		Errors    []xmlError `xml:"Errors>Error"`
		RequestID string     `xml:"RequestID"`
	}{Errors: []xmlError{{e.Code, e.Message}}, RequestID: requestID}
	out, _ := xml.Marshal(doc) // strings only: cannot fail
	status := http.StatusBadRequest
	switch e.Code {
	case "InternalError":
		status = http.StatusInternalServerError
	case "DryRunOperation":
		status = http.StatusPreconditionFailed
	case "UnauthorizedOperation":
		status = http.StatusForbidden
	}
	w.Header().Set("Content-Type", "text/xml;charset=UTF-8")
	w.WriteHeader(status)
	w.Write([]byte(xml.Header))
	w.Write(out)
}

// settle moves every transitional instance of scope to the state it reaches.
func (e *ec2Service) settle(scope ec2Scope) {
	for _, inst := range e.instances[scope] {
		next := inst.State.settled()
		if next == inst.State {
			continue
		}
		inst.State = next
		switch next {
		case stateRunning:
			inst.StateReason = nil
			inst.StateTransitionReason = ""
		case stateStopped:
			inst.StateReason = &ec2StateReason{"Client.UserInitiatedShutdown", "Client.UserInitiatedShutdown: User initiated shutdown"}
		case stateTerminated:
			inst.StateReason = &ec2StateReason{"Client.UserInitiatedShutdown", "Client.UserInitiatedShutdown: User initiated shutdown"}
			inst.PrivateDNSName = ""
			inst.PrivateIPAddress = ""
		}
	}
}

// ec2Indexed returns the values of prefix.1, prefix.2, ... in order.
func ec2Indexed(form url.Values, prefix string) []string {
	var out []string
	for i := 1; i <= ec2MaxIDs; i++ {
		v, ok := form[prefix+"."+strconv.Itoa(i)]
		if !ok {
			break
		}
		out = append(out, v[0])
	}
	return out
}

func ec2Int(form url.Values, name string, required bool) (int, *ec2Error) {
	v := form.Get(name)
	if v == "" {
		if required {
			return 0, ec2Errorf("MissingParameter", "The request must contain the parameter %s", name)
		}
		return 0, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil {
		return 0, ec2Errorf("InvalidParameterValue", "Value (%s) for parameter %s is invalid. Expected an integer.", ec2Clip(v, 64), name)
	}
	return n, nil
}

func (e *ec2Service) runInstances(req *Request, scope ec2Scope, form url.Values) (ec2Result, *ec2Error) {
	imageID := form.Get("ImageId")
	instanceType := form.Get("InstanceType")
	if instanceType == "" {
		instanceType = "m1.small"
	}
	keyName := form.Get("KeyName")
	clientToken := form.Get("ClientToken")
	zone := form.Get("Placement.AvailabilityZone")
	tags := ec2TagSpecs(form)

	params := map[string]any{
		"instanceType":          instanceType,
		"blockDeviceMapping":    map[string]any{},
		"monitoring":            map[string]any{"enabled": form.Get("Monitoring.Enabled") == "true"},
		"disableApiTermination": form.Get("DisableApiTermination") == "true",
		"disableApiStop":        form.Get("DisableApiStop") == "true",
	}
	minCount, err := ec2Int(form, "MinCount", true)
	maxCount, err2 := ec2Int(form, "MaxCount", true)
	item := map[string]any{"imageId": imageID, "minCount": minCount, "maxCount": maxCount}
	if keyName != "" {
		item["keyName"] = keyName
	}
	params["instancesSet"] = itemSet[map[string]any]{Items: []map[string]any{item}}
	if clientToken != "" {
		params["clientToken"] = clientToken
	}
	if zone != "" {
		params["availabilityZone"] = zone
	}
	if len(tags) > 0 {
		params["tagSpecificationSet"] = map[string]any{"items": []map[string]any{{"resourceType": "instance", "tags": tags}}}
	}
	result := ec2Result{params: params}

	switch {
	case err != nil:
		return result, err
	case err2 != nil:
		return result, err2
	case imageID == "":
		return result, ec2Errorf("MissingParameter", "The request must contain the parameter ImageId")
	case !ec2ValidID(imageID, "ami-"):
		return result, ec2Errorf("InvalidAMIID.Malformed", "Invalid id: \"%s\" (expecting \"ami-...\")", ec2Clip(imageID, 64))
	case minCount < 1 || maxCount < 1:
		return result, ec2Errorf("InvalidParameterValue", "Value for parameter MinCount and MaxCount must be greater than zero.")
	case minCount > maxCount:
		return result, ec2Errorf("InvalidParameterValue", "Value (%d) for parameter MinCount is invalid. MinCount must be less than or equal to MaxCount.", minCount)
	case zone != "" && !strings.HasPrefix(zone, req.Region):
		return result, ec2Errorf("InvalidParameterValue", "Invalid availability zone: [%s]", ec2Clip(zone, 64))
	}
	count := min(maxCount, ec2MaxPerCall)
	live := 0
	for _, inst := range e.instances[scope] {
		if inst.State != stateTerminated {
			live++
		}
	}
	if room := ec2MaxLive - live; room < count {
		if room < minCount {
			return result, ec2Errorf("InstanceLimitExceeded", "You have requested more instances (%d) than your current instance limit of %d allows for the specified instance type.", minCount, ec2MaxLive)
		}
		count = room
	}
	if minCount > count {
		return result, ec2Errorf("InstanceLimitExceeded", "You have requested more instances (%d) than your current instance limit of %d allows for the specified instance type.", minCount, ec2MaxPerCall)
	}

	if zone == "" {
		zone = req.Region + "a"
	}
	vpc, subnet, group := ec2Network(scope)
	resv := ec2Reservation{ReservationID: ec2NewID("r-"), OwnerID: scope.account}
	now := req.Received
	if now.IsZero() {
		now = time.Now()
	}
	var ids []string
	for i := range count {
		e.nextIP[scope]++
		n := e.nextIP[scope]
		ip := fmt.Sprintf("172.31.%d.%d", (n/250)%250, n%250+4)
		inst := &ec2Instance{
			InstanceID:         ec2NewID("i-"),
			ImageID:            imageID,
			State:              statePending,
			PrivateDNSName:     fmt.Sprintf("ip-%s.%s.compute.internal", strings.ReplaceAll(ip, ".", "-"), req.Region),
			KeyName:            keyName,
			AmiLaunchIndex:     i,
			InstanceType:       instanceType,
			LaunchTime:         ec2Time(now.Truncate(time.Second)),
			Placement:          ec2Placement{AvailabilityZone: zone, Tenancy: "default"},
			Monitoring:         ec2Monitoring{State: "disabled"},
			SubnetID:           subnet,
			VpcID:              vpc,
			PrivateIPAddress:   ip,
			StateReason:        &ec2StateReason{"pending", "pending"},
			Architecture:       "x86_64",
			RootDeviceType:     "ebs",
			RootDeviceName:     "/dev/xvda",
			VirtualizationType: "hvm",
			ClientToken:        clientToken,
			TagSet:             itemSet[ec2Tag]{Items: ec2TagsOf(tags)},
			Hypervisor:         "xen",
			GroupSet:           itemSet[ec2Group]{Items: []ec2Group{group}},
			SourceDestCheck:    true,
			reservationID:      resv.ReservationID,
			ownerID:            scope.account,
		}
		resv.InstancesSet.Items = append(resv.InstancesSet.Items, *inst)
		e.instances[scope] = append(e.instances[scope], inst)
		ids = append(ids, inst.InstanceID)
	}
	e.forget(scope)

	result.body = struct {
		XMLName   xml.Name `xml:"RunInstancesResponse"`
		Namespace string   `xml:"xmlns,attr"`
		RequestID string   `xml:"requestId"`
		ec2Reservation
	}{Namespace: ec2Namespace, RequestID: req.RequestID, ec2Reservation: resv}
	result.response = struct {
		RequestID string `json:"requestId"`
		ec2Reservation
	}{req.RequestID, resv}
	result.res = ec2Resources(req, scope, ids)
	return result, nil
}

// forget drops the oldest terminated instances of scope beyond ec2MaxKept.
func (e *ec2Service) forget(scope ec2Scope) {
	list := e.instances[scope]
	for i := 0; len(list) > ec2MaxKept && i < len(list); {
		if list[i].State == stateTerminated {
			list = slices.Delete(list, i, i+1)
			continue
		}
		i++
	}
	e.instances[scope] = list
}

// ec2TagSpecs returns the instance tags of TagSpecification.N, in the
// shape CloudTrail records them.
func ec2TagSpecs(form url.Values) []map[string]any {
	var tags []map[string]any
	for i := 1; i <= ec2MaxIDs; i++ {
		prefix := "TagSpecification." + strconv.Itoa(i) + "."
		kind, ok := form[prefix+"ResourceType"]
		if !ok {
			break
		}
		if kind[0] != "instance" {
			continue
		}
		for j := 1; j <= ec2MaxIDs; j++ {
			tp := prefix + "Tag." + strconv.Itoa(j) + "."
			key, ok := form[tp+"Key"]
			if !ok {
				break
			}
			tags = append(tags, map[string]any{"key": key[0], "value": form.Get(tp + "Value")})
		}
	}
	return tags
}

func ec2TagsOf(spec []map[string]any) []ec2Tag {
	var tags []ec2Tag
	for _, t := range spec {
		tags = append(tags, ec2Tag{Key: t["key"].(string), Value: t["value"].(string)})
	}
	return tags
}

// ec2Network returns the default VPC, subnet and security group of scope,
// stable across restarts.
func ec2Network(scope ec2Scope) (vpc, subnet string, group ec2Group) {
	h := fnv.New64a()
	h.Write([]byte(scope.account + "/" + scope.region))
	sum := fmt.Sprintf("%016x", h.Sum64())
	return "vpc-" + sum[:8], "subnet-" + sum[8:], ec2Group{GroupID: "sg-" + sum[4:12], GroupName: "default"}
}

// ec2NewID returns prefix followed by 17 random hex digits, as EC2 ids are.
func ec2NewID(prefix string) string {
	var b [9]byte
	rand.Read(b[:])
	return prefix + hex.EncodeToString(b[:])[:17]
}

// ec2ValidID reports whether id is prefix followed by 8 or 17 hex digits.
func ec2ValidID(id, prefix string) bool {
	rest, ok := strings.CutPrefix(id, prefix)
	if !ok || (len(rest) != 8 && len(rest) != 17) {
		return false
	}
	return strings.Trim(rest, "0123456789abcdef") == ""
}

func ec2Resources(req *Request, scope ec2Scope, ids []string) []Resource {
	res := make([]Resource, 0, len(ids))
	for _, id := range ids {
		res = append(res, Resource{
			ARN:       fmt.Sprintf("arn:aws:ec2:%s:%s:instance/%s", req.Region, scope.account, id),
			AccountID: scope.account,
			Type:      "AWS::EC2::Instance",
		})
	}
	return res
}

// ec2Filter is one Filter.N of a Describe call.
type ec2Filter struct {
	Name   string
	Values []string
}

func ec2Filters(form url.Values) []ec2Filter {
	var out []ec2Filter
	for i := 1; i <= ec2MaxIDs; i++ {
		prefix := "Filter." + strconv.Itoa(i) + "."
		name, ok := form[prefix+"Name"]
		if !ok {
			break
		}
		out = append(out, ec2Filter{Name: name[0], Values: ec2Indexed(form, prefix+"Value")})
	}
	return out
}

// ec2FilterValue returns the values an instance has for a filter name, and
// whether the name is supported.
func ec2FilterValue(inst *ec2Instance, name string) ([]string, bool) {
	switch name {
	case "instance-id":
		return []string{inst.InstanceID}, true
	case "instance-state-name":
		return []string{inst.State.Name}, true
	case "instance-state-code":
		return []string{strconv.Itoa(inst.State.Code)}, true
	case "instance-type":
		return []string{inst.InstanceType}, true
	case "image-id":
		return []string{inst.ImageID}, true
	case "availability-zone":
		return []string{inst.Placement.AvailabilityZone}, true
	case "reservation-id":
		return []string{inst.reservationID}, true
	case "key-name":
		return []string{inst.KeyName}, true
	case "vpc-id":
		return []string{inst.VpcID}, true
	case "subnet-id":
		return []string{inst.SubnetID}, true
	case "private-ip-address":
		return []string{inst.PrivateIPAddress}, true
	case "tag-key":
		var keys []string
		for _, t := range inst.TagSet.Items {
			keys = append(keys, t.Key)
		}
		return keys, true
	}
	if key, ok := strings.CutPrefix(name, "tag:"); ok {
		var vals []string
		for _, t := range inst.TagSet.Items {
			if t.Key == key {
				vals = append(vals, t.Value)
			}
		}
		return vals, true
	}
	return nil, false
}

// ec2Match reports whether inst passes every filter: any of a filter's
// values (with * and ? wildcards) must match one of the instance's values.
func ec2Match(inst *ec2Instance, fs []ec2Filter) bool {
	for _, f := range fs {
		have, _ := ec2FilterValue(inst, f.Name)
		if !slices.ContainsFunc(f.Values, func(pattern string) bool {
			return slices.ContainsFunc(have, func(v string) bool { return ec2Wildcard(pattern, v) })
		}) {
			return false
		}
	}
	return true
}

// ec2Wildcard matches s against pattern, where * matches any run of characters
// and ? any one character. It runs in O(len(pattern)*len(s)) at worst.
func ec2Wildcard(pattern, s string) bool {
	p, n := []rune(pattern), []rune(s)
	pi, si := 0, 0
	star, mark := -1, 0
	for si < len(n) {
		switch {
		case pi < len(p) && (p[pi] == '?' || p[pi] == n[si]):
			pi++
			si++
		case pi < len(p) && p[pi] == '*':
			star, mark = pi, si
			pi++
		case star >= 0:
			pi = star + 1
			mark++
			si = mark
		default:
			return false
		}
	}
	for pi < len(p) && p[pi] == '*' {
		pi++
	}
	return pi == len(p)
}

func ec2IDParams(ids []string) itemSet[map[string]string] {
	set := itemSet[map[string]string]{}
	for _, id := range ids {
		set.Items = append(set.Items, map[string]string{"instanceId": id})
	}
	return set
}

// lookup returns the instances of scope named by ids, in the order named,
// or InvalidInstanceID errors.
func (e *ec2Service) lookup(scope ec2Scope, ids []string) ([]*ec2Instance, *ec2Error) {
	var missing []string
	found := make([]*ec2Instance, 0, len(ids))
	for _, id := range ids {
		if !ec2ValidID(id, "i-") {
			return nil, ec2Errorf("InvalidInstanceID.Malformed", "Invalid id: \"%s\"", ec2Clip(id, 64))
		}
		i := slices.IndexFunc(e.instances[scope], func(inst *ec2Instance) bool { return inst.InstanceID == id })
		if i < 0 {
			missing = append(missing, id)
			continue
		}
		found = append(found, e.instances[scope][i])
	}
	switch len(missing) {
	case 0:
		return found, nil
	case 1:
		return nil, ec2Errorf("InvalidInstanceID.NotFound", "The instance ID '%s' does not exist", missing[0])
	default:
		return nil, ec2Errorf("InvalidInstanceID.NotFound", "The instance IDs '%s' do not exist", strings.Join(missing, ", "))
	}
}

func (e *ec2Service) describeInstances(req *Request, scope ec2Scope, form url.Values) (ec2Result, *ec2Error) {
	ids := ec2Indexed(form, "InstanceId")
	fs := ec2Filters(form)
	filterSet := itemSet[map[string]any]{}
	for _, f := range fs {
		values := itemSet[map[string]string]{}
		for _, v := range f.Values {
			values.Items = append(values.Items, map[string]string{"value": v})
		}
		filterSet.Items = append(filterSet.Items, map[string]any{"name": f.Name, "valueSet": values})
	}
	result := ec2Result{params: map[string]any{"instancesSet": ec2IDParams(ids), "filterSet": filterSet}}
	for _, f := range fs {
		if _, ok := ec2FilterValue(&ec2Instance{}, f.Name); !ok {
			return result, ec2Errorf("InvalidParameterValue", "The filter '%s' is invalid", ec2Clip(f.Name, 64))
		}
	}
	maxResults, apiErr := ec2Int(form, "MaxResults", false)
	if apiErr != nil {
		return result, apiErr
	}
	token := form.Get("NextToken")
	if maxResults != 0 || token != "" {
		result.params.(map[string]any)["maxResults"] = maxResults
	}
	switch {
	case maxResults != 0 && len(ids) > 0:
		return result, ec2Errorf("InvalidParameterCombination", "The parameter instancesSet cannot be used with the parameter maxResults")
	case maxResults != 0 && (maxResults < 5 || maxResults > 1000):
		return result, ec2Errorf("InvalidParameterValue", "Value ( %d ) for parameter maxResults is invalid. Expecting a value between 5 and 1000.", maxResults)
	}
	candidates := e.instances[scope]
	if len(ids) > 0 {
		var err *ec2Error
		if candidates, err = e.lookup(scope, ids); err != nil {
			return result, err
		}
	}
	var matched []*ec2Instance
	for _, inst := range candidates {
		if ec2Match(inst, fs) {
			matched = append(matched, inst)
		}
	}
	// A NextToken names the last instance of the previous page.
	if token != "" {
		last, err := base64.RawURLEncoding.DecodeString(token)
		i := slices.IndexFunc(matched, func(inst *ec2Instance) bool { return inst.InstanceID == string(last) })
		if err != nil || i < 0 {
			return result, ec2Errorf("InvalidParameterValue", "Invalid value '%s' for nextToken", ec2Clip(token, 64))
		}
		matched = matched[i+1:]
	}
	nextToken := ""
	if maxResults != 0 && len(matched) > maxResults {
		matched = matched[:maxResults]
		nextToken = base64.RawURLEncoding.EncodeToString([]byte(matched[maxResults-1].InstanceID))
	}
	var reservations []ec2Reservation
	byID := map[string]int{}
	for _, inst := range matched {
		i, ok := byID[inst.reservationID]
		if !ok {
			i = len(reservations)
			byID[inst.reservationID] = i
			_, _, group := ec2Network(scope)
			reservations = append(reservations, ec2Reservation{
				ReservationID: inst.reservationID,
				OwnerID:       inst.ownerID,
				GroupSet:      itemSet[ec2Group]{Items: []ec2Group{group}},
			})
		}
		reservations[i].InstancesSet.Items = append(reservations[i].InstancesSet.Items, *inst)
	}
	result.body = struct {
		XMLName        xml.Name         `xml:"DescribeInstancesResponse"`
		Namespace      string           `xml:"xmlns,attr"`
		RequestID      string           `xml:"requestId"`
		ReservationSet []ec2Reservation `xml:"reservationSet>item"`
		NextToken      string           `xml:"nextToken,omitempty"`
	}{Namespace: ec2Namespace, RequestID: req.RequestID, ReservationSet: reservations, NextToken: nextToken}
	return result, nil
}

func (e *ec2Service) startInstances(req *Request, scope ec2Scope, form url.Values) (ec2Result, *ec2Error) {
	return e.changeState(req, scope, form, "StartInstancesResponse", func(st ec2State) (ec2State, bool) {
		switch st {
		case stateStopped:
			return statePending, true
		case statePending, stateRunning:
			return st, true
		}
		return st, false
	})
}

func (e *ec2Service) stopInstances(req *Request, scope ec2Scope, form url.Values) (ec2Result, *ec2Error) {
	return e.changeState(req, scope, form, "StopInstancesResponse", func(st ec2State) (ec2State, bool) {
		switch st {
		case stateRunning:
			return stateStopping, true
		case stateStopping, stateStopped:
			return st, true
		}
		return st, false
	})
}

func (e *ec2Service) terminateInstances(req *Request, scope ec2Scope, form url.Values) (ec2Result, *ec2Error) {
	return e.changeState(req, scope, form, "TerminateInstancesResponse", func(st ec2State) (ec2State, bool) {
		switch st {
		case stateShuttingDown, stateTerminated:
			return st, true
		}
		return stateShuttingDown, true
	})
}

// changeState applies next to every named instance, all or none: if any
// instance is in a state the action cannot leave, nothing changes.
func (e *ec2Service) changeState(req *Request, scope ec2Scope, form url.Values, response string, next func(ec2State) (ec2State, bool)) (ec2Result, *ec2Error) {
	ids := ec2Indexed(form, "InstanceId")
	params := map[string]any{"instancesSet": ec2IDParams(ids)}
	if response == "StopInstancesResponse" {
		params["force"] = form.Get("Force") == "true"
	}
	result := ec2Result{params: params}
	if len(ids) == 0 {
		return result, ec2Errorf("MissingParameter", "The request must contain the parameter InstanceId")
	}
	found, err := e.lookup(scope, ids)
	if err != nil {
		return result, err
	}
	for _, inst := range found {
		if _, ok := next(inst.State); !ok {
			return result, ec2Errorf("IncorrectInstanceState", "The instance '%s' is not in a state from which it can be %s.", inst.InstanceID, ec2Verb(response))
		}
	}
	changes := itemSet[ec2StateChange]{}
	for _, inst := range found {
		to, _ := next(inst.State)
		changes.Items = append(changes.Items, ec2StateChange{InstanceID: inst.InstanceID, CurrentState: to, PreviousState: inst.State})
		if to != inst.State && to != statePending {
			inst.StateTransitionReason = fmt.Sprintf("User initiated (%s)", req.Received.UTC().Format("2006-01-02 15:04:05 MST"))
		}
		inst.State = to
	}
	result.body = struct {
		XMLName      xml.Name                `xml:""`
		Namespace    string                  `xml:"xmlns,attr"`
		RequestID    string                  `xml:"requestId"`
		InstancesSet itemSet[ec2StateChange] `xml:"instancesSet"`
	}{XMLName: xml.Name{Local: response}, Namespace: ec2Namespace, RequestID: req.RequestID, InstancesSet: changes}
	result.response = map[string]any{"requestId": req.RequestID, "instancesSet": changes}
	result.res = ec2Resources(req, scope, ids)
	return result, nil
}

func ec2Verb(response string) string {
	switch response {
	case "StartInstancesResponse":
		return "started"
	case "StopInstancesResponse":
		return "stopped"
	}
	return "terminated"
}

func (e *ec2Service) describeRegions(req *Request, _ ec2Scope, form url.Values) (ec2Result, *ec2Error) {
	names := ec2Indexed(form, "RegionName")
	params := map[string]any{"regionSet": itemSet[map[string]string]{}}
	for _, n := range names {
		set := params["regionSet"].(itemSet[map[string]string])
		set.Items = append(set.Items, map[string]string{"regionName": n})
		params["regionSet"] = set
	}
	if form.Has("AllRegions") {
		params["allRegions"] = form.Get("AllRegions") == "true"
	}
	fs := ec2Filters(form)
	result := ec2Result{params: params}
	var regions []ec2Region
	for _, name := range ec2Regions {
		r := ec2Region{RegionName: name, RegionEndpoint: "ec2." + name + ".amazonaws.com", OptInStatus: "opt-in-not-required"}
		if len(names) > 0 && !slices.Contains(names, name) {
			continue
		}
		if !ec2MatchRegion(r, fs) {
			continue
		}
		regions = append(regions, r)
	}
	for _, n := range names {
		if !slices.Contains(ec2Regions, n) {
			return result, ec2Errorf("InvalidParameterValue", "Invalid region: %s", ec2Clip(n, 64))
		}
	}
	for _, f := range fs {
		if f.Name != "region-name" && f.Name != "endpoint" && f.Name != "opt-in-status" {
			return result, ec2Errorf("InvalidParameterValue", "The filter '%s' is invalid", ec2Clip(f.Name, 64))
		}
	}
	result.body = struct {
		XMLName    xml.Name    `xml:"DescribeRegionsResponse"`
		Namespace  string      `xml:"xmlns,attr"`
		RequestID  string      `xml:"requestId"`
		RegionInfo []ec2Region `xml:"regionInfo>item"`
	}{Namespace: ec2Namespace, RequestID: req.RequestID, RegionInfo: regions}
	return result, nil
}

func ec2MatchRegion(r ec2Region, fs []ec2Filter) bool {
	for _, f := range fs {
		var have string
		switch f.Name {
		case "region-name":
			have = r.RegionName
		case "endpoint":
			have = r.RegionEndpoint
		case "opt-in-status":
			have = r.OptInStatus
		}
		if !slices.ContainsFunc(f.Values, func(p string) bool { return ec2Wildcard(p, have) }) {
			return false
		}
	}
	return true
}

// ec2Clip shortens s to at most n bytes for an error message.
func ec2Clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "..."
}
