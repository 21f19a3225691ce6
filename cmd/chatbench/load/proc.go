package load

import (
	"bytes"
	"fmt"
	"os"
	"strconv"
	"time"
)

// clockTicks is USER_HZ, the unit of the CPU times in /proc/PID/stat; it is
// 100 on every Linux architecture the service targets.
const clockTicks = 100

// ProcSample is what the generator reads about a local server process.
type ProcSample struct {
	CPU time.Duration // user + system time since the process started
	RSS int64         // resident set size in bytes
}

// SampleProc reads the CPU time and RSS of process pid from /proc.
func SampleProc(pid int) (ProcSample, error) {
	stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return ProcSample{}, fmt.Errorf("read process stats: %w", err)
	}
	cpu, err := parseStatCPU(stat)
	if err != nil {
		return ProcSample{}, err
	}
	status, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return ProcSample{}, fmt.Errorf("read process status: %w", err)
	}
	rss, err := parseStatusRSS(status)
	if err != nil {
		return ProcSample{}, err
	}
	return ProcSample{CPU: cpu, RSS: rss}, nil
}

// parseStatCPU returns utime+stime of a /proc/PID/stat line. The command
// name may hold spaces and parentheses, so fields are counted from the last
// ')'.
func parseStatCPU(stat []byte) (time.Duration, error) {
	i := bytes.LastIndexByte(stat, ')')
	if i < 0 {
		return 0, fmt.Errorf("malformed /proc stat %q", truncate(stat))
	}
	f := bytes.Fields(stat[i+1:])
	if len(f) < 13 { // f[0] is field 3 (state); utime is field 14, stime 15
		return 0, fmt.Errorf("short /proc stat %q", truncate(stat))
	}
	utime, err1 := strconv.ParseInt(string(f[11]), 10, 64)
	stime, err2 := strconv.ParseInt(string(f[12]), 10, 64)
	if err1 != nil || err2 != nil {
		return 0, fmt.Errorf("malformed /proc stat times %q %q", f[11], f[12])
	}
	return time.Duration(utime+stime) * time.Second / clockTicks, nil
}

// parseStatusRSS returns VmRSS of a /proc/PID/status file, in bytes.
func parseStatusRSS(status []byte) (int64, error) {
	for _, line := range bytes.Split(status, []byte("\n")) {
		rest, ok := bytes.CutPrefix(line, []byte("VmRSS:"))
		if !ok {
			continue
		}
		f := bytes.Fields(rest)
		if len(f) != 2 || string(f[1]) != "kB" {
			break
		}
		kb, err := strconv.ParseInt(string(f[0]), 10, 64)
		if err != nil {
			break
		}
		return kb * 1024, nil
	}
	return 0, fmt.Errorf("no VmRSS in /proc status")
}

// SampleProcs sums the CPU time and RSS of several processes.
func SampleProcs(pids []int) (ProcSample, error) {
	var sum ProcSample
	for _, pid := range pids {
		s, err := SampleProc(pid)
		if err != nil {
			return ProcSample{}, err
		}
		sum.CPU += s.CPU
		sum.RSS += s.RSS
	}
	return sum, nil
}
