package loadgen

import "testing"

// TestParseMetrics sums a metric's samples over their labels, whose values may hold spaces.
func TestParseMetrics(t *testing.T) {
	text := `# HELP parley_http_request_duration_seconds Time.
# TYPE parley_http_request_duration_seconds histogram
parley_http_request_duration_seconds_count{code="2xx",method="GET",route="GET /healthz"} 3
parley_http_request_duration_seconds_count{code="2xx",method="POST",route="POST /api/v1/widget/sessions/{id}/messages"} 4
parley_automation_backlog_events 12
process_resident_memory_bytes 3.4574336e+07
`
	m := parseMetrics(text)
	want := map[string]float64{"parley_http_request_duration_seconds_count": 7, "parley_automation_backlog_events": 12, "process_resident_memory_bytes": 34574336}
	for k, v := range want {
		if m[k] != v {
			t.Errorf("%s = %v, want %v", k, m[k], v)
		}
	}
	if len(m) != len(want) {
		t.Errorf("parsed %v", m)
	}
}
