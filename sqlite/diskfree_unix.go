//go:build linux || darwin || freebsd || netbsd || openbsd

package sqlite

import "golang.org/x/sys/unix"

// diskFree is the space, in bytes, an unprivileged writer may still use on
// the file system that holds dir.
func diskFree(dir string) (uint64, bool) {
	var st unix.Statfs_t
	if err := unix.Statfs(dir, &st); err != nil {
		return 0, false
	}
	return uint64(st.Bavail) * uint64(st.Bsize), true
}
