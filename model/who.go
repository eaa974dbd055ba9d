package model

import "strings"

// Identity is the part of a record's userIdentity element (and the few
// fields beside it) that says who made a call.
type Identity struct {
	Type        string // userIdentity.type: Root, IAMUser, AssumedRole, ...
	UserName    string // userIdentity.userName
	ARN         string // userIdentity.arn
	PrincipalID string // userIdentity.principalId
	AccountID   string // userIdentity.accountId
	InvokedBy   string // userIdentity.invokedBy
	IssuerName  string // userIdentity.sessionContext.sessionIssuer.userName
	OnBehalfOf  string // userIdentity.onBehalfOf.userId (IAM Identity Center)
	UserID      string // userIdentity.userId
	SignInName  string // additionalEventData.UserName (IAM Identity Center sign-in)
}

// whoUnknown is the display name when a record says nothing usable about its
// caller.
const whoUnknown = "unknown"

// WhoOf returns the short display name of the caller described by id, as
// shown in the user column and matched by user: filters:
//
//	Root                          "root"
//	IAMUser                       userName
//	AssumedRole                   "role/session"
//	Role                          role name
//	FederatedUser                 federated user name
//	AWSService                    invokedBy, e.g. "ec2.amazonaws.com"
//	IdentityCenterUser            userName, sign-in user name, or onBehalfOf.userId
//	AWSAccount                    accountId, "accountId/invokedBy" when invokedBy is set
//	SAMLUser, WebIdentityUser,
//	Directory, Unknown            userName, else principalId
//
// Any other or missing type falls back to the first of userName, the ARN's
// last name, principalId, invokedBy and accountId; "unknown" when all are
// empty.
func WhoOf(id Identity) string {
	return string(appendWho(nil, &id))
}

// appendWho appends WhoOf(*id) to dst, so that a Parser can build the name
// without allocating and then share it.
func appendWho(dst []byte, id *Identity) []byte {
	switch id.Type {
	case "Root":
		return append(dst, "root"...)
	case "IAMUser", "Role":
		return appendFirst(dst, id.UserName, arnName(id.ARN), id.PrincipalID)
	case "AssumedRole":
		return appendAssumedRole(dst, id)
	case "FederatedUser":
		return appendFirst(dst, arnName(id.ARN), afterColon(id.PrincipalID), id.UserName, id.PrincipalID)
	case "AWSService":
		return appendFirst(dst, id.InvokedBy, id.PrincipalID, id.AccountID)
	case "IdentityCenterUser":
		return appendFirst(dst, id.UserName, id.SignInName, id.OnBehalfOf, id.UserID, arnName(id.ARN))
	case "AWSAccount":
		if id.AccountID != "" && id.InvokedBy != "" {
			dst = append(dst, id.AccountID...)
			dst = append(dst, '/')
			return append(dst, id.InvokedBy...)
		}
		return appendFirst(dst, id.AccountID, id.InvokedBy, id.PrincipalID)
	case "SAMLUser", "WebIdentityUser", "Directory", "Unknown":
		return appendFirst(dst, id.UserName, id.PrincipalID)
	}
	return appendFirst(dst, id.UserName, arnName(id.ARN), id.PrincipalID, id.InvokedBy, id.AccountID)
}

// appendAssumedRole appends "role/session" for an AssumedRole identity. Both
// come from the ARN (arn:aws:sts::111122223333:assumed-role/ROLE/SESSION)
// when it has that form; otherwise the role is the session issuer's name and
// the session the part of principalId after its colon (AROA...:SESSION).
func appendAssumedRole(dst []byte, id *Identity) []byte {
	var role, session string
	if res := arnResource(id.ARN); strings.HasPrefix(res, "assumed-role/") {
		role, session, _ = strings.Cut(res[len("assumed-role/"):], "/")
	}
	if role == "" {
		role = id.IssuerName
	}
	if session == "" {
		session = afterColon(id.PrincipalID)
	}
	switch {
	case role != "" && session != "":
		dst = append(dst, role...)
		dst = append(dst, '/')
		return append(dst, session...)
	case role != "":
		return append(dst, role...)
	}
	return appendFirst(dst, session, id.PrincipalID, id.UserName)
}

// appendFirst appends the first non-empty candidate, or "unknown".
func appendFirst(dst []byte, candidates ...string) []byte {
	for _, c := range candidates {
		if c != "" {
			return append(dst, c...)
		}
	}
	return append(dst, whoUnknown...)
}

// arnResource returns the resource part of an ARN (what follows the fifth
// colon), or "" when s is not an ARN.
func arnResource(s string) string {
	if !strings.HasPrefix(s, "arn:") {
		return ""
	}
	for range 5 {
		i := strings.IndexByte(s, ':')
		if i < 0 {
			return ""
		}
		s = s[i+1:]
	}
	return s
}

// arnName returns the last path element of an ARN's resource: "alice" for
// arn:aws:iam::111122223333:user/division/alice. It is "" for ARNs without a
// path such as an account root.
func arnName(arn string) string {
	res := arnResource(arn)
	i := strings.LastIndexByte(res, '/')
	if i < 0 {
		return ""
	}
	return res[i+1:]
}

// afterColon returns what follows the first colon of a principal ID
// ("AROAEXAMPLE:session" -> "session"), or "" when there is none.
func afterColon(principal string) string {
	_, after, _ := strings.Cut(principal, ":")
	return after
}
