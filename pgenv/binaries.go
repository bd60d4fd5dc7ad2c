package pgenv

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"
)

// findServerBinaries returns the first directory holding both initdb and postgres: next to
// initdb on PATH, then `pg_config --bindir`, then the newest /usr/lib/postgresql/*/bin
// (Debian's layout, where the server binaries are not on PATH). The empty string means none.
func findServerBinaries(ctx context.Context) string {
	var dirs []string
	if p, err := exec.LookPath("initdb"); err == nil {
		if real, err := filepath.EvalSymlinks(p); err == nil {
			dirs = append(dirs, filepath.Dir(real)) // the installation's own bin directory
		}
		dirs = append(dirs, filepath.Dir(p))
	}
	if p, err := exec.LookPath("pg_config"); err == nil {
		cctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		out, err := exec.CommandContext(cctx, p, "--bindir").Output()
		cancel()
		if err == nil {
			dirs = append(dirs, strings.TrimSpace(string(out)))
		}
	}
	dirs = append(dirs, debianBinDirs("/usr/lib/postgresql")...)
	for _, d := range dirs {
		if isExecutable(filepath.Join(d, "initdb")) && isExecutable(filepath.Join(d, "postgres")) {
			return d
		}
	}
	return ""
}

// debianBinDirs lists root/<major>/bin, newest major first.
func debianBinDirs(root string) []string {
	entries, err := os.ReadDir(root)
	if err != nil {
		return nil
	}
	type versioned struct {
		major int
		dir   string
	}
	var found []versioned
	for _, e := range entries {
		if major, err := strconv.Atoi(e.Name()); err == nil {
			found = append(found, versioned{major, filepath.Join(root, e.Name(), "bin")})
		}
	}
	slices.SortFunc(found, func(a, b versioned) int { return b.major - a.major })
	dirs := make([]string, len(found))
	for i, v := range found {
		dirs[i] = v.dir
	}
	return dirs
}

func isExecutable(path string) bool {
	fi, err := os.Stat(path)
	return err == nil && fi.Mode().IsRegular() && fi.Mode()&0o111 != 0
}

// serverAccount is who the embedded server runs as. Postgres refuses to run as root, so a
// harness running as root runs it as the postgres account (Debian's packages create it), or
// nobody; any other user runs it as itself.
type serverAccount struct {
	name     string
	uid, gid uint32
	// switchUser is true when the server's processes need these credentials (the harness
	// runs as root); false means they run as the harness's own user.
	switchUser bool
}

func chooseServerAccount() (serverAccount, error) {
	if os.Geteuid() != 0 {
		name := strconv.Itoa(os.Geteuid())
		if u, err := user.Current(); err == nil {
			name = u.Username
		}
		return serverAccount{name: name, uid: uint32(os.Geteuid()), gid: uint32(os.Getegid())}, nil
	}
	for _, name := range []string{"postgres", "nobody"} {
		u, err := user.Lookup(name)
		if err != nil {
			continue
		}
		uid, err1 := strconv.ParseUint(u.Uid, 10, 32)
		gid, err2 := strconv.ParseUint(u.Gid, 10, 32)
		if err1 != nil || err2 != nil || uid == 0 {
			continue
		}
		return serverAccount{name: name, uid: uint32(uid), gid: uint32(gid), switchUser: true}, nil
	}
	return serverAccount{}, fmt.Errorf("the harness runs as root, which Postgres refuses, and there is no postgres or nobody account to run the server as")
}
