package loadgen

import (
	"context"
	"io"
	"net/http"
	"strconv"
	"strings"
)

// scrape reads a Prometheus text page and sums each metric's samples over their labels:
// enough for the few gauges and counters the report needs.
func scrape(ctx context.Context, c *client, url, token string) (map[string]float64, error) {
	req, err := http.NewRequestWithContext(ctx, "GET", url, nil)
	if err != nil {
		return nil, err
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, &apiError{Status: resp.StatusCode, Msg: "scrape " + url}
	}
	data, err := io.ReadAll(io.LimitReader(resp.Body, 8<<20))
	if err != nil {
		return nil, err
	}
	return parseMetrics(string(data)), nil
}

func parseMetrics(text string) map[string]float64 {
	out := map[string]float64{}
	for _, line := range strings.Split(text, "\n") {
		if line == "" || line[0] == '#' {
			continue
		}
		// Label values may hold spaces (route patterns); the value is the last field, as
		// the Go client writes no timestamps.
		i := strings.LastIndexByte(line, ' ')
		if i < 0 {
			continue
		}
		series := line[:i]
		v, err := strconv.ParseFloat(line[i+1:], 64)
		if err != nil {
			continue
		}
		name, _, _ := strings.Cut(series, "{")
		out[name] += v
	}
	return out
}
