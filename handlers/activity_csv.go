package handlers

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
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

// activitySource is what the export reads: pages of one client's history.
type activitySource interface {
	QueryActivity(clientID string, q store.ActivityQuery) (store.ActivityPage, error)
}

// exportActivity sends the history, with the filters of the page, as a CSV file. The first
// chunk is read before anything is sent, so a store that fails at once gets the error page;
// the rest is read as the download goes, so a long history costs no memory (see
// activityCSV for a failure halfway).
func (s *Server) exportActivity(c *fiber.Ctx) error {
	f := parseActivityForm(c, s.cfg.Location)
	if len(f.errs) > 0 {
		return userError(fiber.StatusBadRequest, "page.activity.csv_bad_filter")
	}
	// The body is read after this handler returns, when c is gone: take what it needs.
	ctx := views.WithCtx(context.Background(), s.viewCtx(c))
	body := newActivityCSV(ctx, s.store, currentPrincipal(c).ClientID(), f.filter, s.cfg.Location, s.log)
	return sendActivityCSV(c, body)
}

// sendActivityCSV answers with body as a download, after reading its first chunk.
func sendActivityCSV(c *fiber.Ctx, body *activityCSV) error {
	if err := body.next(); err != nil {
		return err
	}
	name := "historial-" + time.Now().In(body.loc).Format("20060102") + ".csv"
	c.Set(fiber.HeaderContentType, "text/csv; charset=utf-8")
	c.Set(fiber.HeaderContentDisposition, `attachment; filename="`+name+`"`)
	c.Context().SetBodyStream(body, -1)
	return nil
}

// activityCSV is the CSV file as a reader that reads the next chunk of the history from the
// store whenever the download has taken what it holds. It is sent chunked, with no length:
// when the store fails halfway, Read returns the error and the server drops the connection
// without the final chunk, so the browser reports a failed download instead of saving a
// file that looks complete.
type activityCSV struct {
	src      activitySource
	clientID string
	q        store.ActivityQuery
	rows     *rowMaker
	loc      *time.Location
	log      *slog.Logger
	buf      bytes.Buffer
	done     bool
}

// newActivityCSV is the export of clientID's history that passes filter, starting with the
// BOM and the header line in the language of ctx.
func newActivityCSV(ctx context.Context, src activitySource, clientID string, filter store.ActivityFilter, loc *time.Location, log *slog.Logger) *activityCSV {
	a := &activityCSV{src: src, clientID: clientID, rows: newRowMaker(ctx), loc: loc, log: log,
		q: store.ActivityQuery{Filter: filter, Limit: csvChunk, ScanLimit: 10 * csvChunk}}
	t := a.rows.t
	a.buf.Write(utf8BOM)
	writeCSVLine(&a.buf, []string{
		t.T("page.activity.csv.when"), t.T("page.activity.csv.who"), t.T("page.activity.csv.kind"),
		t.T("page.activity.csv.what"), t.T("page.activity.csv.changes"), t.T("page.activity.csv.ip"),
		t.T("page.activity.csv.device"),
	})
	return a
}

// Read gives the file's next bytes, reading the store when the buffer is empty.
func (a *activityCSV) Read(p []byte) (int, error) {
	for a.buf.Len() == 0 {
		if a.done {
			return 0, io.EOF
		}
		if err := a.next(); err != nil {
			return 0, err
		}
	}
	return a.buf.Read(p)
}

// next reads one chunk of the history into the buffer.
func (a *activityCSV) next() error {
	page, err := a.src.QueryActivity(a.clientID, a.q)
	if err != nil {
		a.log.Error("activity csv: reading the history", "err", err, "client", a.clientID)
		return err
	}
	for _, e := range page.Entries {
		writeCSVLine(&a.buf, csvRecord(a.rows, e, a.loc))
	}
	a.q.Before, a.done = page.Next, page.Next == ""
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

// writeCSVLine writes one line of RFC 4180 CSV: cells separated by commas, CRLF at the end.
// A cell is quoted when it holds a comma, a quote, a line break, leading or trailing space,
// or a semicolon: Excel in Spanish-speaking locales splits on semicolons, which
// encoding/csv does not quote.
func writeCSVLine(w *bytes.Buffer, cells []string) {
	for i, v := range cells {
		if i > 0 {
			w.WriteByte(',')
		}
		if !strings.ContainsAny(v, ",;\"\r\n") && strings.TrimSpace(v) == v {
			w.WriteString(v)
			continue
		}
		w.WriteByte('"')
		w.WriteString(strings.ReplaceAll(v, `"`, `""`))
		w.WriteByte('"')
	}
	w.WriteString("\r\n")
}

// csvSafe keeps a spreadsheet from running a cell as a formula: a value that starts like
// one (a name or a browser string can be chosen by anyone) gets a leading apostrophe.
func csvSafe(v string) string {
	if v != "" && strings.ContainsRune("=+-@\t\r", rune(v[0])) {
		return "'" + v
	}
	return v
}
