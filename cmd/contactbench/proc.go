package main

import (
	"bytes"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"
)

// procStats are a process's CPU time and memory from /proc (Linux).
type procStats struct {
	cpu          float64 // user+system seconds
	rssMB, hwmMB float64 // resident set, and its peak
}

// clockTicks is USER_HZ, 100 on every Linux this runs on.
const clockTicks = 100

func readProc(pid int) procStats {
	var s procStats
	if pid <= 0 {
		return s
	}
	dir := "/proc/" + strconv.Itoa(pid) + "/"
	if b, err := os.ReadFile(dir + "stat"); err == nil {
		// fields after the parenthesised command: state is field 3, utime 14, stime 15
		if i := bytes.LastIndexByte(b, ')'); i >= 0 {
			f := strings.Fields(string(b[i+1:]))
			if len(f) > 12 {
				ut, _ := strconv.ParseFloat(f[11], 64)
				st, _ := strconv.ParseFloat(f[12], 64)
				s.cpu = (ut + st) / clockTicks
			}
		}
	}
	if b, err := os.ReadFile(dir + "status"); err == nil {
		for _, line := range strings.Split(string(b), "\n") {
			k, v, ok := strings.Cut(line, ":")
			if !ok {
				continue
			}
			f := strings.Fields(v)
			if len(f) == 0 {
				continue
			}
			kb, _ := strconv.ParseFloat(f[0], 64)
			switch k {
			case "VmRSS":
				s.rssMB = kb / 1024
			case "VmHWM":
				s.hwmMB = kb / 1024
			}
		}
	}
	return s
}

// procLine reports the CPU a server process spent on r's requests and its
// memory at the end.
func (r *result) procLine(what string, pid int, end procStats) string {
	return fmt.Sprintf("%s pid %d: CPU %.1fs in %s (%.2f cores, %.0f µs/request), RSS %.1f MB, peak RSS %.1f MB",
		what, pid, r.serverCPU, r.elapsed.Round(time.Millisecond), r.serverCPU/r.elapsed.Seconds(),
		1e6*r.serverCPU/float64(max(1, r.all.n)), end.rssMB, end.hwmMB)
}
