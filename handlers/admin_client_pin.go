package handlers

import (
	"time"

	"github.com/gofiber/fiber/v2"

	"zona/store"
	"zona/views"
	"zona/web"
)

// checkClientPIN checks the PIN a caller gives, as a staff member types it, through
// store.VerifyPIN: the one place a PIN is verified, which limits wrong PINs per account and
// records every check in the client's history with the staff member as actor. The answer
// (matches, does not match, locked) is shown beside the field; the PIN typed never is.
func (s *Server) checkClientPIN(c *fiber.Ctx) error {
	cl, err := s.store.ClientByID(c.Params("id"))
	if err != nil {
		return err
	}
	t := s.tr(c)
	var check views.PINCheck
	pin, ok := formText(c, "pin", false)
	switch {
	case !ok || len(pin) != store.PINLength || !allDigits(pin):
		check.Field.Error = t.T("form.pin_format")
	case cl.PINHash == "":
		check.Result, check.Message = string(store.PINNotSet), t.T("page.admin.client.pin_unset")
	default:
		ev := s.staffEvent(c, "")
		res, wait, err := s.verifyPINFromIP(c, cl.ID, pin, ev)
		if err != nil {
			return err
		}
		check.Result = string(res)
		switch res {
		case store.PINMatch:
			check.Message = t.T("page.admin.client.pin_match")
		case store.PINNoMatch:
			check.Message = t.T("page.admin.client.pin_no_match")
		case store.PINLocked:
			check.Message = t.T("page.admin.client.pin_locked", "Count", minutes(wait))
		default:
			check.Message = t.T("page.admin.client.pin_unset")
		}
		if cl, err = s.store.ClientByID(cl.ID); err != nil {
			return err
		}
	}
	// Every answer is 200, so that htmx swaps it in.
	return s.renderClient(c, cl, check, "")
}

// verifyPINFromIP is store.VerifyPIN behind the per-address limit (web.PINCheckIP): the
// attempt is reserved before the PIN is checked and given back unless the PIN was wrong;
// past the limit the PIN is not checked, and the refused check is recorded in the client's
// history all the same.
func (s *Server) verifyPINFromIP(c *fiber.Ctx, clientID, pin string, ev store.Event) (store.PINResult, time.Duration, error) {
	ip := web.PINCheckIP.For(c.IP())
	if ok, wait, err := s.kv.Reserve(ip); err != nil {
		return "", 0, err
	} else if !ok {
		ev.Kind = store.KindPINLocked
		ev.Detail = map[string]string{"result": string(store.PINLocked), "limit": "ip"}
		return store.PINLocked, wait, s.store.Record(clientID, ev)
	}
	res, wait, err := s.store.VerifyPIN(c.UserContext(), clientID, pin, ev)
	if err == nil && res != store.PINNoMatch {
		err = s.kv.Forgive(ip.Key)
	}
	return res, wait, err
}

func allDigits(s string) bool {
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}
