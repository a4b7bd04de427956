package store

// FillActivity lets the benchmarks of package store_test, which drive the real handlers,
// fill a history the fast way.
var FillActivity = fillActivity
