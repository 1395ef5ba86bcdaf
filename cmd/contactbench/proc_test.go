package main

import (
	"strings"
	"testing"
)

func TestParseCPUTimes(t *testing.T) {
	// user nice system idle iowait irq softirq steal guest guest_nice
	stat := "cpu  200 100 50 400 0 25 25 200 7 0\ncpu0 1 2 3 4 5 6 7 8 9 0\nintr 1\n"
	got, ok := parseCPUTimes([]byte(stat))
	want := cpuTimes{user: 300, system: 100, idle: 400, iowait: 0, steal: 200}
	if !ok || got != want {
		t.Fatalf("parseCPUTimes = %+v, %v; want %+v", got, ok, want)
	}
	for _, bad := range []string{"", "cpu0 1 2 3 4 5 6 7 8\n", "cpu 1 2 3\n", "cpu 1 2 x 4 5 6 7 8\n"} {
		if _, ok := parseCPUTimes([]byte(bad)); ok {
			t.Errorf("parseCPUTimes(%q) accepted", bad)
		}
	}

	// two slices add up; the line gives shares of their sum
	var sum cpuTimes
	sum = sum.add(cpuTimes{}, want)
	sum = sum.add(cpuTimes{user: 10, idle: 10}, cpuTimes{user: 1710, system: 900, idle: 10, iowait: 200, steal: 200})
	line := sum.line()
	for _, part := range []string{"50% user", "25% system", "10% idle", "5% iowait", "10% steal"} {
		if !strings.Contains(line, part) {
			t.Errorf("%q lacks %q", line, part)
		}
	}
	if l := (cpuTimes{}).line(); !strings.Contains(l, "no time") {
		t.Errorf("empty line: %q", l)
	}
}
