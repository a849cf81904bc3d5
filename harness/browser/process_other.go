//go:build !unix

package browser

import "os"

// processAlive reports whether a process with this id exists. Where
// os.FindProcess cannot tell (it always succeeds on some systems), a
// folder is swept by its age only.
func processAlive(pid int) bool {
	p, err := os.FindProcess(pid)
	if err != nil {
		return false
	}
	_ = p.Release()
	return true
}
