package handlers

import (
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"

	"zona/store"
)

// attachmentCSP is the policy of a downloaded attachment: should a browser render it after
// all, it runs in an opaque origin with no script and loads nothing.
const attachmentCSP = "sandbox; default-src 'none'"

// showAttachment serves attachment n (1-based) of a message as a download. It is
// authorised exactly as the message is (messageFor): another account's, or another
// person's security mail, is 404. The browser is told not to guess the type (nosniff) and
// not to render it in Zona's origin (attachment, sandbox CSP).
func (s *Server) showAttachment(c *fiber.Ctx) error {
	p := currentPrincipal(c)
	m, err := s.messageFor(p, c.Params("id"))
	if err != nil {
		return err
	}
	n, err := strconv.Atoi(c.Params("n"))
	if err != nil {
		return store.ErrNotFound
	}
	a, err := s.store.AttachmentByIndex(p.ClientID(), m.ID, n)
	if err != nil {
		return err
	}
	typ := a.Type
	if strings.HasPrefix(typ, "text/") {
		typ += "; charset=utf-8"
	}
	c.Set(fiber.HeaderContentType, typ)
	c.Set(fiber.HeaderContentDisposition, contentDisposition(a.Name))
	c.Set(fiber.HeaderXContentTypeOptions, "nosniff")
	c.Set(fiber.HeaderContentSecurityPolicy, attachmentCSP)
	return c.Send(a.Data)
}

// contentDisposition is an attachment header for name as RFC 6266 describes it: an ASCII
// fallback in filename for old clients and the exact name, UTF-8 and percent-encoded, in
// filename* (RFC 8187), which every current browser prefers.
func contentDisposition(name string) string {
	var ascii, ext strings.Builder
	for _, r := range name {
		if r < 0x20 || r > 0x7e || r == '"' || r == '\\' || r == '%' {
			ascii.WriteByte('_')
		} else {
			ascii.WriteRune(r)
		}
	}
	for _, b := range []byte(name) {
		if isAttrChar(b) {
			ext.WriteByte(b)
		} else {
			ext.WriteString("%" + strings.ToUpper(strconv.FormatInt(int64(b)|0x100, 16)[1:]))
		}
	}
	return `attachment; filename="` + ascii.String() + `"; filename*=UTF-8''` + ext.String()
}

// isAttrChar reports whether b may stand unencoded in an RFC 8187 value.
func isAttrChar(b byte) bool {
	switch {
	case 'a' <= b && b <= 'z', 'A' <= b && b <= 'Z', '0' <= b && b <= '9':
		return true
	}
	return strings.IndexByte("!#$&+-.^_`|~", b) >= 0
}
