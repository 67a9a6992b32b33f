package api_test

import (
	"os"
	"path/filepath"
	"sync"
	"syscall"
	"testing"

	"github.com/vigilhq/vigil/watchdog/api"
)

// TestSocketNeverWiderThanOwnerOnly pins issue 10 item 15: the control
// socket was created with the umask's mode and chmod 0600 only after
// Listen, so under umask 000 anyone could connect in between. A watcher
// stats the path while the socket is created again and again.
func TestSocketNeverWiderThanOwnerOnly(t *testing.T) {
	old := syscall.Umask(0)
	defer syscall.Umask(old)
	path := filepath.Join(t.TempDir(), "run", "vigil.sock")
	stop := make(chan struct{})
	var wg sync.WaitGroup
	var seen []os.FileMode
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			select {
			case <-stop:
				return
			default:
			}
			if fi, err := os.Lstat(path); err == nil && fi.Mode().Perm() != 0o600 && len(seen) < 10 {
				seen = append(seen, fi.Mode())
			}
		}
	}()
	for i := 0; i < 300; i++ {
		l, err := api.ListenUnix(path)
		if err != nil {
			close(stop)
			wg.Wait()
			t.Fatal(err)
		}
		l.Close()
		_ = os.Remove(path)
	}
	close(stop)
	wg.Wait()
	if len(seen) > 0 {
		t.Fatalf("control socket seen with modes %v, want only 0600 from its creation", seen)
	}
	if fi, err := os.Stat(filepath.Dir(path)); err != nil {
		t.Fatal(err)
	} else if entries, _ := os.ReadDir(filepath.Dir(path)); len(entries) != 0 {
		t.Errorf("socket dir %s (%s) holds %d leftovers, want none", filepath.Dir(path), fi.Mode(), len(entries))
	}
}
