package handlers

import (
	"bufio"
	"context"
	"encoding/csv"
	"fmt"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"zona/store"
	"zona/views"
)

const (
	// csvChunk is how many entries the CSV writes between two reads of the store.
	csvChunk = 500
	// csvDateLayout is a date and time that spreadsheets read as such.
	csvDateLayout = "2006-01-02 15:04:05"
)

// utf8BOM starts the CSV so that Excel (in Spanish too) reads it as UTF-8.
var utf8BOM = []byte{0xEF, 0xBB, 0xBF}

// exportActivity streams the history, with the filters of the page, as a CSV file. It is
// written in chunks as it is read, so a long history costs no memory and the download
// starts at once.
func (s *Server) exportActivity(c *fiber.Ctx) error {
	t := s.tr(c)
	f := parseActivityForm(c, s.cfg.Location)
	if len(f.errs) > 0 {
		return userError(fiber.StatusBadRequest, "page.activity.csv_bad_filter")
	}
	clientID := currentPrincipal(c).ClientID()
	// The stream is written after this handler returns, when c is gone: take what it needs.
	ctx := views.WithCtx(context.Background(), s.viewCtx(c))
	loc, filter, log := s.cfg.Location, f.filter, s.log
	header := []string{
		t.T("page.activity.csv.when"), t.T("page.activity.csv.who"), t.T("page.activity.csv.kind"),
		t.T("page.activity.csv.what"), t.T("page.activity.csv.changes"), t.T("page.activity.csv.ip"),
		t.T("page.activity.csv.device"),
	}
	name := "historial-" + time.Now().In(loc).Format("20060102") + ".csv"
	c.Set(fiber.HeaderContentType, "text/csv; charset=utf-8")
	c.Set(fiber.HeaderContentDisposition, `attachment; filename="`+name+`"`)
	c.Context().SetBodyStreamWriter(func(w *bufio.Writer) {
		defer func() {
			if r := recover(); r != nil {
				log.Error("activity csv: panic", "err", r, "client", clientID)
			}
		}()
		rows := newRowMaker(ctx)
		out := csv.NewWriter(w)
		w.Write(utf8BOM)
		out.Write(header)
		before := ""
		for {
			page, err := s.store.QueryActivity(clientID, store.ActivityQuery{
				Filter: filter, Before: before, Limit: csvChunk, ScanLimit: 10 * csvChunk,
			})
			if err != nil {
				log.Error("activity csv: reading the history", "err", err, "client", clientID)
				return
			}
			for _, e := range page.Entries {
				out.Write(csvRecord(rows, e, loc))
			}
			out.Flush()
			if err := out.Error(); err != nil {
				return // the browser went away
			}
			if err := w.Flush(); err != nil {
				return
			}
			if page.Next == "" {
				return
			}
			before = page.Next
		}
	})
	return nil
}

// csvRecord is one entry as a CSV line: when, who, kind, sentence, changes, IP, device.
func csvRecord(rows *rowMaker, e store.Entry, loc *time.Location) []string {
	r := rows.row(e)
	changes := make([]string, 0, len(r.Changes))
	for _, ch := range r.Changes {
		if ch.Secret {
			changes = append(changes, fmt.Sprintf("%s: %s", ch.Field, rows.t.T("page.activity.secret_changed")))
		} else {
			changes = append(changes, fmt.Sprintf("%s: %s → %s", ch.Field, ch.Old, ch.New))
		}
	}
	rec := []string{
		e.At.In(loc).Format(csvDateLayout), r.Who, rows.t.T("kind." + e.Kind), r.Text,
		strings.Join(changes, "; "), r.IP, r.Device,
	}
	for i := range rec {
		rec[i] = csvSafe(rec[i])
	}
	return rec
}

// csvSafe keeps a spreadsheet from running a cell as a formula: a value that starts like
// one (a name or a browser string can be chosen by anyone) gets a leading apostrophe.
func csvSafe(v string) string {
	if v != "" && strings.ContainsRune("=+-@\t\r", rune(v[0])) {
		return "'" + v
	}
	return v
}
