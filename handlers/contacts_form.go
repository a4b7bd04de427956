package handlers

import (
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"zona/locales"
	"zona/store"
	"zona/views"
)

// Field names of the contact form beyond the identity block. The email permissions are
// "email_<category>", the areas "area_<area>".
const (
	fAccess        = "access"
	fPreset        = "preset"
	fContact       = "contact"
	fEmailPerms    = "emails" // the history's field of a contact's email permissions
	fAreaPerms     = "areas"  // and of its areas
	emailPermField = "email_"
	areaField      = "area_"
)

// contactForm is one contact as typed: SPEC §5.1's 12 fields (the identity block and the
// access box), the five email permissions, the areas and the promotions opt-in. It carries
// the revision it was loaded at, so that a save over someone else's is refused.
type contactForm struct {
	identityForm
	access    bool
	emails    map[string]bool
	areas     map[string]bool
	marketing bool
	// pending: the contact was asked for its consent and has not answered yet.
	pending bool
	preset  string
	rev     uint64
	errs    map[string]string
}

// contactFormOf is the form as the stored contact fills it.
func contactFormOf(ct *store.Contact) *contactForm {
	return &contactForm{
		identityForm: identityOf(ct.FirstName, ct.LastName, ct.Company, ct.Email, ct.Address),
		access:       ct.Access, emails: copySet(ct.Emails), areas: copySet(ct.Areas),
		marketing: ct.Marketing.Given || ct.Marketing.Pending, pending: ct.Marketing.Pending, rev: ct.Rev, errs: map[string]string{},
	}
}

// newContactForm is the empty form of a new contact: Mexico, no permissions.
func newContactForm() *contactForm {
	return &contactForm{identityForm: identityOf("", "", "", "", store.Address{}),
		emails: map[string]bool{}, areas: map[string]bool{}, errs: map[string]string{}}
}

func copySet(m map[string]bool) map[string]bool {
	out := map[string]bool{}
	for k, v := range m {
		if v {
			out[k] = true
		}
	}
	return out
}

func parseContact(c *fiber.Ctx) *contactForm {
	f := &contactForm{errs: map[string]string{}, emails: map[string]bool{}, areas: map[string]bool{}}
	f.identityForm = parseIdentity(c, f.errs)
	f.access = c.FormValue(fAccess) == "1"
	for _, k := range store.EmailPermissions {
		f.emails[k] = c.FormValue(emailPermField+k) == "1"
	}
	for _, k := range store.Areas {
		f.areas[k] = c.FormValue(areaField+k) == "1"
	}
	f.marketing = c.FormValue(fMarketing) == "1"
	f.preset = c.FormValue(fPreset)
	f.rev, _ = strconv.ParseUint(c.FormValue(fRev), 10, 64)
	return f
}

// grantable reports whether p may give a contact the permission perm (an email category or
// an area): the owner any, a contact only what it holds itself.
func grantable(p *principal, perm string) bool {
	if p.isOwner() {
		return true
	}
	if slices.Contains(store.Areas, perm) {
		return p.Contact.Areas[perm]
	}
	return p.Contact.Emails[perm]
}

// limitTo keeps only the permissions p may grant, leaving the others as stored (held):
// a contact managing contacts never grants more than it holds.
func (f *contactForm) limitTo(p *principal, held *contactForm) {
	for _, set := range []struct {
		typed, stored map[string]bool
		keys          []string
	}{{f.emails, held.emails, store.EmailPermissions}, {f.areas, held.areas, store.Areas}} {
		for _, k := range set.keys {
			if !grantable(p, k) {
				set.typed[k] = set.stored[k]
			}
		}
	}
}

// applyPreset sets the permissions of the preset named f.preset (the grantable ones), and
// reports whether there was one.
func (f *contactForm) applyPreset(p *principal) (store.Preset, bool) {
	for _, pr := range store.Presets {
		if pr.Name != f.preset {
			continue
		}
		for _, k := range store.EmailPermissions {
			if grantable(p, k) {
				f.emails[k] = slices.Contains(pr.Emails, k)
			}
		}
		for _, k := range store.Areas {
			if grantable(p, k) {
				f.areas[k] = slices.Contains(pr.Areas, k)
			}
		}
		return pr, true
	}
	return store.Preset{}, false
}

