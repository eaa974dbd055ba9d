package model

import "testing"

func TestWhoOf(t *testing.T) {
	const acct = "111122223333"
	tests := []struct {
		name string
		id   Identity
		want string
	}{
		{"root", Identity{Type: "Root", ARN: "arn:aws:iam::" + acct + ":root", PrincipalID: acct}, "root"},
		{"iam user", Identity{Type: "IAMUser", UserName: "Alice", ARN: "arn:aws:iam::" + acct + ":user/Alice"}, "Alice"},
		{"iam user from arn with path", Identity{Type: "IAMUser", ARN: "arn:aws:iam::" + acct + ":user/division/Alice"}, "Alice"},
		{"iam user principal only", Identity{Type: "IAMUser", PrincipalID: "AIDAEXAMPLE"}, "AIDAEXAMPLE"},
		{"assumed role", Identity{Type: "AssumedRole", ARN: "arn:aws:sts::" + acct + ":assumed-role/Admin/alice@example.com",
			PrincipalID: "AROAEXAMPLE:alice@example.com", IssuerName: "Admin"}, "Admin/alice@example.com"},
		{"assumed role arn wins", Identity{Type: "AssumedRole", ARN: "arn:aws:sts::" + acct + ":assumed-role/Admin/s1",
			IssuerName: "OtherName"}, "Admin/s1"},
		{"assumed role arn without session", Identity{Type: "AssumedRole", ARN: "arn:aws:sts::" + acct + ":assumed-role/Admin",
			PrincipalID: "AROAEXAMPLE:s2"}, "Admin/s2"},
		{"assumed role without issuer", Identity{Type: "AssumedRole", ARN: "arn:aws:sts::" + acct + ":assumed-role/AWSReservedSSO_Admin_abc/erin"},
			"AWSReservedSSO_Admin_abc/erin"},
		{"assumed role without arn", Identity{Type: "AssumedRole", PrincipalID: "AROAEXAMPLE:i-0abc", IssuerName: "ec2-role"}, "ec2-role/i-0abc"},
		{"assumed role issuer only", Identity{Type: "AssumedRole", PrincipalID: "EX_PRINCIPAL_ID", IssuerName: "ExampleUser"}, "ExampleUser"},
		{"assumed role principal only", Identity{Type: "AssumedRole", PrincipalID: "AROAEXAMPLE:sess"}, "sess"},
		{"assumed role nothing", Identity{Type: "AssumedRole"}, "unknown"},
		{"role", Identity{Type: "Role", ARN: "arn:aws:iam::" + acct + ":role/service-role/exec"}, "exec"},
		{"role with user name", Identity{Type: "Role", UserName: "exec", ARN: "arn:aws:iam::" + acct + ":role/exec"}, "exec"},
		{"federated user", Identity{Type: "FederatedUser", ARN: "arn:aws:sts::" + acct + ":federated-user/Bob", PrincipalID: acct + ":Bob",
			IssuerName: "broker"}, "Bob"},
		{"federated user principal only", Identity{Type: "FederatedUser", PrincipalID: acct + ":Bob"}, "Bob"},
		{"aws service", Identity{Type: "AWSService", InvokedBy: "cloudtrail.amazonaws.com"}, "cloudtrail.amazonaws.com"},
		{"aws service without invokedBy", Identity{Type: "AWSService", AccountID: acct}, acct},
		{"identity center user", Identity{Type: "IdentityCenterUser", OnBehalfOf: "544894e8-80c1"}, "544894e8-80c1"},
		{"identity center user name", Identity{Type: "IdentityCenterUser", UserName: "erin", OnBehalfOf: "544894e8-80c1"}, "erin"},
		{"identity center sign-in", Identity{Type: "IdentityCenterUser", SignInName: "erin@example.com", OnBehalfOf: "544894e8-80c1"}, "erin@example.com"},
		{"identity center userId", Identity{Type: "IdentityCenterUser", UserID: "d-12345abcde",
			ARN: "arn:aws:iam::" + acct + ":user/identity-center-user"}, "d-12345abcde"},
		{"identity center arn", Identity{Type: "IdentityCenterUser", ARN: "arn:aws:iam::" + acct + ":user/identity-center-user"}, "identity-center-user"},
		{"aws account", Identity{Type: "AWSAccount", AccountID: acct, PrincipalID: "AROAEXAMPLE:session-name"}, acct},
		{"aws account invoked by", Identity{Type: "AWSAccount", AccountID: acct, InvokedBy: "ec2.amazonaws.com"}, acct + "/ec2.amazonaws.com"},
		{"saml user", Identity{Type: "SAMLUser", PrincipalID: "SAMPLE:frank", UserName: "frank"}, "frank"},
		{"saml user principal", Identity{Type: "SAMLUser", PrincipalID: "SAMPLE:frank"}, "SAMPLE:frank"},
		{"web identity user", Identity{Type: "WebIdentityUser", PrincipalID: "accounts.google.com:app:1122", UserName: "1122"}, "1122"},
		{"directory", Identity{Type: "Directory", PrincipalID: "S-1-5-21"}, "S-1-5-21"},
		{"unknown named", Identity{Type: "Unknown", UserName: "grace", PrincipalID: "p"}, "grace"},
		{"unknown principal", Identity{Type: "Unknown", PrincipalID: "p-123"}, "p-123"},
		{"unknown nothing", Identity{Type: "Unknown", AccountID: acct}, "unknown"},
		{"no type invoked by", Identity{AccountID: acct, InvokedBy: "AWS Internal"}, "AWS Internal"},
		{"no type arn", Identity{ARN: "arn:aws:iam::" + acct + ":user/zed"}, "zed"},
		{"no type account", Identity{AccountID: acct}, acct},
		{"no identity", Identity{}, "unknown"},
		{"future type", Identity{Type: "QuantumUser", PrincipalID: "q"}, "q"},
		{"not an arn", Identity{Type: "IAMUser", ARN: "user/alice"}, "unknown"},
		{"short arn", Identity{Type: "IAMUser", ARN: "arn:aws:iam"}, "unknown"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := WhoOf(tt.id); got != tt.want {
				t.Errorf("WhoOf(%+v) = %q, want %q", tt.id, got, tt.want)
			}
		})
	}
}
