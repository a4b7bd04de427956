package handlers

import (
	"io"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"zona/store"
)

// downloadExport sends one of the principal's ready exports as a ZIP. Anyone else (another
// person of the account, another account, staff, someone signed out) gets the same 404,
// as does an export that is not ready or no longer kept.
func (s *Server) downloadExport(c *fiber.Ctx) error {
	p := currentPrincipal(c)
	if p == nil {
		return store.ErrNotFound
	}
	e, err := s.store.ExportByID(p.ClientID(), c.Params("id"))
	if err != nil {
		return err
	}
	if e.Person != p.person() || e.State != store.ExportReady || time.Now().After(e.Expires) {
		return store.ErrNotFound
	}
	if c.Method() == fiber.MethodGet {
		ev := s.event(c, p, store.KindExportDownloaded)
		ev.Detail = map[string]string{"export": e.ID}
		if err := s.store.Record(p.ClientID(), ev); err != nil {
			return err
		}
	}
	name := strings.ToLower(s.tr(c).T("page.privacy.export_file")) + "-" + e.Created.In(s.cfg.Location).Format("20060102") + ".zip"
	c.Set(fiber.HeaderContentType, "application/zip")
	c.Set(fiber.HeaderContentDisposition, `attachment; filename="`+name+`"`)
	c.Set(fiber.HeaderXContentTypeOptions, "nosniff")
	c.Context().SetBodyStream(&exportReader{st: s.store, exp: e}, int(e.Size))
	return nil
}

// exportReader reads an export's ZIP from the store one piece at a time.
type exportReader struct {
	st  store.Records
	exp *store.Export
	n   int
	buf []byte
}

func (r *exportReader) Read(p []byte) (int, error) {
	for len(r.buf) == 0 {
		if r.n == r.exp.Chunks {
			return 0, io.EOF
		}
		b, err := r.st.ExportChunk(r.exp, r.n)
		if err != nil {
			return 0, err
		}
		r.buf, r.n = b, r.n+1
	}
	n := copy(p, r.buf)
	r.buf = r.buf[n:]
	return n, nil
}
