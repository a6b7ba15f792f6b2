// Package ldaptest runs a real OpenLDAP server (Debian's slapd) for tests:
// a throw-away slapd.conf and database in a temporary directory, plain and
// TLS listeners on free loopback ports, posixAccount and posixGroup entries,
// and its stats log to count the searches it served.
package ldaptest

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"math/big"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/abaco-hpc/abaco/internal/testenv"
)

// BaseDN is the suffix of the test directory; users live under ou=people,
// groups under ou=groups.
const (
	BaseDN   = "dc=example,dc=org"
	People   = "ou=people," + BaseDN
	Groups   = "ou=groups," + BaseDN
	BindDN   = "cn=admin," + BaseDN
	password = "s3cret-for-tests"
)

// User is one posixAccount.
type User struct {
	Name string
	UID  int
	GID  int
	Home string
}

// Group is one posixGroup with its member usernames.
type Group struct {
	Name    string
	GID     int
	Members []string
}

// Server is a running slapd.
type Server struct {
	t *testing.T
	// URL is ldap://127.0.0.1:port (StartTLS works on it); LDAPSURL the
	// ldaps:// listener.
	URL, LDAPSURL string
	// CAFile signs the server's certificate; PasswordFile holds BindDN's
	// password.
	CAFile, PasswordFile string

	dir   string
	conf  string
	slapd string
	mu    sync.Mutex
	cmd   *exec.Cmd
}

