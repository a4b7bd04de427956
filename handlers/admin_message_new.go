package handlers

import (
	"bytes"
	"errors"
	"io"
	"mime/multipart"
	"strings"
	"unicode/utf8"

	"github.com/gofiber/fiber/v2"
	"github.com/yuin/goldmark"

	"zona/locales"
	"zona/mail"
	"zona/store"
	"zona/views"
)

// maxBodyLen bounds the body of a message written in the console, in bytes.
const maxBodyLen = 100_000

// composeForm is a message to a client as staff write it.
type composeForm struct {
	category, subject, format, body string
	// html is the body as it will be sent: the Markdown rendered (raw HTML in it dropped)
	// or the HTML given, sanitised either way like every archived email.
	html string
	// files are the attachments: uploaded with this request, or kept with the draft of the
	// preview (draft, its token) when none were uploaded.
	files []mail.File
	draft string
	// badFile names the attachment that errs["attachments"] is about, if one is.
	badFile string
	errs    map[string]string
}

func parseCompose(c *fiber.Ctx) *composeForm {
	f := &composeForm{errs: map[string]string{}, category: c.FormValue("category"), format: c.FormValue("format")}
	var ok bool
	f.subject, ok = formText(c, "subject", false)
	switch {
	case !ok:
		f.errs["subject"] = "form.invalid_chars"
	case f.subject == "":
		f.errs["subject"] = "form.required"
	case utf8.RuneCountInString(f.subject) > maxSubjectLen:
		f.errs["subject"] = "form.too_long"
	}
	if !store.ValidCategory(f.category) {
		f.errs["category"] = "form.choose_option"
	}
	if f.format != "html" {
		f.format = "markdown"
	}
	f.body, ok = formText(c, "body", true)
	switch {
	case !ok:
		f.errs["body"] = "form.invalid_chars"
	case strings.TrimSpace(f.body) == "":
		f.errs["body"] = "form.required"
	case len(f.body) > maxBodyLen:
		f.errs["body"] = "form.too_long"
	default:
		f.html = f.render()
	}
	f.draft = c.FormValue("draft")
	if form, err := c.MultipartForm(); err == nil {
		for _, fh := range form.File["attachments"] {
			if fh.Filename == "" && fh.Size == 0 {
				continue // the empty part a browser sends for a file input left alone
			}
			file, err := readUpload(fh)
			if err != nil {
				f.errs["attachments"] = "form.attachment_unreadable"
				break
			}
			f.files = append(f.files, file)
		}
	}
	return f
}

// readUpload reads an uploaded file whole: the request's body limit bounds its size.
func readUpload(fh *multipart.FileHeader) (mail.File, error) {
	r, err := fh.Open()
	if err != nil {
		return mail.File{}, err
	}
	defer r.Close()
	b, err := io.ReadAll(r)
	return mail.File{Name: fh.Filename, Data: b}, err
}

// checkFiles judges the attachments by their content (mail.CheckFiles) and names what is
// wrong beside the file field.
func (f *composeForm) checkFiles() {
	if len(f.files) == 0 || f.errs["attachments"] != "" {
		return
	}
	var bad *mail.AttachmentError
	if _, err := mail.CheckFiles(f.files); errors.As(err, &bad) {
		f.errs["attachments"], f.badFile = attachmentKeys[bad.Code], bad.Name
	}
}

// attachmentKeys are the messages of mail.AttachmentError's codes.
var attachmentKeys = map[string]string{
	"count": "form.attachment_count",
	"size":  "form.attachment_size",
	"name":  "form.attachment_name",
	"type":  "form.attachment_type",
}

// render turns the body into the HTML that is sent: Markdown through goldmark (which
// drops raw HTML), then the archive's sanitising policy, so the preview shows exactly what
// goes out and is archived.
func (f *composeForm) render() string {
	src := f.body
	if f.format == "markdown" {
		var b bytes.Buffer
		if err := goldmark.Convert([]byte(f.body), &b); err != nil {
			return ""
		}
		src = b.String()
	}
	return emailPolicy().Sanitize(src)
}

