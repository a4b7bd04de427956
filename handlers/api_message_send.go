package handlers

import (
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/gofiber/fiber/v2"

	"zona/mail"
	"zona/store"
)

// maxSubjectLen bounds the subject of a message sent through the API.
const maxSubjectLen = 200

// apiMessageRequest is the body of POST /api/v1/clients/:id/messages.
type apiMessageRequest struct {
	Category string `json:"category"`
	Subject  string `json:"subject"`
	HTML     string `json:"html"`
	Text     string `json:"text"`
	// Attachments travel base64-encoded inside the JSON body, so they fit in the API's
	// body limit (1 MiB: about 750 KB of files); larger files go through the CLI.
	Attachments []apiAttachment `json:"attachments"`
}

type apiAttachment struct {
	Name          string `json:"name"`
	ContentType   string `json:"content_type"`
	ContentBase64 string `json:"content_base64"`
}

// apiMessage is a queued message as the API answers it.
type apiMessage struct {
	ID         string         `json:"id"`
	ClientID   string         `json:"client_id"`
	Category   string         `json:"category"`
	Subject    string         `json:"subject"`
	CreatedAt  time.Time      `json:"created_at"`
	Recipients []apiRecipient `json:"recipients"`
}

type apiRecipient struct {
	Kind  string `json:"kind"`
	Email string `json:"email"`
	Name  string `json:"name"`
}

// apiSendMessage queues a message to a client's account through the Mailer, as every
// email of Zona goes: routed by category and the contacts' permissions, archived in the
// account's "Emails Recibidos", queued for the outbox, recorded in the history. An
// account (security) message goes to the owner alone. Attachments are checked by their
// content (mail.CheckFiles). 201 with the message and its recipients; 422 when a field or
// a file is wrong or nobody would receive it.
func (s *Server) apiSendMessage(c *fiber.Ctx) error {
	cl, err := s.store.ClientByID(c.Params("id"))
	if err != nil {
		return err
	}
	var req apiMessageRequest
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	req.Category = strings.TrimSpace(req.Category)
	req.Subject = strings.TrimSpace(req.Subject)
	fields := map[string]string{}
	if !store.ValidCategory(req.Category) {
		fields["category"] = "Must be one of " + strings.Join(store.Categories, ", ") + "."
	}
	switch {
	case req.Subject == "":
		fields["subject"] = "Required."
	case utf8.RuneCountInString(req.Subject) > maxSubjectLen:
		fields["subject"] = "At most 200 characters."
	}
	if strings.TrimSpace(req.HTML) == "" {
		fields["html"] = "Required."
	}
	files := make([]mail.File, 0, len(req.Attachments))
	for i, a := range req.Attachments {
		data, err := base64.StdEncoding.DecodeString(a.ContentBase64)
		if err != nil {
			fields[fmt.Sprintf("attachments[%d].content_base64", i)] = "Not valid base64."
			continue
		}
		files = append(files, mail.File{Name: a.Name, ContentType: a.ContentType, Data: data})
	}
	if len(fields) > 0 {
		return invalidFields(fields)
	}
	out := mail.Outgoing{ClientID: cl.ID, Category: req.Category, Subject: req.Subject, HTML: req.HTML,
		Text: req.Text, Attachments: files, Event: apiEvent(c, store.KindEmailQueued)}
	if req.Category == store.CategoryAccount {
		owner := mail.Owner(cl)
		out.Concerns = &owner
	}
	msg, err := s.mailer.Send(out)
	if errors.Is(err, store.ErrNoRecipients) {
		return &apiError{status: fiber.StatusUnprocessableEntity, code: "no_recipients",
			message: "Nobody on the account receives emails of that category.",
			fields:  map[string]string{"category": "Nobody on the account receives this category."}}
	}
	var bad *mail.AttachmentError
	if errors.As(err, &bad) {
		field := "attachments"
		if bad.Index >= 0 {
			field = fmt.Sprintf("attachments[%d]", bad.Index)
		}
		return invalidFields(map[string]string{field: bad.Error()})
	}
	if err != nil {
		return err
	}
	res := apiMessage{ID: msg.ID, ClientID: msg.ClientID, Category: msg.Category, Subject: msg.Subject,
		CreatedAt: msg.At, Recipients: []apiRecipient{}}
	for _, cp := range msg.Copies {
		res.Recipients = append(res.Recipients, apiRecipient{Kind: cp.Kind, Email: cp.To, Name: cp.Name})
	}
	return c.Status(fiber.StatusCreated).JSON(res)
}
