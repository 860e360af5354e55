package bpmn

import (
	"testing"
	"time"
	_ "time/tzdata" // the daylight-saving case needs Europe/Berlin on machines without zoneinfo
)

func TestParseDuration(t *testing.T) {
	tests := []struct {
		in   string
		want Duration
	}{
		{"PT5M", Duration{Clock: 5 * time.Minute}},
		{"PT1S", Duration{Clock: time.Second}},
		{"P30D", Duration{Days: 30}},
		{"P2W", Duration{Weeks: 2}},
		{"P1M", Duration{Months: 1}},
		{"P1Y2M3DT4H5M6.5S", Duration{Years: 1, Months: 2, Days: 3, Clock: 4*time.Hour + 5*time.Minute + 6500*time.Millisecond}},
		{"P1Y2M1W3D", Duration{Years: 1, Months: 2, Weeks: 1, Days: 3}},
		{"PT0S", Duration{}},
		{"PT1,5S", Duration{Clock: 1500 * time.Millisecond}},
		{"PT36H", Duration{Clock: 36 * time.Hour}},
	}
	for _, tt := range tests {
		got, err := ParseDuration(tt.in)
		if err != nil || got != tt.want {
			t.Errorf("ParseDuration(%q) = %+v, %v; want %+v", tt.in, got, err, tt.want)
		}
	}
}

func TestParseDurationRefuses(t *testing.T) {
	for _, in := range []string{"", "P", "PT", "P1DT", "5M", "P1H", "PT1D", "P1M1Y", "P-1D", "-P1D",
		"PT1.5M", "P1.5D", "PT.5S", "PT5.S", "P1Y1Y", "PT1e3S", "PT99999999999H", "PT999999999H",
		"P1DT1H1H", "p1d", "PT1S ", "R3/PT1H", "=PT5M", "P1D2"} {
		if d, err := ParseDuration(in); err == nil {
			t.Errorf("ParseDuration(%q) = %+v, want an error", in, d)
		}
	}
}

func TestDurationAddTo(t *testing.T) {
	berlin, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		d        string
		from     time.Time
		want     time.Time
		describe string
	}{
		{"P1M", date(2024, 1, 31, 9, time.UTC), date(2024, 2, 29, 9, time.UTC), "clamps to the end of a leap February"},
		{"P1M", date(2023, 1, 31, 9, time.UTC), date(2023, 2, 28, 9, time.UTC), "clamps to the end of February"},
		{"P1Y", date(2024, 2, 29, 9, time.UTC), date(2025, 2, 28, 9, time.UTC), "a leap day plus a year"},
		{"P1M1D", date(2024, 1, 31, 9, time.UTC), date(2024, 3, 1, 9, time.UTC), "months before days"},
		{"P13M", date(2024, 12, 15, 9, time.UTC), date(2026, 1, 15, 9, time.UTC), "across years"},
		{"P1W", date(2024, 12, 28, 9, time.UTC), date(2025, 1, 4, 9, time.UTC), "a week is seven days"},
		{"P1D", date(2024, 3, 30, 10, berlin), date(2024, 3, 31, 10, berlin), "a day keeps the wall clock across DST"},
		{"PT24H", date(2024, 3, 30, 10, berlin), date(2024, 3, 31, 11, berlin), "hours are elapsed time"},
		{"PT1.5S", date(2024, 1, 1, 0, time.UTC), date(2024, 1, 1, 0, time.UTC).Add(1500 * time.Millisecond), "fractions"},
	}
	for _, tt := range tests {
		d, err := ParseDuration(tt.d)
		if err != nil {
			t.Fatal(err)
		}
		if got := d.AddTo(tt.from); !got.Equal(tt.want) {
			t.Errorf("%s: %s + %s = %s, want %s", tt.describe, tt.from, tt.d, got, tt.want)
		}
	}
}

func date(y int, m time.Month, d, h int, loc *time.Location) time.Time {
	return time.Date(y, m, d, h, 0, 0, 0, loc)
}

func TestTimerDue(t *testing.T) {
	from := date(2024, 5, 1, 12, time.UTC)
	d, _ := ParseDuration("PT5M")
	if got := (&Timer{Duration: "PT5M", duration: d}).Due(from); !got.Equal(from.Add(5 * time.Minute)) {
		t.Errorf("duration timer due %s", got)
	}
	at := date(2030, 1, 31, 9, time.UTC)
	if got := (&Timer{Date: "2030-01-31T09:00:00Z", date: at}).Due(from); !got.Equal(at) {
		t.Errorf("date timer due %s", got)
	}
}
