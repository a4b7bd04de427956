package handlers

import (
	"errors"
	"strconv"

	"github.com/gofiber/fiber/v2"

	"zona/locales"
	"zona/store"
	"zona/views"
)

// consoleAccountPage is the account form of cl as staff see it: the customer's own form
// (accountForm: the same fields, rules and messages, RFC included) posting to the console,
// without password, PIN or promotions consent.
func consoleAccountPage(t *locales.Translator, f *accountForm, cl *store.Client) views.AccountPage {
	p := f.page(t, cl, nil)
	p.Console, p.Action = true, "/admin/clients/"+cl.ID+"/edit"
	// The inline checks post to the client zone's routes; in the console the form is
	// checked when it is sent.
	p.Identity.CheckURL, p.Identity.Region.CheckURL, p.RFC.CheckURL = "", "", ""
	return p
}

// showClientEdit is the form that edits a client's details in the console.
func (s *Server) showClientEdit(c *fiber.Ctx) error {
	cl, err := s.store.ClientByID(c.Params("id"))
	if err != nil {
		return err
	}
	t := s.tr(c)
	return s.render(c, fiber.StatusOK, t.T("page.account.title"), views.Account(consoleAccountPage(t, accountFormOf(cl), cl)))
}

// saveClientEdit saves a client's details as staff edit them, through the customer's own
// validation (accountForm). The history records each changed field, old and new, with the
// staff member's name. Staff never change the sign-in email (that is the person's own, by a
// link sent to the new address) nor give the promotions consent.
func (s *Server) saveClientEdit(c *fiber.Ctx) error {
	cl, err := s.store.ClientByID(c.Params("id"))
	if err != nil {
		return err
	}
	t := s.tr(c)
	f := parseAccount(c)
	f.marketing = cl.Marketing.Given
	f.validate()
	if f.errs[fEmail] == "" && store.NormalizeEmail(f.Email) != store.NormalizeEmail(cl.Email) {
		f.errs[fEmail] = "page.account.email_client_only"
	}
	again := func(notice string, conflict []views.ActivityChange) error {
		page := consoleAccountPage(t, f, cl)
		page.Error, page.Conflict = notice, conflict
		return s.render(c, fiber.StatusOK, t.T("page.account.title"), views.Account(page))
	}
	if len(f.errs) > 0 {
		return again(t.T("form.fix_errors"), nil)
	}
	if f.rev != cl.Rev {
		return s.accountConflict(c, cl.ID, f, again)
	}
	changes := diffValues(accountFormOf(cl).values(), f.values())
	if len(changes) > 0 {
		ev := s.staffEvent(c, store.KindAccountUpdated)
		ev.Changes = changes
		ev.Detail = map[string]string{"rev": strconv.FormatUint(f.rev+1, 10)}
		cl, err = s.store.UpdateClient(cl.ID, f.rev, func(stored *store.Client) error {
			consent := stored.Marketing
			f.apply(stored, c.IP())
			stored.Marketing = consent
			return nil
		}, ev)
		if errors.Is(err, store.ErrConflict) {
			return s.accountConflict(c, c.Params("id"), f, again)
		}
		if err != nil {
			return err
		}
	}
	if isHTMX(c) {
		c.Set("HX-Retarget", "#main")
		c.Set("HX-Reswap", "innerHTML")
		c.Set("HX-Push-Url", "/admin/clients/"+cl.ID)
	}
	return s.afterClientChange(c, cl, "1")
}
