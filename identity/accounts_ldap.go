package identity

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"net"
	"net/url"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/go-ldap/ldap/v3"

	"github.com/abaco-hpc/abaco"
)

// LDAPConfig is how to find accounts in an LDAP directory (posixAccount
// entries by default).
type LDAPConfig struct {
	// URL is ldap://host:port or ldaps://host:port.
	URL string `yaml:"url"`
	// StartTLS upgrades an ldap:// connection before binding.
	StartTLS bool `yaml:"start_tls"`
	// CAFile holds the PEM certificates that may sign the server's; empty:
	// the system's roots.
	CAFile string `yaml:"ca_file"`
	// BindDN and the password in BindPasswordFile authenticate the search;
	// empty: an anonymous search.
	BindDN           string `yaml:"bind_dn"`
	BindPasswordFile string `yaml:"bind_password_file"`
	BaseDN           string `yaml:"base_dn"`
	// Filter finds the user's entry; {username} is replaced by the escaped
	// username. Default: (&(objectClass=posixAccount)(uid={username})).
	Filter     string         `yaml:"filter"`
	Attributes LDAPAttributes `yaml:"attributes"`
	// GroupBaseDN, if set, is searched with GroupFilter for the user's
	// supplementary groups (default
	// (&(objectClass=posixGroup)(memberUid={username})), gid from gidNumber).
	GroupBaseDN string `yaml:"group_base_dn"`
	GroupFilter string `yaml:"group_filter"`
	// Timeout bounds connecting and each request (default 5s).
	Timeout time.Duration `yaml:"timeout"`
}

// LDAPAttributes name the attributes an account is read from.
type LDAPAttributes struct {
	UID     string `yaml:"uid"`      // default uidNumber
	GID     string `yaml:"gid"`      // default gidNumber
	Home    string `yaml:"home"`     // default homeDirectory
	WorkDir string `yaml:"work_dir"` // default none: the directory's work_dir template
}

type ldapSource struct {
	cfg      LDAPConfig
	password string
	tls      *tls.Config
}

func newLDAPSource(cfg LDAPConfig) (*ldapSource, error) {
	u, err := url.Parse(cfg.URL)
	if err != nil || (u.Scheme != "ldap" && u.Scheme != "ldaps") || u.Host == "" {
		return nil, fmt.Errorf("ldap url %q: want ldap://host[:port] or ldaps://host[:port]", cfg.URL)
	}
	if cfg.BaseDN == "" {
		return nil, fmt.Errorf("ldap: base_dn is required")
	}
	setDefault(&cfg.Filter, "(&(objectClass=posixAccount)(uid={username}))")
	setDefault(&cfg.GroupFilter, "(&(objectClass=posixGroup)(memberUid={username}))")
	setDefault(&cfg.Attributes.UID, "uidNumber")
	setDefault(&cfg.Attributes.GID, "gidNumber")
	setDefault(&cfg.Attributes.Home, "homeDirectory")
	if cfg.Timeout <= 0 {
		cfg.Timeout = 5 * time.Second
	}
	if !strings.Contains(cfg.Filter, "{username}") {
		return nil, fmt.Errorf("ldap filter %q does not use {username}", cfg.Filter)
	}
	s := &ldapSource{cfg: cfg, tls: &tls.Config{ServerName: u.Hostname(), MinVersion: tls.VersionTLS12}}
	if cfg.CAFile != "" {
		pem, err := os.ReadFile(cfg.CAFile)
		if err != nil {
			return nil, fmt.Errorf("ldap ca_file: %w", err)
		}
		s.tls.RootCAs = x509.NewCertPool()
		if !s.tls.RootCAs.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("ldap ca_file %s: no PEM certificates", cfg.CAFile)
		}
	}
	if cfg.BindPasswordFile != "" {
		b, err := os.ReadFile(cfg.BindPasswordFile)
		if err != nil {
			return nil, fmt.Errorf("ldap bind_password_file: %w", err)
		}
		s.password = strings.TrimRight(string(b), "\r\n")
	}
	return s, nil
}

func setDefault(s *string, def string) {
	if *s == "" {
		*s = def
	}
}

func (s *ldapSource) String() string { return "ldap " + s.cfg.URL }

