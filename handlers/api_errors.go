package handlers

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"mime"
	"strconv"
	"unicode/utf8"

	"github.com/gofiber/fiber/v2"

	"zona/locales"
	"zona/web"
)

// apiError is an error of the JSON API with a status, a stable code for programs and an
// English message for people; fields, when set, names what is wrong with each field of
// the request body (422).
type apiError struct {
	status  int
	code    string
	message string
	fields  map[string]string
}

func (e *apiError) Error() string { return e.code }

var errUnauthorized = &apiError{status: fiber.StatusUnauthorized, code: "unauthorized",
	message: "A valid API token is required: send \"Authorization: Bearer TOKEN\"."}

// invalidFields is the 422 answer for a request body whose fields fail validation.
func invalidFields(fields map[string]string) error {
	return &apiError{status: fiber.StatusUnprocessableEntity, code: "invalid",
		message: "Some fields are not valid.", fields: fields}
}

func badRequest(message string) error {
	return &apiError{status: fiber.StatusBadRequest, code: "bad_request", message: message}
}

// apiErrorBody is the JSON shape of every API error.
type apiErrorBody struct {
	Error struct {
		Code      string            `json:"code"`
		Message   string            `json:"message"`
		Fields    map[string]string `json:"fields,omitempty"`
		RequestID string            `json:"request_id,omitempty"`
	} `json:"error"`
}

// handleAPIError is handleError for /api/ paths: the same table of errors to statuses
// (web.Classify), answered as JSON with an English message and never as a page. An
// apiError carries its own status, code and field messages.
func (s *Server) handleAPIError(c *fiber.Ctx, err error) error {
	en := locales.For(locales.EN)
	var body apiErrorBody
	p := web.Classify(err)
	body.Error.Code, body.Error.Message = p.Code, en.T(p.MsgKey)
	var ae *apiError
	if errors.As(err, &ae) {
		p.Status = ae.status
		body.Error.Code, body.Error.Message, body.Error.Fields = ae.code, ae.message, ae.fields
	}
	rid, _ := c.Locals(localRequestID).(string)
	if p.Status >= 500 {
		s.log.Error("api request failed", "err", err, "method", c.Method(), "path", c.Path(), "request_id", rid)
		body.Error.RequestID = rid
	}
	if p.RetryAfter != "" {
		c.Set(fiber.HeaderRetryAfter, p.RetryAfter)
	}
	if p.Status == fiber.StatusUnauthorized {
		c.Set(fiber.HeaderWWWAuthenticate, `Bearer realm="zona"`)
	}
	c.Set(fiber.HeaderCacheControl, "no-store")
	return c.Status(p.Status).JSON(body)
}

// decodeJSON reads the request body into v strictly: a JSON media type, valid UTF-8, one
// JSON object, no unknown fields. Anything else is a 400 (415 for another media type).
func decodeJSON(c *fiber.Ctx, v any) error {
	mt, _, err := mime.ParseMediaType(c.Get(fiber.HeaderContentType))
	if err != nil || mt != fiber.MIMEApplicationJSON {
		return &apiError{status: fiber.StatusUnsupportedMediaType, code: "unsupported_media_type",
			message: "Send the body as application/json."}
	}
	body := c.Body()
	if !utf8.Valid(body) {
		return badRequest("The body is not valid UTF-8.")
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return badRequest("The body is not a valid JSON object of this endpoint: " + jsonProblem(err))
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return badRequest("The body holds more than one JSON value.")
	}
	return nil
}

// jsonProblem describes a decoding error without echoing the body.
func jsonProblem(err error) string {
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syn):
		return "syntax error at byte " + strconv.FormatInt(syn.Offset, 10) + "."
	case errors.As(err, &typ):
		return "field \"" + typ.Field + "\" has the wrong type."
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return "the body is empty or cut short."
	}
	msg := err.Error()
	if len(msg) > 200 {
		msg = msg[:200]
	}
	return msg + "."
}
