package testutil

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"
)

// Cluster is a private PostgreSQL server made with initdb in a temporary
// folder, for tests that stop and start the server. The server at
// TEST_DATABASE_URL is shared with the other test packages running at the
// same time and must never be stopped.
type Cluster struct {
	// URL names the cluster's postgres database (trust authentication).
	URL string

	t    testing.TB
	bin  string // folder of initdb, pg_ctl, postgres
	dir  string // temporary folder: data/, the socket, server.log
	data string
	port int
	// asUser runs the server programs as the postgres OS user: initdb and
	// postgres refuse to run as root, and tests run as root in CI.
	asUser string
}

// NewCluster initialises and starts a private PostgreSQL server on
// 127.0.0.1 and a free port; it is stopped and removed after the test, even
// when the test fails. Without the server programs the test is skipped,
// except under CI=true, where .ci/run installs them: there it fails.
func NewCluster(t testing.TB) *Cluster {
	t.Helper()
	missing := func(why string) {
		t.Helper()
		if os.Getenv("CI") == "true" {
			t.Fatalf("CI=true needs the PostgreSQL server programs: %s", why)
		}
		t.Skip("private PostgreSQL cluster unavailable: " + why)
	}
	bin := serverBin()
	if bin == "" {
		missing("initdb, pg_ctl and postgres not found (apt-get install postgresql)")
	}
	c := &Cluster{t: t, bin: bin}
	if os.Geteuid() == 0 {
		if _, err := user.Lookup("postgres"); err != nil {
			missing("running as root and there is no postgres OS user to run the server as")
		}
		if _, err := exec.LookPath("runuser"); err != nil {
			missing("running as root and runuser is missing")
		}
		c.asUser = "postgres"
	}

	dir, err := os.MkdirTemp("", "lantern-pg-")
	if err != nil {
		t.Fatal(err)
	}
	c.dir, c.data = dir, filepath.Join(dir, "data")
	t.Cleanup(func() {
		// immediate: the test is over, nothing in this cluster is kept.
		if _, err := os.Stat(filepath.Join(c.data, "postmaster.pid")); err == nil {
			_ = c.ctl("stop", "-m", "immediate")
		}
		os.RemoveAll(dir)
	})
	if c.asUser != "" {
		u, _ := user.Lookup(c.asUser)
		uid, _ := strconv.Atoi(u.Uid)
		gid, _ := strconv.Atoi(u.Gid)
		if err := os.Chown(dir, uid, gid); err != nil {
			t.Fatal(err)
		}
	}
	if out, err := c.run("initdb", "-D", c.data, "-A", "trust", "-U", "postgres", "-E", "UTF8", "--no-locale", "--no-sync"); err != nil {
		t.Fatalf("initdb: %v\n%s", err, out)
	}
	c.port = freePort(t)
	// fsync=off only risks data on an operating-system crash: a stopped or
	// killed server still finds every committed transaction in its WAL.
	conf := fmt.Sprintf("\nlisten_addresses = '127.0.0.1'\nport = %d\nunix_socket_directories = '%s'\n"+
		"fsync = off\nfull_page_writes = off\nmax_connections = 60\nshared_buffers = 32MB\n", c.port, dir)
	f, err := os.OpenFile(filepath.Join(c.data, "postgresql.conf"), os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	_, err = f.WriteString(conf)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Start(); err != nil {
		t.Fatal(err)
	}
	c.URL = fmt.Sprintf("postgres://postgres@127.0.0.1:%d/postgres?sslmode=disable", c.port)
	return c
}

// Stop stops the server; mode is pg_ctl's: smart, fast or immediate.
func (c *Cluster) Stop(mode string) error { return c.ctl("stop", "-m", mode) }

// Start starts the server and waits until it accepts connections.
func (c *Cluster) Start() error {
	return c.ctl("start", "-l", filepath.Join(c.dir, "server.log"))
}

func (c *Cluster) ctl(args ...string) error {
	args = append([]string{"-D", c.data, "-w", "-t", "30"}, args...)
	out, err := c.run("pg_ctl", args...)
	if err != nil {
		log, _ := os.ReadFile(filepath.Join(c.dir, "server.log"))
		return fmt.Errorf("pg_ctl %s: %v\n%s\nserver.log:\n%s", strings.Join(args, " "), err, out, log)
	}
	return nil
}

// run runs one of the server programs, as the postgres OS user under root.
func (c *Cluster) run(prog string, args ...string) ([]byte, error) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	path := filepath.Join(c.bin, prog)
	var cmd *exec.Cmd
	if c.asUser != "" {
		cmd = exec.CommandContext(ctx, "runuser", append([]string{"-u", c.asUser, "--", path}, args...)...)
	} else {
		cmd = exec.CommandContext(ctx, path, args...)
	}
	// The server's own folder as working directory: the postgres user may
	// not be allowed into the test's.
	cmd.Dir = c.dir
	// pg_ctl start leaves the server running with our stdout/stderr pipes
	// open; without a delay, Output would wait for the server to exit.
	cmd.WaitDelay = time.Second
	return cmd.CombinedOutput()
}

// serverBin finds the folder with initdb, pg_ctl and postgres: Debian's
// /usr/lib/postgresql/<version>/bin (newest first), or the PATH.
func serverBin() string {
	has := func(dir string) bool {
		for _, p := range []string{"initdb", "pg_ctl", "postgres"} {
			if st, err := os.Stat(filepath.Join(dir, p)); err != nil || st.IsDir() {
				return false
			}
		}
		return true
	}
	dirs, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
	sort.Slice(dirs, func(i, j int) bool { return pgVersion(dirs[i]) > pgVersion(dirs[j]) })
	for _, d := range dirs {
		if has(d) {
			return d
		}
	}
	if p, err := exec.LookPath("initdb"); err == nil && has(filepath.Dir(p)) {
		return filepath.Dir(p)
	}
	return ""
}

func pgVersion(binDir string) int {
	n, _ := strconv.Atoi(filepath.Base(filepath.Dir(binDir)))
	return n
}

// freePort asks the kernel for a free TCP port on 127.0.0.1.
func freePort(t testing.TB) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}