// validate checks the identity block; the email is the contact's login when it has access.
func (f *contactForm) validate() { f.identityForm.validate(f.errs) }

// values lists what the form saves, by field name, as the history records it.
func (f *contactForm) values() [][2]string {
	return append(f.identityForm.values(), [][2]string{
		{fAccess, yesNo(f.access)},
		{fEmailPerms, permCodes(f.emails, store.EmailPermissions)},
		{fAreaPerms, permCodes(f.areas, store.Areas)},
		{fMarketing, yesNo(f.marketing)},
	}...)
}

// permCodes records the permissions set in m, in order, by their codes: the history names
// them in the reader's language (rowMaker.value).
func permCodes(m map[string]bool, order []string) string {
	return strings.Join(store.SortedKeys(m, order), ",")
}

// permList names the permissions set in m, in order, by their labels in t's language.
func permList(t *locales.Translator, m map[string]bool, order []string, prefix string) string {
	var names []string
	for _, k := range store.SortedKeys(m, order) {
		names = append(names, t.T("field."+prefix+k))
	}
	return strings.Join(names, ", ")
}

// apply copies the form onto ct. An owner can withdraw a contact's promotions consent but
// never give it: ticking the box leaves the consent to the contact, who is asked by email
// once the contact is saved (askMarketing). The consent records when and from where it was
// last answered.
func (f *contactForm) apply(ct *store.Contact, ip string) {
	ct.FirstName, ct.LastName, ct.Company, ct.Email = f.FirstName, f.LastName, f.Company, f.Email
	ct.Address = f.Address
	ct.Access = f.access
	ct.Emails, ct.Areas = copySet(f.emails), copySet(f.areas)
	if !f.marketing && (ct.Marketing.Given || ct.Marketing.Pending || ct.Marketing.At.IsZero()) {
		ct.Marketing = store.Consent{At: time.Now().UTC(), IP: ip}
	}
}

// asksMarketing reports whether saving the form onto ct asks the contact for its consent.
func (f *contactForm) asksMarketing(ct *store.Contact) bool {
	return f.marketing && !ct.Marketing.Given && !ct.Marketing.Pending
}

// edit is the form's view for contact id ("" for a new one), for the signed-in p.
func (f *contactForm) edit(t *locales.Translator, p *principal, id string) views.ContactEdit {
	e := views.ContactEdit{
		ID: id, Rev: f.rev,
		Identity: f.identityForm.view(t, f.errs, "/contacts/check"),
		Access:   views.Check{Name: fAccess, Label: t.T("field.access"), Hint: t.T("page.contact.access_hint"), On: f.access},
		Marketing: views.Check{Name: fMarketing, Label: t.T("field.marketing_contact"), Hint: t.T("page.contact.marketing_hint"),
			On: f.marketing},
	}
	if f.pending {
		e.Marketing.Hint = t.T("page.contact.marketing_pending")
	}
	for _, k := range store.EmailPermissions {
		e.Emails = append(e.Emails, views.Check{Name: emailPermField + k, Label: t.T("field." + emailPermField + k),
			Hint: t.T("page.contact.email_hint." + k), On: f.emails[k], Disabled: !grantable(p, k)})
	}
	for _, k := range store.Areas {
		e.Areas = append(e.Areas, views.Check{Name: areaField + k, Label: t.T("field." + areaField + k),
			Hint: t.T("page.contact.area_hint." + k), On: f.areas[k], Disabled: !grantable(p, k)})
	}
	for _, pr := range store.Presets {
		e.Presets = append(e.Presets, views.PresetView{Name: pr.Name, Label: t.T("page.contact.preset." + pr.Name),
			Summary: t.T("page.contact.preset_summary." + pr.Name)})
	}
	if len(f.errs) > 0 {
		e.Error = t.T("form.fix_errors")
	}
	return e
}
