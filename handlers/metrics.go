package handlers

import (
	"crypto/subtle"
	"strconv"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/middleware/adaptor"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"zona/store"
)

// metrics are Zona's Prometheus metrics, in a registry of their own.
type metrics struct {
	reg      *prometheus.Registry
	requests *prometheus.CounterVec
	duration *prometheus.HistogramVec
}

// newMetrics builds the registry; with a disk guard, it also reports the data volume's
// free space, the floor under which writes are refused, and whether they are refused now.
func newMetrics(disk *store.DiskGuard) *metrics {
	m := &metrics{
		reg: prometheus.NewRegistry(),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "zona_http_requests_total", Help: "HTTP requests answered, by route pattern, method and status.",
		}, []string{"route", "method", "status"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "zona_http_request_duration_seconds", Help: "Time to answer an HTTP request, by route pattern and method.",
			Buckets: []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5},
		}, []string{"route", "method"}),
	}
	m.reg.MustRegister(m.requests, m.duration,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	if disk != nil {
		m.reg.MustRegister(
			prometheus.NewGaugeFunc(prometheus.GaugeOpts{
				Name: "zona_disk_free_bytes", Help: "Free space on the data volume at the last reading.",
			}, func() float64 { return float64(disk.Free()) }),
			prometheus.NewGaugeFunc(prometheus.GaugeOpts{
				Name: "zona_disk_floor_bytes", Help: "Free space under which Zona refuses writes.",
			}, func() float64 { return float64(disk.Floor()) }),
			prometheus.NewGaugeFunc(prometheus.GaugeOpts{
				Name: "zona_disk_low", Help: "1 while the data volume is under the floor and writes are refused, else 0.",
			}, func() float64 {
				if disk.Low() {
					return 1
				}
				return 0
			}))
	}
	return m
}

// observe counts every request under its route pattern (never the raw path, so the number
// of series stays bounded) and the status the person received. An error a handler returns
// is answered here, by the app's one error handler, before the status is read: counted
// after this middleware returned, a 403 or 404 returned as an error would read as the
// status the handler had left (or a guess), not the page that was sent.
func (m *metrics) observe(c *fiber.Ctx) error {
	start := time.Now()
	if err := c.Next(); err != nil {
		if herr := c.App().ErrorHandler(c, err); herr != nil {
			_ = c.SendStatus(fiber.StatusInternalServerError) // as Fiber does when its handler fails
		}
	}
	// The route is the pattern of the route table that answered (named), a string that
	// lives as long as the app; a middleware that answered before any route (the 404
	// catch-all, a CSRF refusal) has none worth naming.
	route, _ := c.Locals(localRoute).(string)
	if route == "" {
		route = "unmatched"
	}
	method := methodLabel(c.Method())
	m.requests.WithLabelValues(route, method, strconv.Itoa(c.Response().StatusCode())).Inc()
	m.duration.WithLabelValues(route, method).Observe(time.Since(start).Seconds())
	return nil
}

// localRoute holds the route pattern of the request, for the metrics.
const localRoute = "route"

// named labels the requests of the route with pattern path for the metrics. Fiber's own
// c.Route() cannot tell the 404 catch-all (a middleware, listed under "/") from the route
// "/".
func named(path string) fiber.Handler {
	return func(c *fiber.Ctx) error {
		c.Locals(localRoute, path)
		return c.Next()
	}
}

// methodLabel is the request's method as one of Fiber's constant strings. c.Method()
// points into a buffer the next request on the connection overwrites, and Prometheus keeps
// the label strings of every series it creates: a label taken from the buffer turns into
// "GETT" or "POS" later, and the scrape then fails.
func methodLabel(method string) string {
	for _, m := range fiber.DefaultMethods {
		if m == method {
			return m
		}
	}
	return "OTHER"
}

// handler serves the metrics; with a token configured, only to a request that bears it.
func (m *metrics) handler(token string) fiber.Handler {
	h := adaptor.HTTPHandler(promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{}))
	return func(c *fiber.Ctx) error {
		if token != "" && subtle.ConstantTimeCompare([]byte(c.Get(fiber.HeaderAuthorization)), []byte("Bearer "+token)) != 1 {
			c.Set(fiber.HeaderWWWAuthenticate, `Bearer realm="metrics"`)
			return c.SendStatus(fiber.StatusUnauthorized)
		}
		if c.Method() == fiber.MethodHead {
			// The Prometheus handler through the adaptor fails on HEAD (a 500): answer the
			// headers alone.
			c.Set(fiber.HeaderContentType, "text/plain; version=0.0.4; charset=utf-8")
			return c.SendStatus(fiber.StatusOK)
		}
		return h(c)
	}
}
