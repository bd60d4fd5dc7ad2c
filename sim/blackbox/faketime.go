package blackbox

import (
	"fmt"
	"os"
	"path/filepath"
	"time"
)

// libfaketimeCandidates are where Debian's libfaketime package (and a source build) put the
// library; the first that exists is preloaded.
var libfaketimeCandidates = []string{
	"/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1",
	"/usr/lib/aarch64-linux-gnu/faketime/libfaketime.so.1",
	"/usr/lib/*/faketime/libfaketime.so.1",
	"/usr/lib/faketime/libfaketime.so.1",
	"/usr/local/lib/faketime/libfaketime.so.1",
}

// findLibfaketime returns the path of libfaketime.so.1 or an error saying how to install it.
func findLibfaketime() (string, error) {
	for _, pattern := range libfaketimeCandidates {
		matches, _ := filepath.Glob(pattern)
		if len(matches) > 0 {
			return matches[0], nil
		}
	}
	return "", fmt.Errorf("time: faketime needs libfaketime (not found in /usr/lib/*/faketime/); install Debian's faketime package: scripts/prepare-blackbox.sh or apt-get install faketime")
}

// faketimeFile is the timestamp file a faketime service reads its clock offset from.
// libfaketime re-reads FAKETIME_TIMESTAMP_FILE on every time call when FAKETIME_NO_CACHE=1
// (by default it caches the setting for 10 s), so a rewrite takes effect at the service's
// next clock reading.
type faketimeFile struct {
	dir  string
	path string
}

func newFaketimeFile() (*faketimeFile, error) {
	dir, err := os.MkdirTemp("", "bh-faketime-")
	if err != nil {
		return nil, fmt.Errorf("blackbox: faketime: %w", err)
	}
	return &faketimeFile{dir: dir, path: filepath.Join(dir, "faketime.rc")}, nil
}

// env is what the service needs in its environment. Only the wall clock is faked: a
// monotonic clock that jumps back when the harness moves the service's time breaks runtimes
// that schedule timers on it (Node asserts it never goes back), and "now" is the wall clock.
// FAKETIME_DISABLE_SHM asks releases that know it not to create shared memory at all (the
// service has no faketime children to share a setting with); 0.9.10 ignores it, so the
// harness removes what it leaves (removeFaketimeSegments).
func (f *faketimeFile) env(lib string) map[string]string {
	return map[string]string{"LD_PRELOAD": lib, "FAKETIME_TIMESTAMP_FILE": f.path, "FAKETIME_NO_CACHE": "1",
		"FAKETIME_DONT_FAKE_MONOTONIC": "1", "FAKETIME_DISABLE_SHM": "1"}
}

// set writes offset (the service's clock minus the real clock) in libfaketime's relative
// format, "+2100.000000" seconds, through a rename so a reader never sees half a line.
func (f *faketimeFile) set(offset time.Duration) error {
	tmp := f.path + ".tmp"
	if err := os.WriteFile(tmp, fmt.Appendf(nil, "%+.6f\n", offset.Seconds()), 0o600); err != nil {
		return fmt.Errorf("blackbox: faketime: %w", err)
	}
	if err := os.Rename(tmp, f.path); err != nil {
		return fmt.Errorf("blackbox: faketime: %w", err)
	}
	return nil
}

func (f *faketimeFile) remove() error { return os.RemoveAll(f.dir) }

// removeFaketimeSegments removes the shared-memory segment and semaphore that libfaketime
// (0.9.10, Debian's; it has no switch to turn them off) creates in /dev/shm for every process
// it is preloaded into, named by the process's pid, and unlinks only when that process exits
// normally: a service the harness stops with a signal — every stop, every crash: — would
// leave them behind for good, hundreds per gate. Only the pids of the service's own process
// group are touched; for a service not under faketime there is nothing to remove.
func removeFaketimeSegments(pids map[int]bool) {
	for pid := range pids {
		_ = os.Remove(fmt.Sprintf("/dev/shm/faketime_shm_%d", pid))
		_ = os.Remove(fmt.Sprintf("/dev/shm/sem.faketime_sem_%d", pid))
	}
}