// Start runs slapd with the users and groups; it is stopped when t ends.
// Without slapd the test is skipped (failed when components are required).
func Start(t *testing.T, users []User, groups []Group) *Server {
	t.Helper()
	slapd, slapadd := sbin("slapd"), sbin("slapadd")
	if slapd == "" || slapadd == "" {
		testenv.Missing(t, "OpenLDAP (Debian packages slapd and ldap-utils)", "slapd or slapadd not found")
	}
	dir, err := os.MkdirTemp("", "ldaptest-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	s := &Server{t: t, dir: dir, conf: filepath.Join(dir, "slapd.conf"), slapd: slapd}
	s.URL = "ldap://127.0.0.1:" + freePort(t)
	s.LDAPSURL = "ldaps://127.0.0.1:" + freePort(t)
	s.CAFile = filepath.Join(dir, "ca.pem")
	s.PasswordFile = filepath.Join(dir, "password")
	must(t, os.WriteFile(s.PasswordFile, []byte(password+"\n"), 0o600))
	must(t, os.MkdirAll(filepath.Join(dir, "db"), 0o700))
	writeCerts(t, dir)
	must(t, os.WriteFile(s.conf, []byte(config(dir)), 0o600))
	ldif := filepath.Join(dir, "data.ldif")
	must(t, os.WriteFile(ldif, []byte(entries(users, groups)), 0o600))
	if out, err := exec.Command(slapadd, "-f", s.conf, "-l", ldif).CombinedOutput(); err != nil {
		t.Fatalf("slapadd: %v\n%s", err, out)
	}
	s.Start()
	t.Cleanup(s.Stop)
	return s
}

// Start (re)starts slapd on the same ports with the same database.
func (s *Server) Start() {
	s.t.Helper()
	// -d stats keeps slapd in the foreground and logs every operation.
	cmd := exec.Command(s.slapd, "-f", s.conf, "-h", s.URL+"/ "+s.LDAPSURL+"/", "-d", "stats")
	// A file, not a pipe: slapd writes each line before it answers, so a
	// search is in the log by the time its client has the result.
	logf, err := os.OpenFile(filepath.Join(s.dir, "slapd.log"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	must(s.t, err)
	defer logf.Close()
	cmd.Stdout, cmd.Stderr = logf, logf
	must(s.t, cmd.Start())
	s.mu.Lock()
	s.cmd = cmd
	s.mu.Unlock()
	addr := strings.TrimPrefix(s.URL, "ldap://")
	deadline := time.Now().Add(15 * time.Second)
	for {
		c, err := net.DialTimeout("tcp", addr, time.Second)
		if err == nil {
			c.Close()
			return
		}
		if time.Now().After(deadline) {
			s.t.Fatalf("slapd did not start: %v\n%s", err, s.Log())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// Stop kills slapd, as a crash or an outage would; stopping a stopped
// server is fine.
func (s *Server) Stop() {
	s.mu.Lock()
	cmd := s.cmd
	s.cmd = nil
	s.mu.Unlock()
	if cmd != nil {
		cmd.Process.Kill()
		cmd.Wait()
	}
}

// Searches counts the searches slapd served whose filter contains substr.
func (s *Server) Searches(substr string) int {
	n := 0
	for _, line := range strings.Split(s.Log(), "\n") {
		if _, filter, ok := strings.Cut(line, " SRCH base="); ok && strings.Contains(filter, substr) {
			n++
		}
	}
	return n
}

// Log is slapd's output so far.
func (s *Server) Log() string {
	b, _ := os.ReadFile(filepath.Join(s.dir, "slapd.log"))
	return string(b)
}

func config(dir string) string {
	return fmt.Sprintf(`include /etc/ldap/schema/core.schema
include /etc/ldap/schema/cosine.schema
include /etc/ldap/schema/nis.schema
include /etc/ldap/schema/inetorgperson.schema
modulepath /usr/lib/ldap
moduleload back_mdb
pidfile %[1]s/slapd.pid
TLSCACertificateFile %[1]s/ca.pem
TLSCertificateFile %[1]s/server.pem
TLSCertificateKeyFile %[1]s/server.key
database mdb
suffix "%[2]s"
rootdn "%[3]s"
rootpw %[4]s
directory %[1]s/db
maxsize 10485760
# Anonymous clients see nothing: the bind is part of what is tested.
access to * by users read by * none
`, dir, BaseDN, BindDN, password)
}

func entries(users []User, groups []Group) string {
	var b strings.Builder
	fmt.Fprintf(&b, "dn: %s\nobjectClass: dcObject\nobjectClass: organization\no: Example\ndc: example\n\n", BaseDN)
	fmt.Fprintf(&b, "dn: %s\nobjectClass: organizationalUnit\nou: people\n\n", People)
	fmt.Fprintf(&b, "dn: %s\nobjectClass: organizationalUnit\nou: groups\n\n", Groups)
	for _, u := range users {
		home := u.Home
		if home == "" {
			home = "/home/" + u.Name
		}
		fmt.Fprintf(&b, "dn: uid=%s,%s\nobjectClass: inetOrgPerson\nobjectClass: posixAccount\nuid: %s\ncn: %s\nsn: %s\nuidNumber: %d\ngidNumber: %d\nhomeDirectory: %s\n\n",
			u.Name, People, u.Name, u.Name, u.Name, u.UID, u.GID, home)
	}
	for _, g := range groups {
		fmt.Fprintf(&b, "dn: cn=%s,%s\nobjectClass: posixGroup\ncn: %s\ngidNumber: %d\n", g.Name, Groups, g.Name, g.GID)
		for _, m := range g.Members {
			fmt.Fprintf(&b, "memberUid: %s\n", m)
		}
		b.WriteString("\n")
	}
	return b.String()
}

// writeCerts makes a CA and a server certificate for 127.0.0.1.
func writeCerts(t *testing.T, dir string) {
	caKey, err := rsa.GenerateKey(rand.Reader, 2048)
	must(t, err)
	caTmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "ldaptest CA"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign,
	}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	must(t, err)
	ca, err := x509.ParseCertificate(caDER)
	must(t, err)
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	must(t, err)
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(2), Subject: pkix.Name{CommonName: "127.0.0.1"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour),
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}, DNSNames: []string{"localhost"},
		KeyUsage: x509.KeyUsageDigitalSignature | x509.KeyUsageKeyEncipherment, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca, &key.PublicKey, caKey)
	must(t, err)
	write := func(name, typ string, b []byte) {
		must(t, os.WriteFile(filepath.Join(dir, name), pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: b}), 0o600))
	}
	write("ca.pem", "CERTIFICATE", caDER)
	write("server.pem", "CERTIFICATE", der)
	write("server.key", "RSA PRIVATE KEY", x509.MarshalPKCS1PrivateKey(key))
}

// sbin finds a server program, which is in /usr/sbin, often not on PATH.
func sbin(name string) string {
	if p, err := exec.LookPath(name); err == nil {
		return p
	}
	if _, err := os.Stat("/usr/sbin/" + name); err == nil {
		return "/usr/sbin/" + name
	}
	return ""
}

func freePort(t *testing.T) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	must(t, err)
	defer ln.Close()
	_, port, _ := net.SplitHostPort(ln.Addr().String())
	return port
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
