package main

import (
	"bytes"
	"fmt"
	"os"
	"runtime"
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

// cpuTimes are the machine's CPU times, all CPUs together, in ticks, from
// the first line of /proc/stat (Linux). Steal is the time the hypervisor
// gave this machine's CPUs to another guest: on a shared VM it says how
// far a run's figures can be trusted against another run's.
type cpuTimes struct {
	user, system, idle, iowait, steal float64
}

// readCPUTimes reads /proc/stat; false where there is none.
func readCPUTimes() (cpuTimes, bool) {
	b, err := os.ReadFile("/proc/stat")
	if err != nil {
		return cpuTimes{}, false
	}
	return parseCPUTimes(b)
}

// cpuNow is readCPUTimes without its flag: zero where /proc/stat is missing.
func cpuNow() cpuTimes {
	t, _ := readCPUTimes()
	return t
}

// parseCPUTimes reads the "cpu" line of a /proc/stat: user nice system
// idle iowait irq softirq steal (guest time is counted in user already).
func parseCPUTimes(stat []byte) (cpuTimes, bool) {
	line, _, _ := strings.Cut(string(stat), "\n")
	f := strings.Fields(line)
	if len(f) < 9 || f[0] != "cpu" {
		return cpuTimes{}, false
	}
	var v [8]float64
	for i := range v {
		n, err := strconv.ParseFloat(f[1+i], 64)
		if err != nil {
			return cpuTimes{}, false
		}
		v[i] = n
	}
	return cpuTimes{user: v[0] + v[1], system: v[2] + v[5] + v[6], idle: v[3], iowait: v[4], steal: v[7]}, true
}

func (t cpuTimes) add(from, to cpuTimes) cpuTimes {
	return cpuTimes{
		user: t.user + to.user - from.user, system: t.system + to.system - from.system, idle: t.idle + to.idle - from.idle,
		iowait: t.iowait + to.iowait - from.iowait, steal: t.steal + to.steal - from.steal,
	}
}

// line gives each kind of time as a share of the machine's CPU time.
func (t cpuTimes) line() string {
	total := t.user + t.system + t.idle + t.iowait + t.steal
	if total <= 0 {
		return "machine CPU: no time measured"
	}
	pct := func(x float64) float64 { return 100 * x / total }
	return fmt.Sprintf("machine CPU (all processes, %d CPUs): %.0f%% user, %.0f%% system, %.0f%% idle, %.0f%% iowait, %.0f%% steal",
		runtime.NumCPU(), pct(t.user), pct(t.system), pct(t.idle), pct(t.iowait), pct(t.steal))
}
