package abaco

// Roles that grant more than a regular user has.
const (
	RoleAdmin      = "abaco_admin"
	RolePrivileged = "abaco_privileged"
)

// Principal is the authenticated caller of a request.
type Principal struct {
	Tenant string
	User   string
	Roles  []string
	// ViaNonce is set when the request was authenticated by a nonce; such
	// sends carry no `_abaco_username`.
	ViaNonce bool
}

// HasRole reports whether the principal holds role.
func (p Principal) HasRole(role string) bool {
	for _, r := range p.Roles {
		if r == role {
			return true
		}
	}
	return false
}

// IsAdmin reports whether the principal is an Abaco admin of its tenant.
func (p Principal) IsAdmin() bool { return p.HasRole(RoleAdmin) }

// IsPrivileged reports whether the principal may set privileged fields.
func (p Principal) IsPrivileged() bool { return p.IsAdmin() || p.HasRole(RolePrivileged) }
