package abaco

import (
	"context"
	"strconv"
	"strings"
)

// Account is a user's Unix identity at the site, as the account directory
// holds it: executions of that user's actors run with these ids and see
// WorkDir at /work.
type Account struct {
	Username string
	UID      int
	GID      int
	// Groups are supplementary group ids (the primary GID excluded).
	Groups  []int
	Home    string
	WorkDir string // empty: no /work mount
}

// User is the "uid:gid" a container runtime takes.
func (a *Account) User() string { return strconv.Itoa(a.UID) + ":" + strconv.Itoa(a.GID) }

// GroupList renders Groups as the runtime takes them.
func (a *Account) GroupList() []string {
	out := make([]string, 0, len(a.Groups))
	for _, g := range a.Groups {
		out = append(out, strconv.Itoa(g))
	}
	return out
}

// AccountDirectory maps usernames to Unix accounts, per tenant. Package
// identity implements it (LDAP, a static file, none).
type AccountDirectory interface {
	// Enabled reports whether the tenant has a directory; without one,
	// containers run as the configured default user.
	Enabled(tenant string) bool
	// Lookup resolves a username. Errors have kind NotExist when the user
	// has no account, Unavailable when the directory cannot answer, and
	// their Msg says which, so it can be shown to the user as it is.
	Lookup(ctx context.Context, tenant, username string) (*Account, error)
}

// ValidUsername reports whether a username may name an account and be put
// into file paths and directory filters: no path separators, no dot names,
// no control characters.
func ValidUsername(u string) bool {
	if u == "" || u == "." || u == ".." || len(u) > 256 {
		return false
	}
	return !strings.ContainsFunc(u, func(r rune) bool { return r == '/' || r == '\\' || r < 0x20 || r == 0x7f })
}
