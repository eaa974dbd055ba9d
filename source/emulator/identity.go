package emulator

import (
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"time"
)

// Identity is one row of the key table: who an access key belongs to.
type Identity struct {
	AccessKeyID string `json:"accessKeyId"`
	// Type is IAMUser, AssumedRole or Root.
	Type string `json:"type"`
	// Name is the user name (IAMUser) or the role name (AssumedRole).
	Name string `json:"name,omitempty"`
	// Session is the role session name (AssumedRole).
	Session string `json:"session,omitempty"`
	// AccountID defaults to the emulator's account.
	AccountID string `json:"accountId,omitempty"`
	// Deny lists the IAM actions this key may not perform, e.g.
	// "cloudtrail:LookupEvents" or "s3:GetObject"; a trailing * matches a
	// prefix ("s3:*", "*"). Denied calls get the protocol's access-denied
	// answer and are recorded with its error code.
	Deny []string `json:"deny,omitempty"`
	// Expired makes every call with this key fail as a call with an expired
	// session token does. Such calls are not recorded: AWS rejects them
	// before authorization.
	Expired bool `json:"expired,omitempty"`
}

// The access keys of the default key table.
const (
	KeyAlice  = "AKIAIOSFODNN7EXAMPLE"
	KeyDeploy = "ASIAEMULATORDEPLOY01"
	KeyRoot   = "AKIAEMULATORROOT0001"
)

// DefaultKeyTable is the key table used when none is configured: an IAM
// user, an assumed role and the account root.
func DefaultKeyTable() []Identity {
	return []Identity{
		{AccessKeyID: KeyAlice, Type: "IAMUser", Name: "alice"},
		{AccessKeyID: KeyDeploy, Type: "AssumedRole", Name: "deploy", Session: "github-actions"},
		{AccessKeyID: KeyRoot, Type: "Root"},
	}
}

// LoadKeyTable reads a key table file: a JSON array of Identity objects.
func LoadKeyTable(path string) ([]Identity, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("load key table: %w", err)
	}
	var ids []Identity
	if err := json.Unmarshal(b, &ids); err != nil {
		return nil, fmt.Errorf("load key table %s: %w", path, err)
	}
	for i, id := range ids {
		if err := id.validate(); err != nil {
			return nil, fmt.Errorf("load key table %s: entry %d: %w", path, i, err)
		}
	}
	return ids, nil
}

func (id Identity) validate() error {
	if id.AccessKeyID == "" {
		return fmt.Errorf("accessKeyId is empty")
	}
	switch id.Type {
	case "IAMUser", "AssumedRole":
		if id.Name == "" {
			return fmt.Errorf("%s %s has no name", id.Type, id.AccessKeyID)
		}
	case "Root":
	default:
		return fmt.Errorf("type %q is not IAMUser, AssumedRole or Root", id.Type)
	}
	return nil
}

// keyTable resolves access keys to callers.
type keyTable struct {
	account string
	byKey   map[string]Identity
}

func newKeyTable(ids []Identity, account string) (*keyTable, error) {
	t := &keyTable{account: account, byKey: make(map[string]Identity, len(ids))}
	for i, id := range ids {
		if err := id.validate(); err != nil {
			return nil, fmt.Errorf("key table entry %d: %w", i, err)
		}
		if id.AccountID == "" {
			id.AccountID = account
		}
		t.byKey[id.AccessKeyID] = id
	}
	return t, nil
}

// caller returns the identity of an access key; unknown keys are IAM users
// named after the key.
func (t *keyTable) caller(key string, at time.Time) Caller {
	id, ok := t.byKey[key]
	if !ok {
		id = Identity{AccessKeyID: key, Type: "IAMUser", Name: key, AccountID: t.account}
	}
	return Caller{AccessKeyID: key, AccountID: id.AccountID, UserIdentity: userIdentity(id, at), Deny: id.Deny, Expired: id.Expired}
}

// denies reports whether the caller's deny list covers action. IAM action
// names are case-insensitive.
func (c Caller) denies(action string) bool {
	for _, p := range c.Deny {
		if prefix, ok := strings.CutSuffix(p, "*"); ok {
			if len(action) >= len(prefix) && strings.EqualFold(action[:len(prefix)], prefix) {
				return true
			}
		} else if strings.EqualFold(p, action) {
			return true
		}
	}
	return false
}

// deniedMessage is the message AWS gives when no policy of the caller
// allows action on resource.
func (c Caller) deniedMessage(action, resource string) string {
	arn, _ := c.UserIdentity["arn"].(string)
	return fmt.Sprintf("User: %s is not authorized to perform: %s on resource: %s because no identity-based policy allows the %s action",
		arn, action, resource, action)
}