func (f *composeForm) page(t *locales.Translator, cl *store.Client, notice string) views.ComposePage {
	msgWith := func(field string, args ...any) string {
		if k := f.errs[field]; k != "" {
			return t.T(k, args...)
		}
		return ""
	}
	msg := func(field string) string { return msgWith(field) }
	cat := views.Select{Name: "category", Label: t.T("page.admin.compose.category"), Value: f.category, Error: msg("category"), Required: true,
		Options: []views.Option{{Value: "", Label: t.T("form.choose")}}}
	for _, k := range store.Categories {
		cat.Options = append(cat.Options, views.Option{Value: k, Label: t.T("category." + k)})
	}
	return views.ComposePage{
		ClientID: cl.ID, ClientName: cl.Name(), Category: cat,
		Subject: views.Field{Name: "subject", Label: t.T("page.admin.compose.subject"), Type: "text", Value: f.subject,
			Error: msg("subject"), Required: true, MaxLength: maxSubjectLen},
		Format: f.format, Body: f.body, BodyError: msg("body"), Error: notice,
		Draft: f.draft, AttachError: msgWith("attachments", "Name", f.badFile),
	}
}

// showCompose is the form that writes to a client.
func (s *Server) showCompose(c *fiber.Ctx) error {
	cl, err := s.store.ClientByID(c.Params("id"))
	if err != nil {
		return err
	}
	t := s.tr(c)
	f := &composeForm{format: "markdown", category: store.CategoryNotes}
	return s.render(c, fiber.StatusOK, t.T("page.admin.compose.title", "Name", cl.Name()), views.AdminCompose(f.page(t, cl, "")))
}

// sendCompose previews (step=preview) or sends (step=send) a message to a client. Sending
// goes through the one mailer exactly as the CLI and the API do: routed by category and the
// contacts' permissions (an account message to the owner alone), archived, queued, and
// recorded in the history with the staff member's name.
func (s *Server) sendCompose(c *fiber.Ctx) error {
	cl, err := s.store.ClientByID(c.Params("id"))
	if err != nil {
		return err
	}
	t := s.tr(c)
	f := parseCompose(c)
	if len(f.files) == 0 {
		if f.files, err = s.draftFiles(cl.ID, f.draft); err != nil {
			return err
		}
	}
	f.checkFiles()
	again := func(notice string, preview bool) error {
		p := f.page(t, cl, notice)
		if preview {
			token, err := s.saveDraft(cl.ID, f.html, f.files)
			if err != nil {
				return err
			}
			p.Draft = token
			for _, file := range f.files {
				p.Files = append(p.Files, views.EmailAttachment{Name: file.Name, Size: int64(len(file.Data))})
			}
			p.PreviewURL = "/admin/clients/" + cl.ID + "/messages/preview/" + token
			rcpts, err := s.recipients(cl, f.category)
			if err != nil {
				return err
			}
			p.Recipients = rcpts
		}
		return s.render(c, fiber.StatusOK, t.T("page.admin.compose.title", "Name", cl.Name()), views.AdminCompose(p))
	}
	if len(f.errs) > 0 {
		return again(t.T("form.fix_errors"), false)
	}
	if c.FormValue("step") != "send" {
		return again("", true)
	}
	out := mail.Outgoing{ClientID: cl.ID, Category: f.category, Subject: f.subject, HTML: f.html, Attachments: f.files,
		Event: s.staffEvent(c, store.KindEmailQueued)}
	if f.category == store.CategoryAccount {
		owner := mail.Owner(cl)
		out.Concerns = &owner
	}
	if _, err := s.mailer.Send(out); errors.Is(err, store.ErrNoRecipients) {
		f.errs["category"] = "error.no_recipients"
		return again(t.T("form.fix_errors"), false)
	} else if err != nil {
		return err
	}
	if isHTMX(c) {
		c.Set("HX-Retarget", "#main")
		c.Set("HX-Reswap", "innerHTML")
		c.Set("HX-Push-Url", "/admin/clients/"+cl.ID)
	}
	return s.afterClientChange(c, cl, "sent")
}

// recipients names who a message of category to cl would reach, as the mailer routes it.
func (s *Server) recipients(cl *store.Client, category string) ([]string, error) {
	people, err := mail.ContactRecipients(s.store, cl.ID)
	if err != nil {
		return nil, err
	}
	owner := mail.Owner(cl)
	var concerns *mail.Recipient
	if category == store.CategoryAccount {
		concerns = &owner
	}
	var out []string
	for _, r := range mail.Route(category, append([]mail.Recipient{owner}, people...), concerns) {
		out = append(out, r.Name+" <"+r.Email+">")
	}
	return out, nil
}
