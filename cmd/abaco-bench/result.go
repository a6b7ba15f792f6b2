package main

import (
	"encoding/json"
	"fmt"
	"io"
	"math"
	"os"
	"sort"
	"strings"
	"text/tabwriter"
	"time"
)

// Result is one line of output: one measurement of one scenario, with the
// baseline measured in the same run where the scenario has one.
type Result struct {
	Scenario    string    `json:"scenario"`
	Name        string    `json:"name,omitempty"` // the part of a scenario with several (scale: list, get…)
	DB          string    `json:"db"`
	N           int       `json:"n"`
	Concurrency int       `json:"concurrency"`
	Ours        Figures   `json:"ours"`
	Baseline    *Baseline `json:"baseline"`
	// Ratio is ours over the baseline: throughputs when RatioOf is
	// "throughput", p50 latencies when it is "latency".
	Ratio   *float64 `json:"ratio"`
	RatioOf string   `json:"ratio_of,omitempty"`
	// RSSMB is the server's peak resident set (VmHWM) in MiB; for dispatch,
	// whose server runs inside the bench process, that process's.
	RSSMB float64 `json:"rss_mb"`
	// Load is the 1-minute load average when the measurement started: the
	// machine is shared, so figures are read next to it.
	Load float64 `json:"load"`
	Note string  `json:"note,omitempty"`
}

// Figures are a throughput and a latency distribution.
type Figures struct {
	PerS  float64 `json:"per_s"`
	P50MS float64 `json:"p50_ms"`
	P99MS float64 `json:"p99_ms"`
}

// Baseline is what the same work costs without us.
type Baseline struct {
	Name  string  `json:"name"`
	PerS  float64 `json:"per_s"`
	P50MS float64 `json:"p50_ms"`
}

// figures summarizes n operations that took elapsed in all, with the
// latency of each.
func figures(n int, elapsed time.Duration, lat []time.Duration) Figures {
	f := Figures{P50MS: percentile(lat, 50), P99MS: percentile(lat, 99)}
	if elapsed > 0 {
		f.PerS = round(float64(n)/elapsed.Seconds(), 1)
	}
	return f
}

// percentile returns the p-th percentile of lat in milliseconds (nearest
// rank), 0 for no samples.
func percentile(lat []time.Duration, p float64) float64 {
	if len(lat) == 0 {
		return 0
	}
	s := append([]time.Duration(nil), lat...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	i := int(math.Ceil(p/100*float64(len(s)))) - 1
	i = max(0, min(i, len(s)-1))
	return round(float64(s[i])/float64(time.Millisecond), 2)
}

func round(v float64, digits int) float64 {
	m := math.Pow(10, float64(digits))
	return math.Round(v*m) / m
}

// withRatio sets r.Ratio from r.Ours and r.Baseline.
func (r *Result) withRatio(of string) *Result {
	if r.Baseline == nil {
		return r
	}
	var v float64
	switch of {
	case "throughput":
		if r.Baseline.PerS == 0 {
			return r
		}
		v = r.Ours.PerS / r.Baseline.PerS
	case "latency":
		if r.Baseline.P50MS == 0 {
			return r
		}
		v = r.Ours.P50MS / r.Baseline.P50MS
	}
	v = round(v, 3)
	r.Ratio, r.RatioOf = &v, of
	return r
}

// loadAverage is the machine's 1-minute load average.
func loadAverage() float64 {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return 0
	}
	var v float64
	fmt.Sscan(string(b), &v)
	return v
}

// peakRSSMB reads a process's peak resident set size from /proc.
func peakRSSMB(pid int) float64 {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			var kb float64
			fmt.Sscan(rest, &kb)
			return round(kb/1024, 1)
		}
	}
	return 0
}

// output prints results as JSON lines or, at the end, as a table.
type output struct {
	json bool
	w    io.Writer
	all  []*Result
}

// progress is where running commentary goes: never the results' stream.
func (o *output) progress() io.Writer { return os.Stderr }

func (o *output) add(r *Result) {
	o.all = append(o.all, r)
	if o.json {
		b, _ := json.Marshal(r)
		fmt.Fprintln(o.w, string(b))
	} else {
		fmt.Fprintf(os.Stderr, "  %s %s %s: %.1f/s p50 %.2f ms p99 %.2f ms%s\n", r.Scenario, r.Name, r.DB, r.Ours.PerS, r.Ours.P50MS, r.Ours.P99MS, noteSuffix(r))
	}
}

func noteSuffix(r *Result) string {
	if r.Note == "" {
		return ""
	}
	return " (" + r.Note + ")"
}

// table prints every result as one aligned table.
func (o *output) table() {
	if o.json {
		return
	}
	tw := tabwriter.NewWriter(o.w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "scenario\tpart\tdb\tn\tc\tours/s\tp50 ms\tp99 ms\tbaseline\tbase/s\tbase p50\tratio\trss MB\tload\t")
	for _, r := range o.all {
		bname, bps, bp50, ratio := "-", "-", "-", "-"
		if r.Baseline != nil {
			bname, bps, bp50 = r.Baseline.Name, num(r.Baseline.PerS), num(r.Baseline.P50MS)
		}
		if r.Ratio != nil {
			ratio = fmt.Sprintf("%.2f (%s)", *r.Ratio, r.RatioOf[:3])
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%d\t%d\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%.2f\t\n",
			r.Scenario, dash(r.Name), r.DB, r.N, r.Concurrency, num(r.Ours.PerS), num(r.Ours.P50MS), num(r.Ours.P99MS),
			bname, bps, bp50, ratio, num(r.RSSMB), r.Load)
	}
	tw.Flush()
	for _, r := range o.all {
		if r.Note != "" {
			fmt.Fprintf(o.w, "note: %s %s %s: %s\n", r.Scenario, dash(r.Name), r.DB, r.Note)
		}
	}
}

func num(v float64) string {
	if v == 0 {
		return "-"
	}
	if v >= 100 {
		return fmt.Sprintf("%.0f", v)
	}
	return fmt.Sprintf("%.2f", v)
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
