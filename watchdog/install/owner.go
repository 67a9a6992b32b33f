package install

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/user"
	"path/filepath"
	"strconv"
	"syscall"
)

// owner is the account a --run-as watchdog runs as.
type owner struct {
	name     string
	uid, gid int
}

// lookupOwner finds the user and the group of the same name (the unit sets
// User= and Group= to name).
func lookupOwner(name string) (owner, error) {
	u, err := user.Lookup(name)
	if err != nil {
		return owner{}, fmt.Errorf("--run-as %s: %w: create the user first (useradd --system --no-create-home --shell /usr/sbin/nologin %s)", name, err, name)
	}
	g, err := user.LookupGroup(name)
	if err != nil {
		return owner{}, fmt.Errorf("--run-as %s: %w: the unit runs with Group=%s; create the group (groupadd --system %s) or a user of that name with its own group", name, err, name, name)
	}
	uid, _ := strconv.Atoi(u.Uid)
	gid, _ := strconv.Atoi(g.Gid)
	return owner{name: name, uid: uid, gid: gid}, nil
}

// makeDirs creates the unit's writable directories under prefix. With an
// owner, the directories it creates (parents included) are given to the
// owner; a directory that already exists and holds something the owner does
// not own (files of a watchdog that ran as root before) is returned in
// foreign: Install prints the chown to run rather than changing ownership of
// a directory it did not create.
func makeDirs(prefix string, dirs []string, runAs string) (foreign []string, err error) {
	var o owner
	if runAs != "" && prefix == "" {
		if o, err = lookupOwner(runAs); err != nil {
			return nil, err
		}
	}
	for _, d := range dirs {
		full := filepath.Join(prefix, d)
		created := missingAncestors(full)
		if err := os.MkdirAll(full, 0o750); err != nil {
			return nil, fmt.Errorf("create %s: %w: create it yourself or fix the config's paths", d, err)
		}
		switch {
		case runAs == "":
		case prefix != "":
			foreign = append(foreign, d) // a package tree: the user may not exist yet
		case len(created) > 0:
			for _, c := range created {
				if err := os.Chown(c, o.uid, o.gid); err != nil {
					return nil, fmt.Errorf("give %s to %s: %w", c, runAs, err)
				}
			}
		case !ownedBy(full, o.uid):
			foreign = append(foreign, d)
		}
	}
	return foreign, nil
}

// missingAncestors lists dir and those of its parents that do not exist,
// outermost first: what MkdirAll(dir) will create.
func missingAncestors(dir string) []string {
	var missing []string
	for d := filepath.Clean(dir); ; d = filepath.Dir(d) {
		if _, err := os.Lstat(d); !errors.Is(err, fs.ErrNotExist) {
			break
		}
		missing = append([]string{d}, missing...)
		if d == filepath.Dir(d) {
			break
		}
	}
	return missing
}

// ownedBy reports whether dir and every entry directly in it belong to uid.
func ownedBy(dir string, uid int) bool {
	paths := []string{dir}
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		paths = append(paths, filepath.Join(dir, e.Name()))
	}
	for _, p := range paths {
		fi, err := os.Lstat(p)
		if err != nil {
			continue
		}
		if st, ok := fi.Sys().(*syscall.Stat_t); ok && int(st.Uid) != uid {
			return false
		}
	}
	return true
}
