package store

import "time"

// ARCO requests are answered within this many business days (the data-protection law for
// private parties, LFPDPPP).
const ARCODays = 20

// Holiday reports whether the date of t (its year, month and day as they read in t's
// location) is a Mexican mandatory rest day of the Ley Federal del Trabajo, art. 74:
// January 1; the first Monday of February; the third Monday of March; May 1; September 16;
// the third Monday of November; December 25; and October 1 of every sixth year when the
// federal executive takes office (2024, 2030, 2036…). Election days and the days the
// law leaves to local calendars are not counted.
func Holiday(t time.Time) bool {
	y, m, d := t.Date()
	switch {
	case m == time.January && d == 1, m == time.May && d == 1, m == time.September && d == 16, m == time.December && d == 25:
		return true
	case m == time.October && d == 1:
		return y >= 2024 && (y-2024)%6 == 0
	case m == time.February:
		return d == nthMonday(y, m, 1)
	case m == time.March, m == time.November:
		return d == nthMonday(y, m, 3)
	}
	return false
}

// nthMonday is the day of the month of the nth Monday of month m of year y.
func nthMonday(y int, m time.Month, n int) int {
	first := time.Date(y, m, 1, 0, 0, 0, 0, time.UTC).Weekday()
	return 1 + (int(time.Monday)-int(first)+7)%7 + 7*(n-1)
}

// BusinessDay reports whether the date of t is neither a Saturday, a Sunday nor a Holiday.
func BusinessDay(t time.Time) bool {
	wd := t.Weekday()
	return wd != time.Saturday && wd != time.Sunday && !Holiday(t)
}

// AddBusinessDays is the date n business days after the date of t, in t's location, at
// the start of that day: the day of filing is not counted, and a request filed on a day off
// starts counting on the next business day.
func AddBusinessDays(t time.Time, n int) time.Time {
	y, m, d := t.Date()
	day := time.Date(y, m, d, 0, 0, 0, 0, t.Location())
	for n > 0 {
		day = day.AddDate(0, 0, 1)
		if BusinessDay(day) {
			n--
		}
	}
	return day
}
