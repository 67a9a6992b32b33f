package install

import (
	"os"
	"os/user"
	"path/filepath"
	"strconv"
	"syscall"
	"testing"
)

// TestRunAsDirsLeftToRoot: `install systemd --run-as USER` created the
// config's log, socket and state directories owned by root (mode 0750), so
// the watchdog, running as USER, could not take its instance lock and systemd
// restarted it until the start limit. Directories install creates now belong
// to USER, parents included; one that already holds another user's files is
// named in a printed chown instead of being changed behind the admin's back.
func TestRunAsDirsLeftToRoot(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root to give directories to another user")
	}
	const runAs = "daemon" // in every Debian base system, with a group of the same name
	u, err := user.Lookup(runAs)
	if err != nil {
		t.Skipf("no %s user here: %v", runAs, err)
	}
	uid, _ := strconv.Atoi(u.Uid)
	tmp := t.TempDir()
	fresh := filepath.Join(tmp, "var", "lib", "vigil")
	used := filepath.Join(tmp, "log")
	if err := os.MkdirAll(used, 0o750); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(used, "web.log"), []byte("from a root watchdog\n"), 0o640); err != nil {
		t.Fatal(err)
	}
	if err := os.Chown(used, uid, uid); err != nil { // the dir was handed over, a file in it was not
		t.Fatal(err)
	}

	foreign, err := makeDirs("", []string{fresh, used}, runAs)
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range []string{filepath.Join(tmp, "var"), filepath.Join(tmp, "var", "lib"), fresh} {
		if got := ownerOf(t, d); got != uid {
			t.Errorf("%s owned by uid %d, want %s (%d)", d, got, runAs, uid)
		}
	}
	if ownerOf(t, tmp) != 0 {
		t.Errorf("%s existed before and changed owner", tmp)
	}
	if len(foreign) != 1 || foreign[0] != used {
		t.Errorf("foreign = %v, want [%s] (it holds a root-owned file)", foreign, used)
	}
	if _, err := makeDirs("", []string{fresh}, "no-such-user-vigil"); err == nil {
		t.Error("an unknown --run-as user was accepted")
	}
}

func ownerOf(t *testing.T, path string) int {
	t.Helper()
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	return int(fi.Sys().(*syscall.Stat_t).Uid)
}
