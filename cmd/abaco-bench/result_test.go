package main

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestPercentile(t *testing.T) {
	var lat []time.Duration
	for i := 100; i >= 1; i-- {
		lat = append(lat, time.Duration(i)*time.Millisecond)
	}
	require.Equal(t, 50.0, percentile(lat, 50))
	require.Equal(t, 99.0, percentile(lat, 99))
	require.Equal(t, 100.0, percentile(lat, 100))
	require.Equal(t, 0.0, percentile(nil, 50))
	require.Equal(t, time.Duration(100)*time.Millisecond, lat[0], "the caller's slice is left unsorted")
}

func TestRatio(t *testing.T) {
	r := (&Result{Ours: Figures{PerS: 50, P50MS: 30}, Baseline: &Baseline{PerS: 200, P50MS: 20}}).withRatio("throughput")
	require.Equal(t, 0.25, *r.Ratio)
	r = (&Result{Ours: Figures{PerS: 50, P50MS: 30}, Baseline: &Baseline{PerS: 200, P50MS: 20}}).withRatio("latency")
	require.Equal(t, 1.5, *r.Ratio)
	require.Nil(t, (&Result{}).withRatio("throughput").Ratio, "no baseline, no ratio")
}
