package emulator

import (
	"encoding/xml"
	"fmt"
	"net/http"
	"net/url"
	"strings"
)

const stsNamespace = "https://sts.amazonaws.com/doc/2011-06-15/"

// serveSTS answers STS Query calls: GetCallerIdentity, so that clients can
// ask who their keys make them. Other actions get InvalidAction.
func (s *Server) serveSTS(w http.ResponseWriter, req *Request) {
	form, err := url.ParseQuery(string(req.Body))
	if err != nil {
		writeQueryError(w, http.StatusBadRequest, "MalformedQueryString", "The request body is not a valid query string", req.RequestID)
		return
	}
	for k, v := range req.HTTP.URL.Query() {
		if _, ok := form[k]; !ok {
			form[k] = v
		}
	}
	action := form.Get("Action")
	call := Call{Request: req, EventSource: "sts.amazonaws.com", EventName: action, ReadOnly: true}
	if action != "GetCallerIdentity" {
		msg := fmt.Sprintf("Could not find operation %s for version %s", action, form.Get("Version"))
		writeQueryError(w, http.StatusBadRequest, "InvalidAction", msg, req.RequestID)
		if action != "" {
			call.ErrorCode, call.ErrorMessage = "InvalidAction", msg
			s.Record(call)
		}
		return
	}
	if req.Caller.denies("sts:" + action) {
		call.ErrorCode, call.ErrorMessage = "AccessDenied", req.Caller.deniedMessage("sts:"+action, "*")
		writeQueryError(w, http.StatusForbidden, call.ErrorCode, call.ErrorMessage, req.RequestID)
		s.Record(call)
		return
	}
	ui := req.Caller.UserIdentity
	arn, _ := ui["arn"].(string)
	userID, _ := ui["principalId"].(string)
	type result struct {
		Arn     string
		UserID  string `xml:"UserId"`
		Account string
	}
	out := struct {
		XMLName  xml.Name `xml:"GetCallerIdentityResponse"`
		Xmlns    string   `xml:"xmlns,attr"`
		Result   result   `xml:"GetCallerIdentityResult"`
		Metadata struct {
			RequestID string `xml:"RequestId"`
		} `xml:"ResponseMetadata"`
	}{Xmlns: stsNamespace, Result: result{Arn: arn, UserID: userID, Account: req.Caller.AccountID}}
	out.Metadata.RequestID = req.RequestID
	b, err := xml.Marshal(out)
	if err != nil {
		writeQueryError(w, http.StatusInternalServerError, "InternalFailure", err.Error(), req.RequestID)
		return
	}
	w.Header().Set("Content-Type", "text/xml")
	w.Write([]byte(xml.Header))
	w.Write(b)
	s.Record(call)
}

// writeQueryError writes an AWS Query protocol error.
func writeQueryError(w http.ResponseWriter, status int, code, msg, reqID string) {
	kind := "Sender"
	if status >= 500 {
		kind = "Receiver"
	}
	w.Header().Set("Content-Type", "text/xml")
	w.WriteHeader(status)
	var b strings.Builder
	b.WriteString(xml.Header)
	fmt.Fprintf(&b, `<ErrorResponse xmlns="%s"><Error><Type>%s</Type><Code>%s</Code><Message>%s</Message></Error><RequestId>%s</RequestId></ErrorResponse>`,
		stsNamespace, kind, xmlEscape(code), xmlEscape(msg), xmlEscape(reqID))
	w.Write([]byte(b.String()))
}