// unavailable wraps a failure to talk to the directory: the user should
// retry later, the operator read the cause.
func (s *ldapSource) unavailable(err error) error {
	return abaco.Wrap(abaco.Unavailable, err, "the account directory (%s) is unavailable", s.cfg.URL)
}

// lookup connects, binds, searches and hangs up: lookups are rare thanks to
// the cache, and a fresh connection survives server restarts untroubled.
func (s *ldapSource) lookup(ctx context.Context, username string) (*abaco.Account, error) {
	timeout := s.cfg.Timeout
	if d, ok := ctx.Deadline(); ok {
		timeout = min(timeout, time.Until(d))
	}
	dialer := &net.Dialer{Timeout: timeout}
	conn, err := ldap.DialURL(s.cfg.URL, ldap.DialWithDialer(dialer), ldap.DialWithTLSConfig(s.tls))
	if err != nil {
		return nil, s.unavailable(err)
	}
	defer conn.Close()
	stop := context.AfterFunc(ctx, func() { conn.Close() })
	defer stop()
	conn.SetTimeout(timeout)
	if s.cfg.StartTLS {
		if err := conn.StartTLS(s.tls); err != nil {
			return nil, s.unavailable(fmt.Errorf("start tls: %w", err))
		}
	}
	if s.cfg.BindDN != "" {
		if err := conn.Bind(s.cfg.BindDN, s.password); err != nil {
			return nil, s.unavailable(fmt.Errorf("bind as %s: %w", s.cfg.BindDN, err))
		}
	}
	a := s.cfg.Attributes
	attrs := []string{a.UID, a.GID, a.Home}
	if a.WorkDir != "" {
		attrs = append(attrs, a.WorkDir)
	}
	res, err := conn.Search(ldap.NewSearchRequest(s.cfg.BaseDN, ldap.ScopeWholeSubtree, ldap.NeverDerefAliases,
		2, int(timeout/time.Second)+1, false, filterFor(s.cfg.Filter, username), attrs, nil))
	if err != nil && !ldap.IsErrorWithCode(err, ldap.LDAPResultSizeLimitExceeded) {
		return nil, s.unavailable(fmt.Errorf("search: %w", err))
	}
	switch {
	case res == nil || len(res.Entries) == 0:
		return nil, abaco.E(abaco.NotExist, "user %s has no account in the directory", username)
	case len(res.Entries) > 1:
		return nil, abaco.E(abaco.Invalid, "user %s matches several directory entries", username)
	}
	e := res.Entries[0]
	acct := &abaco.Account{Username: username, Home: e.GetAttributeValue(a.Home)}
	if a.WorkDir != "" {
		acct.WorkDir = e.GetAttributeValue(a.WorkDir)
	}
	for attr, dst := range map[string]*int{a.UID: &acct.UID, a.GID: &acct.GID} {
		n, err := strconv.Atoi(e.GetAttributeValue(attr))
		if err != nil || n <= 0 {
			return nil, abaco.E(abaco.Invalid, "the directory entry of %s has no valid %s", username, attr)
		}
		*dst = n
	}
	if s.cfg.GroupBaseDN != "" {
		if acct.Groups, err = s.groups(conn, username, acct.GID, timeout); err != nil {
			return nil, err
		}
	}
	return acct, nil
}

// groups returns the user's supplementary group ids, sorted, without the
// primary group.
func (s *ldapSource) groups(conn *ldap.Conn, username string, primary int, timeout time.Duration) ([]int, error) {
	res, err := conn.Search(ldap.NewSearchRequest(s.cfg.GroupBaseDN, ldap.ScopeWholeSubtree, ldap.NeverDerefAliases,
		0, int(timeout/time.Second)+1, false, filterFor(s.cfg.GroupFilter, username), []string{"gidNumber"}, nil))
	if err != nil {
		return nil, s.unavailable(fmt.Errorf("search groups: %w", err))
	}
	var out []int
	for _, e := range res.Entries {
		n, err := strconv.Atoi(e.GetAttributeValue("gidNumber"))
		if err == nil && n > 0 && n != primary && !slices.Contains(out, n) {
			out = append(out, n)
		}
	}
	slices.Sort(out)
	return out, nil
}

// filterFor puts the escaped username into a filter template, so that a
// name like "*" or ")(uid=*" matches nothing but itself.
func filterFor(template, username string) string {
	return strings.ReplaceAll(template, "{username}", ldap.EscapeFilter(username))
}
