package handlers

import (
	"encoding/json"
	"time"

	"github.com/gofiber/fiber/v2"

	"zona/mail"
	"zona/secure"
	"zona/store"
)

// draftTTL is how long a message's preview can be loaded.
const draftTTL = time.Hour

// draftPrefix namespaces previews in the sessions store: draft.<random token>.
const draftPrefix = "draft."

// draft is a message's sanitised HTML kept for its preview frame, and the files attached
// at the preview, so that sending it does not ask for them again.
type draft struct {
	ClientID string      `json:"c"`
	HTML     string      `json:"h"`
	Files    []mail.File `json:"f,omitempty"`
}

// saveDraft keeps html (already sanitised) for an hour under a new random token, so the
// preview frame loads it from its own route with the archive's sandbox policy: a page never
// holds mail HTML inline.
func (s *Server) saveDraft(clientID, html string, files []mail.File) (string, error) {
	raw, err := json.Marshal(draft{ClientID: clientID, HTML: html, Files: files})
	if err != nil {
		return "", err
	}
	token := secure.Token()
	return token, s.kv.Set(draftPrefix+token, raw, draftTTL)
}

// draftFiles are the files kept with clientID's draft token; none for an unknown, expired
// or another client's token.
func (s *Server) draftFiles(clientID, token string) ([]mail.File, error) {
	if token == "" {
		return nil, nil
	}
	raw, err := s.kv.Get(draftPrefix + token)
	if err != nil {
		return nil, err
	}
	var d draft
	if raw == nil || json.Unmarshal(raw, &d) != nil || d.ClientID != clientID {
		return nil, nil
	}
	return d.Files, nil
}

// showPreview serves a message's preview as the archive serves a message: sanitised, in a
// sandboxed document. A token of another client's draft, or an expired one, is not found.
func (s *Server) showPreview(c *fiber.Ctx) error {
	raw, err := s.kv.Get(draftPrefix + c.Params("token"))
	if err != nil {
		return err
	}
	var d draft
	if raw == nil || json.Unmarshal(raw, &d) != nil || d.ClientID != c.Params("id") {
		return store.ErrNotFound
	}
	return serveEmailBody(c, &store.MessageBody{HTML: d.HTML}, false)
}
