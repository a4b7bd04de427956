package store

import (
	"testing"
	"time"
)

func date(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, time.UTC) }

func TestHoliday(t *testing.T) {
	cases := []struct {
		day  time.Time
		want bool
	}{
		{date(2026, time.January, 1), true},
		{date(2026, time.February, 2), true},  // first Monday of February
		{date(2026, time.February, 9), false}, // the second
		{date(2026, time.March, 16), true},    // third Monday of March
		{date(2026, time.March, 21), false},   // Benito Juárez's birthday itself, a Saturday
		{date(2026, time.May, 1), true},
		{date(2026, time.September, 16), true},
		{date(2026, time.November, 16), true}, // third Monday of November
		{date(2026, time.November, 20), false},
		{date(2026, time.December, 25), true},
		{date(2026, time.October, 1), false}, // no inauguration
		{date(2024, time.October, 1), true},
		{date(2030, time.October, 1), true},
		{date(2036, time.October, 1), true},
		{date(2027, time.February, 1), true}, // 2027: February 1 is a Monday
		{date(2027, time.March, 15), true},
		{date(2027, time.November, 15), true},
		{date(2027, time.November, 22), false},
		{date(2026, time.December, 24), false},
	}
	for _, c := range cases {
		if got := Holiday(c.day); got != c.want {
			t.Errorf("Holiday(%s) = %v, want %v", c.day.Format("2006-01-02 Mon"), got, c.want)
		}
	}
}

func TestAddBusinessDays(t *testing.T) {
	mx, err := time.LoadLocation("America/Mexico_City")
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name  string
		filed time.Time
		n     int
		want  time.Time
	}{
		{"plain weeks", date(2026, time.June, 1), 20, date(2026, time.June, 29)},
		{"filed on a Saturday starts on Monday", date(2026, time.June, 6), 1, date(2026, time.June, 8)},
		{"over the first Monday of February", date(2026, time.January, 26), 20, date(2026, time.February, 24)},
		{"over the third Monday of March", date(2026, time.March, 2), 20, date(2026, time.March, 31)},
		{"over May 1 (a Friday)", date(2026, time.April, 20), 20, date(2026, time.May, 19)},
		{"over September 16 (a Wednesday)", date(2026, time.September, 1), 20, date(2026, time.September, 30)},
		{"over November 16 and December 25", date(2026, time.November, 30), 20, date(2026, time.December, 29)},
		{"over the new year", date(2026, time.December, 15), 20, date(2027, time.January, 14)},
		{"2027 over February 1 and March 15", date(2027, time.January, 29), 30, date(2027, time.March, 16)},
		{"2030 over the inauguration", date(2030, time.September, 20), 20, date(2030, time.October, 21)},
		{"filed late at night in Mexico City counts from its local date", time.Date(2026, time.June, 5, 23, 30, 0, 0, mx), 1, time.Date(2026, time.June, 8, 0, 0, 0, 0, mx)},
	}
	for _, c := range cases {
		if got := AddBusinessDays(c.filed, c.n); !got.Equal(c.want) {
			t.Errorf("%s: AddBusinessDays(%s, %d) = %s, want %s", c.name, c.filed.Format("2006-01-02 Mon"), c.n,
				got.Format("2006-01-02 Mon"), c.want.Format("2006-01-02 Mon"))
		}
	}
}