// userIdentity builds the userIdentity object CloudTrail writes for id.
func userIdentity(id Identity, at time.Time) map[string]any {
	acct := id.AccountID
	switch id.Type {
	case "Root":
		return map[string]any{
			"type":        "Root",
			"principalId": acct,
			"arn":         "arn:aws:iam::" + acct + ":root",
			"accountId":   acct,
			"accessKeyId": id.AccessKeyID,
		}
	case "AssumedRole":
		roleID := principalID("AROA", acct+"/"+id.Name)
		session := id.Session
		if session == "" {
			session = id.Name
		}
		return map[string]any{
			"type":        "AssumedRole",
			"principalId": roleID + ":" + session,
			"arn":         "arn:aws:sts::" + acct + ":assumed-role/" + id.Name + "/" + session,
			"accountId":   acct,
			"accessKeyId": id.AccessKeyID,
			"sessionContext": map[string]any{
				"sessionIssuer": map[string]any{
					"type":        "Role",
					"principalId": roleID,
					"arn":         "arn:aws:iam::" + acct + ":role/" + id.Name,
					"accountId":   acct,
					"userName":    id.Name,
				},
				"webIdFederationData": map[string]any{},
				"attributes": map[string]any{
					"creationDate":     at.UTC().Truncate(time.Hour).Format(timeFormat),
					"mfaAuthenticated": "false",
				},
			},
		}
	default:
		return map[string]any{
			"type":        "IAMUser",
			"principalId": principalID("AIDA", acct+"/"+id.Name),
			"arn":         "arn:aws:iam::" + acct + ":user/" + id.Name,
			"accountId":   acct,
			"accessKeyId": id.AccessKeyID,
			"userName":    id.Name,
		}
	}
}

// principalID derives a stable IAM unique id (prefix plus 17 characters)
// from a name.
func principalID(prefix, name string) string {
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
	sum := sha256.Sum256([]byte(name))
	var b strings.Builder
	b.WriteString(prefix)
	for i := range 17 {
		b.WriteByte(alphabet[sum[i]%32])
	}
	return b.String()
}

// usernameOf is the Username LookupEvents reports for a userIdentity.
func usernameOf(ui map[string]any) string {
	if ui == nil {
		return ""
	}
	switch ui["type"] {
	case "Root":
		return "root"
	case "AssumedRole":
		if arn, ok := ui["arn"].(string); ok {
			if i := strings.LastIndexByte(arn, '/'); i >= 0 {
				return arn[i+1:]
			}
		}
	}
	if n, ok := ui["userName"].(string); ok {
		return n
	}
	return ""
}

// ParseKeyTable reads a key table from its command-line form: comma-separated
// KEY=Type[:name[/session]][@account][;deny=ACTION]...[;expired] entries, e.g.
// "AKIA1=IAMUser:alice,ASIA2=AssumedRole:deploy/ci@210987654321,AKIA3=Root"
// or "AKIA4=IAMUser:bob;deny=cloudtrail:LookupEvents;deny=s3:*,ASIA5=AssumedRole:ci;expired".
func ParseKeyTable(s string) ([]Identity, error) {
	var ids []Identity
	for entry := range strings.SplitSeq(s, ",") {
		entry = strings.TrimSpace(entry)
		if entry == "" {
			continue
		}
		options := strings.Split(entry, ";")
		key, rest, ok := strings.Cut(options[0], "=")
		if !ok {
			return nil, fmt.Errorf("parse key table: %q is not KEY=Type[:name[/session]][@account][;deny=ACTION][;expired]", entry)
		}
		id := Identity{AccessKeyID: key}
		for _, opt := range options[1:] {
			switch action, isDeny := strings.CutPrefix(opt, "deny="); {
			case isDeny && action != "":
				id.Deny = append(id.Deny, action)
			case opt == "expired":
				id.Expired = true
			default:
				return nil, fmt.Errorf("parse key table: %q: option %q is not deny=ACTION or expired", entry, opt)
			}
		}
		rest, id.AccountID, _ = strings.Cut(rest, "@")
		id.Type, rest, _ = strings.Cut(rest, ":")
		id.Name, id.Session, _ = strings.Cut(rest, "/")
		if err := id.validate(); err != nil {
			return nil, fmt.Errorf("parse key table: %q: %w", entry, err)
		}
		ids = append(ids, id)
	}
	return ids, nil
}
